"""This installation's on-chain claim ids: a random 128-bit prefix, made once and kept in the
database (`installation`), in the high half of every claim id; the claim's number in the low half.

A second database, or one restored from a backup, that hands out claim numbers the chain has
already paid cannot pass as the installation that was paid: a second database has another prefix,
and a restored one is caught by the start-up check (backend.rewards.startup) and, failing that, by
the sender, which flags a claim whose id the chain paid to someone else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain.client import claim_id_bytes, claim_number_of
from backend.rewards.models import Installation

INSTALLATION_ROW = 1


@dataclass(frozen=True)
class ClaimIds:
    """Builds and reads this installation's on-chain claim ids."""

    prefix: int
    first_prefixed_claim: int = 0  # claims below it kept their bare number (paid before prefixes)
    lost_claims_through: int = 0  # see Installation.lost_claims_through

    def _prefix_for(self, claim_number: int) -> int:
        return self.prefix if claim_number >= self.first_prefixed_claim else 0

    def onchain(self, claim_number: int) -> bytes:
        return claim_id_bytes(claim_number, prefix=self._prefix_for(claim_number))

    def onchain_int(self, claim_number: int) -> int:
        return int.from_bytes(self.onchain(claim_number), "big")

    def number_of(self, claim_id: int | bytes) -> int | None:
        """The claim number behind an on-chain id of this installation, or None for another's."""
        number = claim_number_of(claim_id, prefix=self.prefix)
        if number is not None and number >= self.first_prefixed_claim:
            return number
        legacy = claim_number_of(claim_id, prefix=0)
        return legacy if legacy is not None and legacy < self.first_prefixed_claim else None


def _new_prefix() -> int:
    return secrets.randbits(127) | (1 << 127)  # never 0, the prefix of the bare numbers of old


def read_claim_ids(session: Session) -> ClaimIds | None:
    """The installation's claim ids, or None when the database has none yet (nothing was ever paid)."""
    row = session.get(Installation, INSTALLATION_ROW)
    if row is None:
        return None
    return ClaimIds(
        prefix=int(row.claim_prefix, 16),
        first_prefixed_claim=row.first_prefixed_claim,
        lost_claims_through=row.lost_claims_through,
    )


def claim_ids(session: Session) -> ClaimIds:
    """The installation's claim ids; the first writer that needs them makes them (a database whose
    migration ran always has them; tests that empty every table do not)."""
    found = read_claim_ids(session)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(
                Installation(
                    id=INSTALLATION_ROW,
                    claim_prefix=f"{_new_prefix():032x}",
                    first_prefixed_claim=0,
                    lost_claims_through=0,
                    checked_through_block=0,
                )
            )
    except IntegrityError:
        pass  # another process made it first: use theirs
    found = read_claim_ids(session)
    assert found is not None
    return found
