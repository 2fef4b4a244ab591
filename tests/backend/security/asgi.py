"""Calling the real app at the ASGI level, to see how much of a request body it read before answering
(a test client sends the whole body first, so it cannot show that)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

CHUNK = 1024 * 1024


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Callable[..., Any],
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    chunks: int = 0,
    chunk: bytes = b"\0" * CHUNK,
    first: bytes = b"",
) -> Answer:
    """Sends `first` and then `chunks` chunks of body (only as the app asks for them) and returns the
    answer and how many chunks the app had read when it answered."""
    answer = Answer()

    async def receive() -> dict[str, Any]:
        if answer.status or answer.chunks_read >= chunks:
            await anyio.sleep(3600)  # a client that sends nothing more; the app must not wait for it
        answer.chunks_read += 1
        body = first + chunk if answer.chunks_read == 1 else chunk
        return {"type": "http.request", "body": body, "more_body": answer.chunks_read < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        + [(b"host", b"testserver")],
        "client": ("203.0.113.7", 40000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def main() -> None:
        with anyio.fail_after(60):
            await app(scope, receive, send)

    anyio.run(main)
    return answer
