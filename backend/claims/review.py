"""Bulk review: an operator approves or rejects many claims in one request and one transaction.

Each decision is the single route's own service call (`service.approve` / `service.reject`: the same
rules, caps, outbox row and audit entry), inside a savepoint, so a refused decision leaves nothing
behind and the others go on. What is shared is done once: the claims and the citizens' cap locks are
taken up front in one fixed order (two bulk reviews, or a bulk review and a single approval, never
wait for each other in a circle), and the report totals are counted in memory and written at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.claims import service
from backend.claims.models import Claim
from backend.errors import HeitjeError
from backend.reports import totals
from backend.rewards import service as rewards
from backend.rewards.models import Reward
from backend.settings import Settings

APPROVE, REJECT = "approve", "reject"


@dataclass(frozen=True)
class Decision:
    claim_id: int
    decision: str  # APPROVE or REJECT
    reason: str | None = None  # a rejection's


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    claim: Claim | None = None  # decided as asked
    reward: Reward | None = None  # an approval's outbox row
    refusal: HeitjeError | None = None  # or why not (the claim unchanged)


def review_many(session: Session, settings: Settings, *, operator: str, decisions: Sequence[Decision]) -> list[Outcome]:
    """Decides each claim in order, exactly as its own approve or reject would (an approval later in
    the list sees the earlier ones under the caps). A refusal (`HeitjeError`: not found, own claim,
    not submitted, a cap) is reported in its outcome, not raised. Call inside one transaction."""
    ids = sorted({d.claim_id for d in decisions})
    citizens = session.scalars(select(Claim.citizen).where(Claim.id.in_(ids)).order_by(Claim.id).with_for_update())
    if any(d.decision == APPROVE for d in decisions):
        rewards.lock_citizens(session, citizens)
    tally = totals.Tally(settings.city_name)
    outcomes = []
    for decision in decisions:
        try:
            with session.begin_nested():
                outcomes.append(_decide(session, settings, operator, decision, tally))
        except HeitjeError as refusal:
            outcomes.append(Outcome(decision, refusal=refusal))
    tally.write(session)
    return outcomes


def _decide(session: Session, settings: Settings, operator: str, decision: Decision, tally: totals.Tally) -> Outcome:
    if decision.decision == APPROVE:
        claim, reward = service.approve(
            session, settings, claim_id=decision.claim_id, operator=operator, tally=tally
        )
        return Outcome(decision, claim=claim, reward=reward)
    if decision.decision == REJECT and decision.reason:
        claim = service.reject(session, claim_id=decision.claim_id, operator=operator, reason=decision.reason)
        return Outcome(decision, claim=claim)
    raise ValueError(f"not a decision: {decision}")
