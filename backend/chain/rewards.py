"""The coin's `Rewarded` events as the rewards domain reads them: `RewardPaid`, built from the one
event decoder's `Event` (backend.chain.events), with the claim id as an int and the citizen in
lower case (the sender compares 100 citizens a batch; checksumming each again would cost more than
the comparison).

`Rewarded(bytes32 indexed claimId, address indexed citizen, uint256 amount)`; its layout is checked
against the compiled ABI when backend.chain.events loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import to_checksum_address

from backend.chain.events import Event


@dataclass(frozen=True)
class RewardPaid:
    """One `Rewarded` event: the on-chain claim id (an int), who it paid, how many units, where."""

    claim_id: int
    citizen: str  # lower-case 0x-hex
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

    @classmethod
    def from_event(cls, event: Event) -> RewardPaid:
        return cls(
            claim_id=int(str(event.args["claimId"]), 16),
            citizen=str(event.args["citizen"]).lower(),
            units=int(event.args["amount"]),
            tx_hash=event.tx_hash,
            block_number=event.block_number,
            log_index=event.log_index,
        )


def rewards_among(events: Iterable[Event]) -> list[RewardPaid]:
    """The `Rewarded` events among decoded `events`, in their order."""
    return [RewardPaid.from_event(e) for e in events if e.name == "Rewarded"]
