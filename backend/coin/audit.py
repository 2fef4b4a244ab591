"""Read-only checks that compare the database's rewards with the chain after an incident (a leaked
minter key, a reorg deeper than the confirmation depth, a database restored from a backup).

On chain a claim is paid under an id: this installation's prefix above the claim's number
(backend.rewards.installation). An id under another prefix is not one of our claims, whatever its
low half says; an id under ours names our claim number (a thief who read our prefix from the chain's
Rewarded events can use it, which is what `shadowed` and the spent-numbers warning are for).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backend.chain.admin import CoinAdmin, Minted
from backend.rewards.installation import ClaimIds, read_claim_ids
from backend.rewards.models import Reward
from backend.runtime import Runtime

IN_BATCH = 2_000  # ids per IN list: far below any database's parameter limit


@dataclass(frozen=True)
class Finding:
    claim_id: int  # the on-chain id, as a number
    claim_number: int | None  # our claim number inside it, None for an id under another prefix
    kind: str  # "missing_on_chain" | "foreign_mint" | "shadowed" | "ours"
    detail: str

    @property
    def label(self) -> str:
        """`claim N` for an id under our prefix, else `id 0x…` (the whole on-chain id)."""
        return f"claim {self.claim_number}" if self.claim_number is not None else f"id 0x{self.claim_id:064x}"


@dataclass(frozen=True)
class OurMint:
    """A Rewarded event read against this installation: the claim number, None if the id is not ours."""

    minted: Minted
    claim_number: int | None

    @property
    def label(self) -> str:
        return f"claim {self.claim_number}" if self.claim_number is not None else f"id 0x{self.minted.claim_id:064x}"


def installation_ids(runtime: Runtime) -> ClaimIds | None:
    """This installation's claim ids, or None when the database never made any (then no id is ours)."""
    with runtime.read_sessions() as session:
        return read_claim_ids(session)


def read_mints(runtime: Runtime, minted: list[Minted]) -> list[OurMint]:
    ids = installation_ids(runtime)
    return [OurMint(m, ids.number_of(m.claim_id) if ids else None) for m in minted]


def confirmed_but_not_on_chain(runtime: Runtime) -> list[Finding]:
    """Rewards the database calls confirmed whose claim the chain does not show as rewarded (a reorg
    deeper than CONFIRMATIONS dropped the transaction and it was not mined again)."""
    with runtime.read_sessions() as session:
        confirmed = session.scalars(select(Reward).where(Reward.status == "confirmed").order_by(Reward.claim_id))
        rows = [(r.claim_id, r.tx_hash) for r in confirmed]
        ids = read_claim_ids(session) if rows else None
    findings = []
    for claim, tx_hash in rows:
        if ids is None:  # no prefix was ever made (a migrated database has one): it was never paid under it
            findings.append(Finding(claim, claim, "missing_on_chain", f"confirmed in {tx_hash}; no claim id prefix"))
            continue
        onchain = ids.onchain_int(claim)
        if not runtime.chain.is_rewarded(onchain):
            findings.append(
                Finding(onchain, claim, "missing_on_chain", f"confirmed in {tx_hash} but not rewarded on chain")
            )
    return findings


def classify_mints(runtime: Runtime, minted: list[Minted]) -> list[Finding]:
    """Sorts what a key minted: `ours` (a reward the database approved, to that citizen and amount),
    `foreign_mint` (not a claim in the database: an id under another prefix, or under ours with a
    number the database does not have), `shadowed` (the claim is ours but was paid to someone else or
    another amount: the thief used our claim id first)."""
    mints = read_mints(runtime, minted)
    # A claim number beyond a database integer cannot be one of ours (and SQL cannot hold it).
    possible = [m.claim_number for m in mints if m.claim_number is not None and m.claim_number < 2**63]
    rewards: dict[int, Reward] = {}
    with runtime.read_sessions() as session:
        for start in range(0, len(possible), IN_BATCH):  # every mint ever: batched lookups
            part = possible[start : start + IN_BATCH]
            rewards |= {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.claim_id.in_(part)))}
    findings = []
    for mint in mints:
        m, number = mint.minted, mint.claim_number
        reward = rewards.get(number) if number is not None else None
        if reward is None:
            findings.append(
                Finding(m.claim_id, number, "foreign_mint", f"{m.units} units to {m.citizen} in {m.tx_hash}")
            )
        elif reward.citizen == m.citizen and reward.amount_units == m.units:
            findings.append(Finding(m.claim_id, number, "ours", f"{m.units} units to {m.citizen}"))
        else:
            findings.append(
                Finding(
                    m.claim_id,
                    number,
                    "shadowed",
                    f"approved for {reward.citizen} ({reward.amount_units} units) "
                    f"but paid {m.units} units to {m.citizen}",
                )
            )
    return findings


def check(runtime: Runtime, admin: CoinAdmin, *, minted_by: str | None, since: int) -> list[Finding]:
    findings = confirmed_but_not_on_chain(runtime)
    if minted_by:
        findings += classify_mints(runtime, admin.minted_by(minted_by, since, runtime.settings.indexer_chunk_blocks))
    return findings
