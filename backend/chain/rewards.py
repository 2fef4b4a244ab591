"""The coin's `Rewarded` events as plain values: decoded from a receipt's logs or from `eth_getLogs`.

`Rewarded(bytes32 indexed claimId, address indexed citizen, uint256 amount)`: the claim id and the
citizen are topics 1 and 2, the amount is the data word. The layout is checked against the compiled
ABI at import, so a changed event refuses to load instead of being misread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from backend.chain.artifacts import coin_abi

REWARDED_FIELDS = [("claimId", "bytes32", True), ("citizen", "address", True), ("amount", "uint256", False)]


def _rewarded_topic() -> str:
    for item in coin_abi():
        if item.get("type") == "event" and item.get("name") == "Rewarded":
            fields = [(i["name"], i["type"], bool(i["indexed"])) for i in item["inputs"]]
            if fields != REWARDED_FIELDS:
                raise RuntimeError(f"event Rewarded is {fields}, the rewards decoder expects {REWARDED_FIELDS}")
            return "0x" + event_abi_to_log_topic(item).hex()  # type: ignore[arg-type]
    raise RuntimeError("the coin's ABI has no Rewarded event")


REWARDED_TOPIC = _rewarded_topic()


@dataclass(frozen=True)
class RewardPaid:
    """One `Rewarded` event: the on-chain claim id (an int), who it paid, how many units, where."""

    claim_id: int
    citizen: str  # lower-case 0x-hex (checksumming costs a keccak each: a batch has 100 of them)
    units: int
    tx_hash: str
    block_number: int
    log_index: int

    @property
    def citizen_checksummed(self) -> str:
        return to_checksum_address(self.citizen)

    def pays(self, citizen: str, units: int) -> bool:
        """Whether this event paid `citizen` (any letter case) exactly `units`."""
        return self.citizen == citizen.lower() and self.units == units


def _hex(value: Any) -> str:
    """A 0x-hex string from a raw JSON-RPC value (str) or web3's bytes."""
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(_hex(value), 16)


def decode_rewarded(logs: Iterable[Mapping[str, Any]], coin_address: str) -> list[RewardPaid]:
    """The coin's `Rewarded` events among `logs` (a receipt's "logs" or eth_getLogs' answer), in order;
    logs of other contracts or events are skipped."""
    coin = coin_address.lower()
    paid = []
    for entry in logs:
        topics = [_hex(t) for t in entry.get("topics", [])]
        if _hex(entry["address"]).lower() != coin or len(topics) != 3 or topics[0] != REWARDED_TOPIC:
            continue
        if entry.get("removed"):
            continue
        paid.append(
            RewardPaid(
                claim_id=int(topics[1], 16),
                citizen="0x" + topics[2][-40:].lower(),
                units=int(_hex(entry["data"]), 16),
                tx_hash=_hex(entry["transactionHash"]),
                block_number=_int(entry["blockNumber"]),
                log_index=_int(entry["logIndex"]),
            )
        )
    return paid
