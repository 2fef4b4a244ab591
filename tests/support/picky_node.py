"""A JSON-RPC proxy in front of a real node that behaves like a public provider: it refuses an
`eth_getLogs` spanning more than `max_blocks` blocks with the error a provider gives, and passes
everything else through. It counts the log queries it answered and refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.node_proxy import ProxyHandler, serving

# (HTTP status, JSON-RPC error) as providers send them when a log query is too large.
REFUSALS: dict[str, tuple[int, dict[str, Any]]] = {
    "infura": (200, {"code": -32005, "message": "query returned more than 10000 results"}),
    "erigon": (200, {"code": -32602, "message": "block range is too large"}),
    "blockpi": (400, {"code": -32000, "message": "exceed maximum block range: 3"}),
    "alchemy": (400, {"code": -32602, "message": "Log response size exceeded. You can make eth_getLogs "
                      "requests with up to a 2K block range and no limit on the response size"}),
}


@dataclass
class PickyNode:
    upstream: str
    max_blocks: int
    refusal: str = "infura"
    answered: list[tuple[int, int]] = field(default_factory=list)  # (from, to) of each log query answered
    refused: list[tuple[int, int]] = field(default_factory=list)
    broken: bool = False  # refuse every log query with an error that is not about its size
    url: str = ""

    def _block(self, tag: str) -> int:
        if tag in ("latest", "safe", "finalized", "pending"):
            answer = requests.post(
                self.upstream, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}, timeout=10
            ).json()
            return int(answer["result"], 16)
        return 0 if tag == "earliest" else int(tag, 16)

    def refusal_for(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if request.get("method") != "eth_getLogs":
            return None
        query = request["params"][0]
        span = (self._block(query.get("fromBlock", "latest")), self._block(query.get("toBlock", "latest")))
        if self.broken:
            self.refused.append(span)
            return 200, {"code": -32000, "message": "internal error: database unavailable"}
        if span[1] - span[0] + 1 > self.max_blocks:
            self.refused.append(span)
            return REFUSALS[self.refusal]
        self.answered.append(span)
        return None


def _handler(node: PickyNode) -> type[ProxyHandler]:
    class Handler(ProxyHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.body()
            request = json.loads(body)
            refusal = node.refusal_for(request) if isinstance(request, dict) else None
            if refusal is None:
                upstream = self.forward(node.upstream, body)
                self.answer(upstream.status_code, upstream.content)
                return
            status, error = refusal
            self.answer(status, json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "error": error}).encode())

    return Handler


@contextmanager
def picky_node(upstream: str, max_blocks: int, refusal: str = "infura") -> Iterator[PickyNode]:
    """A PickyNode listening on a free local port for the length of the block (`node.url`)."""
    node = PickyNode(upstream, max_blocks, refusal)
    with serving(_handler(node)) as node.url:
        yield node
