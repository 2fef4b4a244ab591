"""The indexer's reads: heads, block hashes and the coin's raw logs of the indexed events (the four
kinds `chain_events` keeps and the two EIP-3009 authorization events handlers receive).

Raw hex logs (not decoded `Event`s) because formatting 20,000 logs a chunk costs more than fetching
them; `backend.chain.events.decode_logs` reads the hex directly into rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.chain.events import TOPIC_FILTER
from backend.chain.rpc import Rpc


class LogSource:
    """Reads the coin's logs and the chain's block hashes through one RPC endpoint."""

    def __init__(self, rpc: Rpc, address: str) -> None:
        self.rpc = rpc
        self.address = address

    def head(self) -> int:
        return int(self.rpc.call("eth_blockNumber"), 16)

    def block_hash(self, number: int) -> str | None:
        """The canonical hash at height `number`, or None above the head."""
        if number < 0:
            return None
        block = self.rpc.call("eth_getBlockByNumber", [hex(number), False])
        return None if block is None else str(block["hash"])

    def logs(self, start: int, end: int) -> list[dict[str, Any]]:
        """Rewarded, Transfer, Redeemed, MerchantSet, AuthorizationUsed and AuthorizationCanceled logs of
        the coin in blocks start..end."""
        query = {"address": self.address, "fromBlock": hex(start), "toBlock": hex(end), "topics": TOPIC_FILTER}
        return list(self.rpc.call("eth_getLogs", [query]))

    def block_times(self, block_hashes: set[str]) -> dict[str, datetime]:
        """Block times by hash, for nodes that leave `blockTimestamp` out of their logs (one batch)."""
        hashes = sorted(block_hashes)
        blocks = self.rpc.batch([("eth_getBlockByHash", [h, False]) for h in hashes])
        return {
            h: datetime.fromtimestamp(int(b["timestamp"], 16), UTC)
            for h, b in zip(hashes, blocks, strict=True)
            if b is not None
        }
