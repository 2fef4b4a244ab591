"""The indexer's side of the chain adapter: raw JSON-RPC reads of heads, block hashes and logs.

Raw requests (not web3's formatted `get_logs`) because formatting 20,000 logs into AttributeDicts
costs more than fetching them; `backend.indexer.decode` reads the hex directly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from web3 import Web3

from backend.chain.client import chain_call
from backend.indexer.decode import TOPIC_FILTER


class RpcError(RuntimeError):
    """The node answered a JSON-RPC request with an error."""


class LogSource:
    """Reads the coin's logs and the chain's block hashes through one web3 provider."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = address

    def _request(self, method: str, params: list[Any]) -> Any:
        answer = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error']}")
        return answer["result"]

    @chain_call
    def head(self) -> int:
        return int(self._request("eth_blockNumber", []), 16)

    @chain_call
    def block_hash(self, number: int) -> str | None:
        """The canonical hash at height `number`, or None above the head."""
        if number < 0:
            return None
        block = self._request("eth_getBlockByNumber", [hex(number), False])
        return None if block is None else str(block["hash"])

    @chain_call
    def logs(self, start: int, end: int) -> list[dict[str, Any]]:
        """Rewarded, Transfer, Redeemed and MerchantSet logs of the coin in blocks start..end."""
        query = {
            "address": self.address,
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "topics": TOPIC_FILTER,
        }
        return list(self._request("eth_getLogs", [query]))

    @chain_call
    def block_times(self, block_hashes: set[str]) -> dict[str, datetime]:
        """Block times by hash, for nodes that leave `blockTimestamp` out of their logs."""
        times = {}
        for block_hash in block_hashes:
            block = self._request("eth_getBlockByHash", [block_hash, False])
            if block is not None:
                times[block_hash] = datetime.fromtimestamp(int(block["timestamp"], 16), UTC)
        return times
