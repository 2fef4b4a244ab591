"""Raw logs as a node returns them (hex strings), built by hand, and an in-memory node for the
indexer (`FakeLogSource`): blocks with hashes, the coin's logs in them, and reorgs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from tests.support.fake_chain import FAKE_COIN

BLOCK_TIME0 = 1_800_000_000


def word(value: Any, abi_type: str) -> str:
    return "0x" + encode([abi_type], [value]).hex()


def raw_log(
    signature: str,
    topics: list[str],
    data: bytes = b"",
    *,
    address: str = FAKE_COIN,
    block: int = 7,
    block_hash: str | None = None,
    index: int = 0,
    tx_hash: str | None = None,
) -> dict[str, Any]:
    return {
        "address": address.lower(),
        "topics": ["0x" + keccak(text=signature).hex(), *topics],
        "data": "0x" + data.hex(),
        "blockNumber": hex(block),
        "blockHash": block_hash or "0x" + "ab" * 32,
        "blockTimestamp": hex(BLOCK_TIME0 + block),
        "transactionHash": tx_hash or "0x" + "cd" * 32,
        "logIndex": hex(index),
    }


def rewarded_log(citizen: str, amount: int, claim: int, **kw: Any) -> dict[str, Any]:
    topics = [word(claim.to_bytes(32, "big"), "bytes32"), word(citizen, "address")]
    return raw_log("Rewarded(bytes32,address,uint256)", topics, encode(["uint256"], [amount]), **kw)


def redeemed_log(merchant: str, amount: int, ref: bytes, **kw: Any) -> dict[str, Any]:
    topics = [word(merchant, "address"), word(ref, "bytes32")]
    return raw_log("Redeemed(address,uint256,bytes32)", topics, encode(["uint256"], [amount]), **kw)


class FakeLogSource:
    """What the indexer reads from a node (`backend.chain.logs.LogSource`), in memory."""

    def __init__(self, head: int = 1) -> None:
        self.head_block = head
        self.branch = "a"  # a reorg moves to another branch: new hashes from the fork up
        self.forked_at = 10**9
        self._logs: list[tuple[int, dict[str, Any]]] = []

    def hash_of(self, number: int) -> str:
        branch = self.branch if number > self.forked_at else "a"
        return "0x" + hashlib.sha256(f"{branch}{number}".encode()).hexdigest()

    def add(self, make: Any, *args: Any, **kw: Any) -> dict[str, Any]:
        """Mines one block holding the log `make(*args, **kw)`; returns the raw log."""
        self.head_block += 1
        n = self.head_block
        log = make(*args, block=n, block_hash=self.hash_of(n), tx_hash="0x" + f"{n:064x}", **kw)
        self._logs.append((n, log))
        return log

    def mine(self, blocks: int = 1) -> None:
        self.head_block += blocks

    def reorg(self, fork: int) -> None:
        """Blocks above `fork` are replaced by empty ones with other hashes."""
        self.branch, self.forked_at = self.branch + "b", fork
        self._logs = [(n, log) for n, log in self._logs if n <= fork]

    # --- LogSource ---

    def head(self) -> int:
        return self.head_block

    def block_hash(self, number: int) -> str | None:
        return None if number < 0 or number > self.head_block else self.hash_of(number)

    def logs(self, start: int, end: int) -> list[dict[str, Any]]:
        return [log for n, log in self._logs if start <= n <= end]

    def block_times(self, block_hashes: set[str]) -> dict[str, Any]:
        """Times of the canonical blocks among `block_hashes` (the indexer asks for a chunk's last
        block; the logs themselves carry blockTimestamp)."""
        canonical = {self.hash_of(n): n for n in range(self.head_block + 1)}
        return {
            h: datetime.fromtimestamp(BLOCK_TIME0 + canonical[h], UTC) for h in block_hashes if h in canonical
        }
