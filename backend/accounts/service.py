"""Account views (balance from the chain, history from the database) and operator management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from backend import paging
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


# An account's history merges two sources, newest first by (time, source, number): a reward's number is its
# claim id, a coin movement's its block and log index. The cursor is the last line's key.
HISTORY_ORDER = (paging.Key(None, datetime), paging.Key(None, str), paging.Key(None, int))
REWARD, MOVEMENT = "reward", "movement"  # at the same time, rewards come first ("reward" > "movement")
LOGS_PER_BLOCK = 2**20


def history(
    session: Session, address: str, limit: int | None = None, cursor: str | None = None
) -> paging.Page[HistoryItem]:
    """Rewards (from the outbox, so pending ones show) and confirmed coin movements (from the indexer),
    newest first, one page: each source gives at most a page after the cursor, the merge keeps a page."""
    after = paging.decode(cursor, HISTORY_ORDER) if cursor else None
    size = paging.bounded(limit)
    keyed = reward_history(session, address, size + 1, after) + movement_history(session, address, size + 1, after)
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    page = paging.page_of(keyed, size, lambda pair: pair[0])
    return paging.Page([item for _, item in page.items], page.next)


def _after(at: Any, number: Any, source: str, after: tuple[Any, ...] | None) -> ColumnElement[bool]:
    """Rows of `source` whose (time, source, number) key sorts below the cursor's."""
    if after is None:
        return true()
    at_c, source_c, number_c = after
    same_time = true() if source < source_c else (number < number_c if source == source_c else false())
    return or_(at < at_c, and_(at == at_c, same_time))


def movement_history(
    session: Session, address: str, limit: int = 200, after: tuple[Any, ...] | None = None
) -> list[tuple[tuple[datetime, str, int], HistoryItem]]:
    """Payments made and received, and redemptions, as the indexer recorded them (confirmed on chain).
    Mints and burns appear as rewards and redemptions, not as payments."""
    number = ChainEvent.block_number * LOGS_PER_BLOCK + ChainEvent.log_index
    rows = session.scalars(
        select(ChainEvent)
        .where(
            or_(
                and_(ChainEvent.kind == TRANSFER, ChainEvent.account == address,
                     ChainEvent.counterparty != ZERO_ADDRESS),
                and_(ChainEvent.kind == TRANSFER, ChainEvent.counterparty == address,
                     ChainEvent.account != ZERO_ADDRESS),
                and_(ChainEvent.kind == REDEEMED, ChainEvent.account == address),
            ),
            _after(ChainEvent.block_time, number, MOVEMENT, after),
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
        key = (event.block_time, MOVEMENT, event.block_number * LOGS_PER_BLOCK + event.log_index)
        items.append((key, HistoryItem(kind=kind, amount_units=event.amount or 0, status="confirmed",
                                       tx_hash=event.tx_hash, at=event.block_time, counterparty=other,
                                       counterparty_name=names.get(other) if other else None)))
    return items


def _merchant_names(session: Session, addresses: set[str | None]) -> dict[str, str]:
    """Registered shops' names by address (issue 12: histories say "Bakkerij Jansen", not hex)."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return {}
    found = session.execute(select(Merchant.address, Merchant.name).where(Merchant.address.in_(wanted)))
    return {address: name for address, name in found}


def reward_history(
    session: Session, address: str, limit: int = 200, after: tuple[Any, ...] | None = None
) -> list[tuple[tuple[datetime, str, int], HistoryItem]]:
    at = func.coalesce(Reward.confirmed_at, Reward.created_at)
    rows = session.execute(
        select(Reward, Claim.task_id, Task.title)
        .join(Claim, Claim.id == Reward.claim_id)
        .join(Task, Task.id == Claim.task_id)
        .where(Reward.citizen == address, _after(at, Reward.claim_id, REWARD, after))
        .order_by(at.desc(), Reward.claim_id.desc())
        .limit(limit)
    ).all()
    return [
        (
            (r.confirmed_at or r.created_at, REWARD, r.claim_id),
            HistoryItem(
                kind="reward",
                claim_id=r.claim_id,
                task_id=task_id,
                task_title=title,
                amount_units=r.amount_units,
                status=r.status,
                tx_hash=r.tx_hash,
                at=r.confirmed_at or r.created_at,
            ),
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
