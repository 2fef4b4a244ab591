"""Decodes the coin's raw JSON-RPC logs into `chain_events` rows, fast.

The four events have only static fields (addresses, uint256, bytes32, bool), each one 32-byte
word, so decoding is slicing hex words. The layout is checked against the compiled ABI at import:
if the contract's events change shape, this module refuses to load instead of misreading logs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from backend.chain.artifacts import coin_abi
from backend.indexer.models import AUTH_CANCELED, AUTH_USED, MERCHANT_SET, REDEEMED, REWARDED, TRANSFER

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_AMOUNT = 2**63 - 1  # the BIGINT column; see ChainEvent.amount

# event name -> (kind, [(name, type, indexed), ...]) as DESIGN.md states them.
EXPECTED = {
    "Rewarded": (
        REWARDED,
        [("claimId", "bytes32", True), ("citizen", "address", True), ("amount", "uint256", False)],
    ),
    "Transfer": (TRANSFER, [("from", "address", True), ("to", "address", True), ("value", "uint256", False)]),
    "Redeemed": (
        REDEEMED,
        [("merchant", "address", True), ("amount", "uint256", False), ("ref", "bytes32", True)],
    ),
    "MerchantSet": (MERCHANT_SET, [("account", "address", True), ("accepted", "bool", False)]),
    "AuthorizationUsed": (AUTH_USED, [("authorizer", "address", True), ("nonce", "bytes32", True)]),
    "AuthorizationCanceled": (AUTH_CANCELED, [("authorizer", "address", True), ("nonce", "bytes32", True)]),
}
# Kinds that domains' handlers receive as dicts (besides the rows stored in chain_events).
HANDLED = frozenset({REDEEMED, AUTH_USED, AUTH_CANCELED})
# Authorizations only move payment rows; chain_events keeps the four kinds the reports read.
NOT_STORED = frozenset({AUTH_USED, AUTH_CANCELED})


class EventLayoutChanged(RuntimeError):
    """The compiled ABI no longer matches the event layout this decoder was written for."""


def _topics() -> dict[str, str]:
    by_name = {item["name"]: item for item in coin_abi() if item.get("type") == "event"}
    topics = {}
    for name, (kind, fields) in EXPECTED.items():
        abi = by_name.get(name)
        actual = [(i["name"], i["type"], bool(i["indexed"])) for i in abi["inputs"]] if abi else None
        if abi is None or actual != fields:
            raise EventLayoutChanged(f"event {name} is {actual}, the indexer expects {fields}")
        topics["0x" + event_abi_to_log_topic(abi).hex()] = kind  # type: ignore[arg-type]
    return topics


KIND_BY_TOPIC = _topics()
TOPIC_FILTER = [list(KIND_BY_TOPIC)]  # eth_getLogs: topic0 is any of these


@lru_cache(maxsize=1 << 16)
def _address(word: str) -> str:
    """The checksummed address in a 32-byte hex word (the last 20 bytes)."""
    return to_checksum_address("0x" + word[-40:])


@lru_cache(maxsize=1 << 14)
def _block_time(timestamp_hex: str) -> datetime:
    return datetime.fromtimestamp(int(timestamp_hex, 16), UTC)


def _amount(word: str) -> int:
    value = int(word, 16)
    if value > MAX_AMOUNT:
        raise ValueError(f"amount {value} does not fit the database column")
    return value


# The order of a decoded row: the chain_events columns.
COLUMNS = (
    "tx_hash",
    "log_index",
    "block_number",
    "block_hash",
    "block_time",
    "kind",
    "account",
    "counterparty",
    "amount",
    "ref",
    "accepted",
)


def decode_logs(
    logs: list[dict[str, Any]],
    *,
    block_times: dict[str, datetime] | None = None,
    time_to_db: Callable[[datetime], Any] | None = None,
) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """Raw logs (hex strings, as eth_getLogs returns them) -> (rows in COLUMNS order, with
    block_time passed through `time_to_db`; the HANDLED rows (Redeemed, AuthorizationUsed,
    AuthorizationCanceled) again as dicts with a datetime).
    Logs of other events are skipped. `block_times` (block hash -> time) is needed only when the
    node leaves `blockTimestamp` out of its logs. Tuples, not dicts: at 20,000 logs a chunk the
    allocations are most of the cost."""
    encoded: dict[datetime, Any] = {}
    rows: list[tuple[Any, ...]] = []
    handled: list[dict[str, Any]] = []
    kinds, address, amount_of = KIND_BY_TOPIC, _address, _amount
    for log in logs:
        topics = log["topics"]
        kind = kinds.get(topics[0]) if topics else None
        if kind is None:
            continue
        stamp = log.get("blockTimestamp")
        block_time = _block_time(stamp) if stamp else (block_times or {})[log["blockHash"]]
        db_time = encoded.get(block_time)
        if db_time is None:
            db_time = encoded[block_time] = time_to_db(block_time) if time_to_db else block_time
        data = log["data"]
        counterparty = amount = ref = accepted = None
        if kind == TRANSFER:
            account, counterparty, amount = address(topics[1]), address(topics[2]), amount_of(data)
        elif kind == REWARDED:
            account, amount, ref = address(topics[2]), amount_of(data), topics[1].lower()
        elif kind == REDEEMED:
            account, amount, ref = address(topics[1]), amount_of(data), topics[2].lower()
        elif kind in (AUTH_USED, AUTH_CANCELED):
            account, ref = address(topics[1]), topics[2].lower()
        else:
            account, accepted = address(topics[1]), int(data, 16) != 0
        row = (
            log["transactionHash"],
            int(log["logIndex"], 16),
            int(log["blockNumber"], 16),
            log["blockHash"],
            db_time,
            kind,
            account,
            counterparty,
            amount,
            ref,
            accepted,
        )
        if kind not in NOT_STORED:
            rows.append(row)
        if kind in HANDLED:
            handled.append({**dict(zip(COLUMNS, row, strict=True)), "block_time": block_time})
    return rows, handled


def decode_log(log: dict[str, Any], block_times: dict[str, datetime] | None = None) -> dict[str, Any] | None:
    """One raw log as a dict of chain_events columns (None for other events)."""
    rows, _ = decode_logs([log], block_times=block_times)
    return dict(zip(COLUMNS, rows[0], strict=True)) if rows else None
