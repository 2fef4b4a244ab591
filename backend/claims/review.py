"""Bulk review: an operator approves or rejects many claims in one request and one transaction.

Each decision runs the single routes' own rules and records (`service.approve_claim` and
`service.reject_claim`: own claim, status, the caps, the outbox row, the audit entry). What the single
routes ask the database once per claim is asked once per request: the claims (locked, in id order),
their tasks, and what the citizens already have under the caps (`CapBook`, their cap locks taken in
one fixed order, then counted in memory, so each approval sees the ones before it); the report totals
are counted in memory and written at the end in the one row order. Every refusal comes before its
decision's first write, so a refused decision leaves nothing behind and the others go on; everything
is written in one flush at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.audit import service as audit
from backend.claims import service
from backend.claims.models import Claim
from backend.db import utcnow
from backend.errors import HeitjeError, NotFound
from backend.reports import totals
from backend.rewards import service as rewards
from backend.rewards.models import Reward
from backend.settings import Settings
from backend.tasks.models import Task

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
    """Decides each claim in the order given, exactly as its own approve or reject would (an approval
    later in the list counts under the caps after the earlier ones). A refusal (`HeitjeError`: not
    found, own claim, not submitted, a cap) is reported in its outcome, not raised. All decisions share
    one moment (`now`). Call inside one transaction."""
    now = utcnow()
    ids = sorted({d.claim_id for d in decisions})
    claims = {
        c.id: c for c in session.scalars(select(Claim).where(Claim.id.in_(ids)).order_by(Claim.id).with_for_update())
    }
    task_ids = sorted({c.task_id for c in claims.values()})
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(task_ids)))}
    approving = {d.claim_id for d in decisions if d.decision == APPROVE}
    book = rewards.CapBook.load(session, settings, [c.citizen for c in claims.values() if c.id in approving], now)
    tally = totals.Tally(settings.city_name)
    entries = audit.Entries()
    outcomes = []
    for decision in decisions:
        claim = claims.get(decision.claim_id)
        try:
            if claim is None:
                raise NotFound("claim", decision.claim_id)
            if decision.decision == APPROVE:
                reward = service.approve_claim(
                    session, claim=claim, task=tasks[claim.task_id], operator=operator, book=book, tally=tally,
                    entries=entries,
                )
                outcomes.append(Outcome(decision, claim=claim, reward=reward))
            elif decision.decision == REJECT and decision.reason:
                service.reject_claim(
                    session, claim=claim, operator=operator, reason=decision.reason, now=now, entries=entries
                )
                outcomes.append(Outcome(decision, claim=claim))
            else:
                raise ValueError(f"not a decision: {decision}")
        except HeitjeError as refusal:
            outcomes.append(Outcome(decision, refusal=refusal))
    tally.write(session)
    entries.write(session)
    session.flush()
    return outcomes
