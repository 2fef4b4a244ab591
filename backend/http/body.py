"""Body limits, enforced before a route reads the body.

A request for a route that needs a signed-in user is refused with 401 before one byte of its body is
read; a body declared (Content-Length) larger than its route takes is refused with 413 `too_large`
at once; a body without a declared size (chunked) is counted as it streams in and cut off with 413
as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.errors import BodyTooLarge
from backend.http.asgi import header, send_error, token_problem
from backend.http.routing import RouteTable
from backend.settings import Settings

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimits:
    def __init__(self, app: ASGIApp, *, routes: RouteTable, settings: Settings) -> None:
        self.app, self.routes, self.settings = app, routes, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = self.routes.info(scope)
        declared = header(scope, b"content-length")
        has_body = scope["method"] in BODY_METHODS or declared not in (None, "0")
        if has_body and info.needs_token and (problem := token_problem(scope, self.settings)):
            await send_error(send, problem)
            return
        if declared is not None and declared.strip().isdigit() and int(declared) > info.max_body:
            await send_error(send, BodyTooLarge(info.max_body, int(declared)))
            return
        # Starlette counts the body as the route reads it and raises 413 as soon as it passes the limit
        # (FastAPI re-raises that as an HTTPException, which install_handlers answers as `too_large`).
        await RequestBodyLimitMiddleware(self.app, max_body_size=info.max_body)(scope, receive, send)
