"""The indexer's reads: heads, block hashes and the coin's raw logs of the indexed events (the four
kinds `chain_events` keeps and the two EIP-3009 authorization events handlers receive).

Raw hex logs (not decoded `Event`s) because formatting 20,000 logs a chunk costs more than fetching
them; `backend.chain.events.decode_logs` reads the hex directly into rows.

Public nodes refuse an `eth_getLogs` whose block range or result is too large, each in its own words
(`is_range_refusal`). `LogRanges` answers such a refusal by asking for half the range, down to one
block, and remembers the width the node took for the next queries.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from backend.chain.events import TOPIC_FILTER
from backend.chain.rpc import Rpc, RpcError

T = TypeVar("T")

# EIP-1474's "limit exceeded": Infura, Geth and most providers refuse a too-large log query with it.
LIMIT_EXCEEDED = -32005
# How providers word the refusal (with -32005, -32602 "invalid params", -32000 or their own codes):
# "query returned more than 10000 results" (Geth, Infura), "block range is too large" / "too wide"
# (Erigon, Ankr), "exceed maximum block range: 50000" (BlockPI, publicnode), "query exceeds max block
# range 100000" (llamarpc), "Log response size exceeded" (Alchemy), "eth_getLogs is limited to a 10,000
# range" (QuickNode), "ranges over 10000 blocks are not supported" (dRPC), "too many results".
_RANGE_WORDS = re.compile(
    r"more than \d|too (large|wide|big|many)|exceed|limited to|max(imum)?\.? (block )?range|block range"
    r"|range (is )?too|range limit|ranges? over|response size|results? limit",
    re.IGNORECASE,
)
GROW_AFTER = 16  # successes at the learnt width before asking for twice as many blocks again


def is_range_refusal(error: RpcError) -> bool:
    """Whether the node refused a log query for its size (range or results), so a smaller one may pass.
    Any other error (the node is broken, the filter is wrong) is not, and is not retried smaller."""
    return error.code == LIMIT_EXCEEDED or bool(_RANGE_WORDS.search(error.message or ""))


class LogRanges:
    """How many blocks one `eth_getLogs` may span on this node, learnt from its refusals. Shared by
    threads (a race only costs a refusal more)."""

    def __init__(self) -> None:
        self.width: int | None = None  # None: no refusal yet, any range is tried
        self._successes = 0
        self._lock = threading.Lock()

    def clamp(self, start: int, end: int) -> int:
        """The end of the first range to try from `start` towards `end`."""
        width = self.width
        return end if width is None else min(end, start + width - 1)

    def refused(self, start: int, end: int, error: RpcError) -> int:
        """The node refused start..end: the end of the half to try next. Raises `error` again when it
        is no size refusal, or when one block is already too much."""
        if end <= start or not is_range_refusal(error):
            raise error
        half = (end - start + 1) // 2
        with self._lock:
            self.width = half if self.width is None else min(self.width, half)
            self._successes = 0
        return start + half - 1

    def passed(self, start: int, end: int) -> None:
        with self._lock:
            if self.width is None or end - start + 1 < self.width:
                return
            self._successes += 1
            if self._successes >= GROW_AFTER:  # a result-count limit depends on the blocks' logs
                self.width, self._successes = self.width * 2, 0

    def read(self, fetch: Callable[[int, int], list[T]], start: int, end: int) -> list[T]:
        """Everything `fetch(a, b)` answers for blocks start..end, in ranges the node takes."""
        found: list[T] = []
        first = start
        while first <= end:
            last = self.clamp(first, end)
            try:
                found += fetch(first, last)
            except RpcError as error:
                self.refused(first, last, error)
                continue
            self.passed(first, last)
            first = last + 1
        return found


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
