"""Read-only checks that compare the database's rewards with the chain after an incident (a leaked
minter key, a reorg deeper than the confirmation depth, a database restored from a backup)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backend.chain.admin import CoinAdmin, Minted
from backend.rewards.models import Reward
from backend.runtime import Runtime


@dataclass(frozen=True)
class Finding:
    claim_number: int
    kind: str  # "missing_on_chain" | "foreign_mint" | "shadowed" | "ours"
    detail: str


def confirmed_but_not_on_chain(runtime: Runtime) -> list[Finding]:
    """Rewards the database calls confirmed whose claim the chain does not show as rewarded (a reorg
    deeper than CONFIRMATIONS dropped the transaction and it was not mined again)."""
    with runtime.read_sessions() as session:
        confirmed = session.scalars(select(Reward).where(Reward.status == "confirmed").order_by(Reward.claim_id))
        rows = [(r.claim_id, r.tx_hash) for r in confirmed]
    return [
        Finding(claim, "missing_on_chain", f"confirmed in {tx_hash} but not rewarded on chain")
        for claim, tx_hash in rows
        if not runtime.chain.is_rewarded(claim)
    ]


def classify_mints(runtime: Runtime, minted: list[Minted]) -> list[Finding]:
    """Sorts what a key minted: `ours` (a reward the database approved, to that citizen and amount),
    `foreign_mint` (no such claim in the database: the thief's), `shadowed` (the claim is ours but
    was paid to someone else or another amount: the thief used our claim number first)."""
    # A claim number beyond a database integer cannot be one of ours (and SQL cannot hold it).
    possible = [m.claim_number for m in minted if m.claim_number < 2**63]
    with runtime.read_sessions() as session:
        rewards = {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.claim_id.in_(possible)))}
    findings = []
    for m in minted:
        reward = rewards.get(m.claim_number)
        if reward is None:
            findings.append(Finding(m.claim_number, "foreign_mint", f"{m.units} units to {m.citizen} in {m.tx_hash}"))
        elif reward.citizen == m.citizen and reward.amount_units == m.units:
            findings.append(Finding(m.claim_number, "ours", f"{m.units} units to {m.citizen}"))
        else:
            findings.append(
                Finding(
                    m.claim_number,
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
