"""The one decoder of the coin's logs: raw JSON-RPC logs (or a receipt's) into plain values.

Two shapes:
- `decode_logs`: the indexer's fast path, rows in `COLUMNS` order (the `chain_events` table) for the
  four events the database keeps (`Rewarded`, `Transfer`, `Redeemed`, `MerchantSet`), and the
  EIP-3009 `AuthorizationUsed` / `AuthorizationCanceled` for domain handlers only (not stored). They have
  only static fields (addresses, uint256, bytes32, bool), each one 32-byte word, so decoding is
  slicing hex words. Their layout is checked against the compiled ABI at import: if the contract's
  events change shape, this module refuses to load instead of misreading logs.
- `decode_event` / `decode_events`: any event of the coin's ABI as an `Event` (name and arguments:
  checksummed addresses, ints, bools, bytes32 as 0x-hex).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from backend.chain.artifacts import coin_abi

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_AMOUNT = 2**63 - 1  # the BIGINT column; see backend.indexer.models.ChainEvent.amount

# The kinds of the events the database keeps (the `chain_events.kind` column).
REWARDED = "rewarded"
TRANSFER = "transfer"
REDEEMED = "redeemed"
MERCHANT_SET = "merchant_set"
# EIP-3009 authorizations (payments and relayed redemptions): account = authorizer, ref = nonce.
# Handlers receive them; chain_events does not keep them (the reports read the four kinds above).
AUTH_USED = "auth_used"
AUTH_CANCELED = "auth_canceled"
NOT_STORED = frozenset({AUTH_USED, AUTH_CANCELED})

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
TOPIC_FILTER = [list(KIND_BY_TOPIC)]  # eth_getLogs: topic0 is any of the indexed events


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
    keep: Collection[str] = (REDEEMED,),
) -> tuple[list[tuple[Any, ...]], dict[str, list[dict[str, Any]]]]:
    """Raw logs (hex strings, as eth_getLogs returns them) -> (rows in COLUMNS order, with
    block_time passed through `time_to_db`; the rows of the kinds in `keep` again as dicts with a
    datetime, by kind). Authorization events are never rows (NOT_STORED), only kept dicts. Logs of
    other events are skipped. `block_times` (block hash -> time) is needed only when the
    node leaves `blockTimestamp` out of its logs. Tuples, not dicts: at 20,000 logs a chunk the
    allocations are most of the cost."""
    encoded: dict[datetime, Any] = {}
    rows: list[tuple[Any, ...]] = []
    kept: dict[str, list[dict[str, Any]]] = {kind: [] for kind in keep}
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
        elif kind in NOT_STORED:
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
        if kind in kept:
            kept[kind].append({**dict(zip(COLUMNS, row, strict=True)), "block_time": block_time})
    return rows, kept


def decode_log(log: dict[str, Any], block_times: dict[str, datetime] | None = None) -> dict[str, Any] | None:
    """One raw log as a dict of chain_events columns (None for other events)."""
    rows, _ = decode_logs([log], block_times=block_times, keep=())
    return dict(zip(COLUMNS, rows[0], strict=True)) if rows else None


# --- every event of the ABI ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One decoded log of the coin: the event's name and its arguments as plain values."""

    name: str
    args: dict[str, Any]
    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str
    address: str = ""


def _hex(value: Any) -> str:
    """0x-hex of a log field, whether the node's raw answer (str) or web3's formatted one (bytes)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


@lru_cache(maxsize=1 << 16)
def _checksummed(address: str) -> str:
    """An address in its checksum form; cached (a keccak each: the coin's own address is on every log,
    a citizen on each of their events)."""
    return to_checksum_address(address)


def _plain(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return _checksummed(str(value).lower())
    if abi_type.startswith("bytes") and isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        inner = abi_type[: abi_type.rindex("[")] if abi_type.endswith("]") else abi_type
        return [_plain(inner, v) for v in value]
    return value


# The coin's event fields that are one 32-byte word each (every field of its events): decoded by
# slicing, as eth_abi would (tests/unit/chain/test_events.py holds the two to the same answers).
ONE_WORD = frozenset({"address", "bool", "bytes32", "uint8", "uint64", "uint256"})


def _one_word(abi_type: str, word: str) -> Any:
    """A static value from its 64 hex digits (no 0x), as `_plain` gives it."""
    if abi_type == "address":
        return _checksummed("0x" + word[-40:].lower())
    if abi_type == "bytes32":
        return "0x" + word.lower()
    if abi_type == "bool":
        return int(word, 16) != 0
    if abi_type.startswith("uint"):
        return int(word, 16)
    return _plain(abi_type, abi_decode([abi_type], bytes.fromhex(word))[0])


@lru_cache(maxsize=1)
def _abi_events() -> dict[str, dict[str, Any]]:
    """topic0 (0x-hex) -> the event's ABI entry, for every event of the coin."""
    return {
        "0x" + event_abi_to_log_topic(item).hex(): item  # type: ignore[arg-type]
        for item in coin_abi()
        if item.get("type") == "event"
    }


