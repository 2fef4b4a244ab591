"""Account views (balance from the chain, history from the database) and operator management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.accounts.models import Operator
from backend.audit import service as audit
from backend.claims.models import Claim
from backend.errors import Conflict, NotFound
from backend.indexer.models import REDEEMED, TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.rewards.models import Reward
from backend.runtime import Runtime
from backend.tasks.models import Task

ZERO_ADDRESS = "0x" + "0" * 40


@dataclass(frozen=True)
class HistoryItem:
    """One line of an account's history. Rewards carry their claim and task; payments their counterparty."""

    kind: str  # reward | payment_sent | payment_received | redeemed
    amount_units: int
    status: str
    tx_hash: str | None
    at: datetime
    claim_id: int | None = None
    task_id: int | None = None
    task_title: str | None = None
    counterparty: str | None = None
    counterparty_name: str | None = None  # the shop's name when the counterparty is a registered merchant


def history(session: Session, address: str, limit: int = 200) -> list[HistoryItem]:
    """Rewards (from the outbox, so pending ones show) and confirmed coin movements (from the indexer),
    newest first."""
    items = reward_history(session, address, limit) + movement_history(session, address, limit)
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


def movement_history(session: Session, address: str, limit: int = 200) -> list[HistoryItem]:
    """Payments made and received, and redemptions, as the indexer recorded them (confirmed on chain).
    Mints and burns appear as rewards and redemptions, not as payments."""
    rows = session.scalars(
        select(ChainEvent)
        .where(
            or_(
                and_(ChainEvent.kind == TRANSFER, ChainEvent.account == address,
                     ChainEvent.counterparty != ZERO_ADDRESS),
                and_(ChainEvent.kind == TRANSFER, ChainEvent.counterparty == address,
                     ChainEvent.account != ZERO_ADDRESS),
                and_(ChainEvent.kind == REDEEMED, ChainEvent.account == address),
            )
        )
        .order_by(ChainEvent.block_number.desc(), ChainEvent.log_index.desc())
        .limit(limit)
    )
    events = list(rows)
    names = _merchant_names(session, {e.counterparty for e in events} | {e.account for e in events})
    items = []
    for event in events:
        if event.kind == REDEEMED:
            kind, other = "redeemed", None
        elif event.account == address:
            kind, other = "payment_sent", event.counterparty
        else:
            kind, other = "payment_received", event.account
        items.append(HistoryItem(kind=kind, amount_units=event.amount or 0, status="confirmed",
                                 tx_hash=event.tx_hash, at=event.block_time, counterparty=other,
                                 counterparty_name=names.get(other) if other else None))
    return items


def _merchant_names(session: Session, addresses: set[str | None]) -> dict[str, str]:
    """Registered shops' names by address (issue 12: histories say "Bakkerij Jansen", not hex)."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return {}
    found = session.execute(select(Merchant.address, Merchant.name).where(Merchant.address.in_(wanted)))
    return {address: name for address, name in found}


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
    audit.record(session, added_by, "operator_added", f"operator:{address}")
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
