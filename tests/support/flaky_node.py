"""A JSON-RPC proxy in front of a real node whose answers to a broadcast go wrong the way a network
does: it passes every request to the node and, the first `times` times a request sends a raw
transaction, either drops the connection without answering (`lost`: the node has the transactions,
the sender cannot know) or answers each of them "already known" (`already_known`: as a node does
to a transaction it was given before)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

MODES = ("lost", "already_known")


@dataclass
class FlakyNode:
    upstream: str
    mode: str
    times: int = 1
    url: str = ""
    broadcasts: int = 0  # requests that sent raw transactions (passed to the node every time)
    refuse_lookups: bool = False  # answer eth_getTransactionByHash with a provider's rate-limit error

    def spoil(self, request: Any) -> bool:
        """Whether this request's answer goes wrong (it sends transactions and `times` is not used up)."""
        calls = request if isinstance(request, list) else [request]
        if not any(isinstance(c, dict) and c.get("method") == "eth_sendRawTransaction" for c in calls):
            return False
        self.broadcasts += 1
        return self.broadcasts <= self.times


def _errors(request: Any, code: int, message: str) -> bytes:
    calls = request if isinstance(request, list) else [request]
    answers = [{"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": code, "message": message}} for c in calls]
    return json.dumps(answers if isinstance(request, list) else answers[0]).encode()


def _looks_up(request: Any) -> bool:
    calls = request if isinstance(request, list) else [request]
    return any(isinstance(c, dict) and c.get("method") == "eth_getTransactionByHash" for c in calls)


def _handler(node: FlakyNode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = json.loads(body)
            if node.refuse_lookups and _looks_up(request):
                self._answer(200, _errors(request, -32005, "daily request count exceeded, request rate limited"))
                return
            spoil = node.spoil(request)
            upstream = requests.post(node.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            if spoil and node.mode == "lost":
                self.close_connection = True  # the node took it; the answer never arrives
                return
            if spoil:
                self._answer(200, _errors(request, -32000, "already known"))
            else:
                self._answer(upstream.status_code, upstream.content)

        def _answer(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def flaky_node(upstream: str, mode: str, times: int = 1, *, refuse_lookups: bool = False) -> Iterator[FlakyNode]:
    """A FlakyNode listening on a free local port for the length of the block (`node.url`)."""
    assert mode in MODES, mode
    node = FlakyNode(upstream, mode, times, refuse_lookups=refuse_lookups)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(node))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    node.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield node
    finally:
        server.shutdown()
        server.server_close()
