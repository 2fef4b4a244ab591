"""Account views (balance from the chain, history from the database) and operator management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Operator
from backend.claims.models import Claim
from backend.errors import Conflict, NotFound
from backend.rewards.models import Reward
from backend.runtime import Runtime
from backend.tasks.models import Task


@dataclass(frozen=True)
class HistoryItem:
    kind: str
    claim_id: int
    task_id: int
    task_title: str
    amount_units: int
    status: str
    tx_hash: str | None
    at: datetime


def reward_history(session: Session, address: str, limit: int = 200) -> list[HistoryItem]:
    rows = session.execute(
        select(Reward, Claim.task_id, Task.title)
        .join(Claim, Claim.id == Reward.claim_id)
        .join(Task, Task.id == Claim.task_id)
        .where(Reward.citizen == address)
        .order_by(Reward.claim_id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryItem(
            kind="reward",
            claim_id=r.claim_id,
            task_id=task_id,
            task_title=title,
            amount_units=r.amount_units,
            status=r.status,
            tx_hash=r.tx_hash,
            at=r.confirmed_at or r.created_at,
        )
        for r, task_id, title in rows
    ]


def add_operator(session: Session, *, address: str, added_by: str) -> Operator:
    if session.get(Operator, address) is not None:
        raise Conflict(f"{address} is already an operator", address=address)
    operator = Operator(address=address, added_by=added_by)
    session.add(operator)
    return operator


def remove_operator(session: Session, address: str) -> None:
    operator = session.get(Operator, address)
    if operator is None:
        raise NotFound("operator", address)
    session.delete(operator)


def list_operators(session: Session, runtime: Runtime) -> list[str]:
    added = list(session.scalars(select(Operator.address).order_by(Operator.created_at)))
    configured = [runtime.deployment.admin, *runtime.settings.operators]
    return list(dict.fromkeys(a for a in configured + added if a))