def event_topic(name: str) -> str:
    """topic0 of the coin's event `name` (0x-hex)."""
    for topic, item in _abi_events().items():
        if item["name"] == name:
            return topic
    raise KeyError(f"the coin has no event {name}")


def _topic(abi_type: str, value: Any) -> str:
    if abi_type.startswith("bytes") and isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    return "0x" + abi_encode([abi_type], [value]).hex()


def topic_filter(name: str, indexed: dict[str, Any] | None = None) -> list[Any]:
    """eth_getLogs topics for event `name`, with some of its indexed arguments fixed by value (a list
    of values matches any of them)."""
    item = _abi_events()[event_topic(name)]
    topics: list[Any] = [event_topic(name)]
    for arg in (a for a in item["inputs"] if a["indexed"]):
        value = (indexed or {}).get(arg["name"])
        if value is None:
            topics.append(None)
        elif isinstance(value, list | tuple):
            topics.append([_topic(arg["type"], v) for v in value])
        else:
            topics.append(_topic(arg["type"], value))
    while topics and topics[-1] is None:
        topics.pop()
    return topics


def decode_event(log: dict[str, Any]) -> Event | None:
    """One log (raw or web3-formatted) as an Event, or None when it is no event of the coin's ABI.
    The caller decides which contract's logs it asks about (see Chain.decode_receipt_events)."""
    topics = [_hex(t) for t in log.get("topics") or []]
    item = _abi_events().get(topics[0]) if topics else None
    if item is None:
        return None
    inputs = item["inputs"]
    indexed = [i for i in inputs if i["indexed"]]
    plain = [i for i in inputs if not i["indexed"]]
    if len(topics) != len(indexed) + 1:
        return None  # same signature, different indexing: not this ABI's event
    args: dict[str, Any] = {}
    for arg, topic in zip(indexed, topics[1:], strict=True):
        # dynamic indexed values are stored as their hash: keep the topic itself
        dynamic = arg["type"] in ("string", "bytes") or arg["type"].endswith("]")
        args[arg["name"]] = topic if dynamic else _one_word(arg["type"], topic[2:])
    data = _hex(log.get("data") or "0x")[2:]
    if all(i["type"] in ONE_WORD for i in plain) and len(data) == 64 * len(plain):
        for k, arg in enumerate(plain):
            args[arg["name"]] = _one_word(arg["type"], data[64 * k : 64 * (k + 1)])
    else:
        values = abi_decode([i["type"] for i in plain], bytes.fromhex(data)) if plain else ()
        for arg, value in zip(plain, values, strict=True):
            args[arg["name"]] = _plain(arg["type"], value)
    return Event(
        name=item["name"],
        args=args,
        tx_hash=_hex(log.get("transactionHash", "")),
        log_index=_int(log.get("logIndex", 0)),
        block_number=_int(log.get("blockNumber", 0)),
        block_hash=_hex(log.get("blockHash", "")),
        address=_checksummed(_hex(log["address"]).lower()) if log.get("address") else "",
    )


def decode_events(
    logs: Iterable[dict[str, Any]], *, address: str | None = None, names: Collection[str] | None = None
) -> list[Event]:
    """The coin's events among `logs`; only those emitted by `address` when it is given, and only the
    events called `names` when they are given (the others are not decoded at all)."""
    wanted = address.lower() if address else None
    topics = {event_topic(name) for name in names} if names is not None else None
    events = []
    for log in logs:
        if wanted is not None and _hex(log.get("address", "")).lower() != wanted:
            continue
        if topics is not None and (not log.get("topics") or _hex(log["topics"][0]) not in topics):
            continue
        event = decode_event(log)
        if event is not None:
            events.append(event)
    return events
