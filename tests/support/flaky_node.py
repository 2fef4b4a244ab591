"""A JSON-RPC proxy in front of a real node whose answers to a broadcast go wrong the way a network
does: it passes every request to the node and, the first `times` times a request sends a raw
transaction, either drops the connection without answering (`lost`: the node has the transactions,
the sender cannot know) or answers each of them "already known" (`already_known`: as a node does
to a transaction it was given before)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.node_proxy import ProxyHandler, serving

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


def _handler(node: FlakyNode) -> type[ProxyHandler]:
    class Handler(ProxyHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.body()
            request = json.loads(body)
            if node.refuse_lookups and _looks_up(request):
                self.answer(200, _errors(request, -32005, "daily request count exceeded, request rate limited"))
                return
            spoil = node.spoil(request)
            upstream = self.forward(node.upstream, body)
            if spoil and node.mode == "lost":
                self.close_connection = True  # the node took it; the answer never arrives
                return
            if spoil:
                self.answer(200, _errors(request, -32000, "already known"))
            else:
                self.answer(upstream.status_code, upstream.content)

    return Handler


@contextmanager
def flaky_node(upstream: str, mode: str, times: int = 1, *, refuse_lookups: bool = False) -> Iterator[FlakyNode]:
    """A FlakyNode listening on a free local port for the length of the block (`node.url`)."""
    assert mode in MODES, mode
    node = FlakyNode(upstream, mode, times, refuse_lookups=refuse_lookups)
    with serving(_handler(node)) as node.url:
        yield node
