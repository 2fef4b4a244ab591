"""What the test proxies in front of a real node share (tests/support/picky_node.py, flaky_node.py): a
request handler that reads a JSON-RPC body, passes it on and answers, served on a free local port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class ProxyHandler(BaseHTTPRequestHandler):
    """A quiet handler with the three steps of a proxy; a subclass's do_POST decides between them."""

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers["Content-Length"]))

    def forward(self, upstream: str, body: bytes) -> requests.Response:
        return requests.post(upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30)

    def answer(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serves `handler` on a free local port for the length of the block; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
