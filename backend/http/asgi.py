"""Small ASGI helpers shared by the edge middleware: headers, the bearer token, a JSON error answer."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Scope, Send

from backend.auth.tokens import read_token
from backend.errors import HeitjeError, Unauthorized, error_body
from backend.settings import Settings


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (header(scope, b"authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_problem(scope: Scope, settings: Settings) -> Unauthorized | None:
    """Why the request's bearer token does not sign anyone in (the same words as the route would
    use), or None when it is valid."""
    token = _bearer(scope)
    if token is None:
        return Unauthorized("sign in first: this needs an Authorization: Bearer token")
    try:
        read_token(settings, token)
    except Unauthorized as exc:
        return exc
    return None


def bearer_address(scope: Scope, settings: Settings) -> str | None:
    """The signed-in address of a valid bearer token, or None."""
    token = _bearer(scope)
    if token is None:
        return None
    try:
        return read_token(settings, token)
    except HeitjeError:
        return None


def client_ip(scope: Scope) -> str:
    """The client's address as the server saw it (behind a proxy: uvicorn --forwarded-allow-ips)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def send_error(send: Send, error: HeitjeError, headers: dict[str, str] | None = None) -> None:
    """Answers with the JSON error shape of DESIGN.md without touching the request body."""
    body = json.dumps(error_body(error.code, error.message, **error.details)).encode()
    raw: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The unread body stays on the connection: tell the client not to reuse it.
        (b"connection", b"close"),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    start: dict[str, Any] = {"type": "http.response.start", "status": error.status, "headers": raw}
    await send(start)
    await send({"type": "http.response.body", "body": body})
