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

    def spoil(self, request: Any) -> bool:
        """Whether this request's answer goes wrong (it sends transactions and `times` is not used up)."""
        calls = request if isinstance(request, list) else [request]
        if not any(isinstance(c, dict) and c.get("method") == "eth_sendRawTransaction" for c in calls):
            return False
        self.broadcasts += 1
        return self.broadcasts <= self.times


def _already_known(request: Any) -> bytes:
    calls = request if isinstance(request, list) else [request]
    answers = [{"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": -32000, "message": "already known"}}
               for c in calls]
    return json.dumps(answers if isinstance(request, list) else answers[0]).encode()


def _handler(node: FlakyNode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = json.loads(body)
            spoil = node.spoil(request)
            upstream = requests.post(node.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            if spoil and node.mode == "lost":
                self.close_connection = True  # the node took it; the answer never arrives
                return
            data = _already_known(request) if spoil else upstream.content
            self.send_response(200 if spoil else upstream.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def flaky_node(upstream: str, mode: str, times: int = 1) -> Iterator[FlakyNode]:
    """A FlakyNode listening on a free local port for the length of the block (`node.url`)."""
    assert mode in MODES, mode
    node = FlakyNode(upstream, mode, times)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(node))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    node.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield node
    finally:
        server.shutdown()
        server.server_close()
