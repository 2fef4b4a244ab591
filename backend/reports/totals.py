"""Running totals for the reports, kept up to date where the facts enter, so that the summary costs
what its answer costs (a few rows per month) and not what the archive holds.

Who adds what (each in the transaction that records the fact):
- approvals (backend.claims.service.approve): tasks done and minutes, in the month of approval;
- the indexer's handlers (registered in backend.wiring): `Rewarded` -> coins rewarded (the district
  of the claim behind its claimId), `Transfer` from a holder to a merchant -> coins paid to merchants,
  `Redeemed` -> coins redeemed, each in the month of its block; a reorg subtracts what it takes back;
- payouts marked paid (backend.payouts.service): euros paid out, in the month paid.

A month is closed once the indexed chain is `CLOSE_AFTER` past its end: its rows never change again
(a late fact for it is logged and left out) except through `heitje reports rebuild`, which recounts
every figure from the records (`recount`, the definition the running totals follow).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from backend.chain.events import ZERO_ADDRESS
from backend.claims.models import Claim
from backend.db import upsert_insert
from backend.indexer.models import MERCHANT_SET, REDEEMED, REWARDED, TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.payouts.models import PAID, Payout
from backend.reports.models import ReportTotal
from backend.rewards.installation import ClaimIds, read_claim_ids
from backend.tasks.models import Task

log = logging.getLogger("heitje.reports")

ALL = "all"
UNKNOWN_DISTRICT = "(no task record)"
FIGURES = (
    "tasks_done",
    "minutes_worked",
    "coins_rewarded",
    "coins_paid_to_merchants",
    "coins_redeemed",
    "euros_paid_out",
)
CLOSE_AFTER = timedelta(days=7)  # a month closes a week after it ended (late bank statements, slow indexing)
BATCH = 2_000


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


# --- adding --------------------------------------------------------------------------------------


def _closed(session: Session, city: str, month: str) -> bool:
    return (
        session.scalar(
            select(ReportTotal.closed)
            .where(ReportTotal.city == city, ReportTotal.month == month, ReportTotal.closed.is_(True))
            .limit(1)
        )
        is not None
    )


def add(session: Session, city: str, month: str, district: str, **figures: int) -> bool:
    """Adds (or with negative numbers subtracts) figures to one row, creating it when new, in one
    statement (INSERT .. ON CONFLICT DO UPDATE, so two writers never both create it). Returns False,
    changing nothing, when the month is closed."""
    figures = {name: value for name, value in figures.items() if value}
    if not figures:
        return True
    if _closed(session, city, month):
        log.warning(
            "reports: %s is closed; %s for %s left out (heitje reports rebuild recounts)", month, figures, district
        )
        return False
    insert = upsert_insert(session.get_bind().dialect.name)
    values = {name: figures.get(name, 0) for name in FIGURES}
    table = cast(Table, ReportTotal.__table__)
    statement = insert(table).values(city=city, month=month, district=district, closed=False, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["city", "month", "district"],
        set_={name: table.c[name] + statement.excluded[name] for name in figures},
    )
    session.execute(statement)
    return True


def add_to_city(session: Session, city: str, month: str, district: str | None, **figures: int) -> None:
    """Adds to the city's row ("all") and, when given, to the district's. Rows are always written in
    sorted (month, district) order, here and in the indexer's handler, so two transactions never take
    the same rows' locks in opposite orders (PostgreSQL found that deadlock between an approval and
    the indexer)."""
    for each in sorted({ALL} | ({district} if district is not None else set())):
        add(session, city, month, each, **figures)


def close_months(session: Session, city: str, now: datetime) -> int:
    """Closes every open month that ended `CLOSE_AFTER` before `now`. Returns how many rows closed."""
    last_closed = month_of(now - CLOSE_AFTER)  # months before this one are over (and a week more)
    done = session.execute(
        update(ReportTotal)
        .where(ReportTotal.city == city, ReportTotal.month < last_closed, ReportTotal.closed.is_(False))
        .values(closed=True)
    ).rowcount  # type: ignore[attr-defined]
    return int(done or 0)


def closed_through(session: Session, city: str) -> str | None:
    """The last closed month of `city` (months close in order: every month up to it is closed), or None."""
    month = session.scalar(
        select(func.max(ReportTotal.month)).where(ReportTotal.city == city, ReportTotal.closed.is_(True))
    )
    return str(month) if month is not None else None


# --- from the facts ------------------------------------------------------------------------------


def approved(session: Session, city: str, *, reviewed_at: datetime, district: str, minutes: int | None) -> None:
    add_to_city(session, city, month_of(reviewed_at), district, tasks_done=1, minutes_worked=minutes or 0)


@dataclass
class Tally:
    """Approvals counted in memory and written at once: a bulk review adds hundreds of approvals to a
    few rows, one upsert per row instead of two per approval, and writes the rows in the one sorted
    (month, district) order of `add_to_city` across all of them (approvals of several districts in
    one transaction would otherwise take district rows in decision order, and deadlock the indexer)."""

    city: str
    rows: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    def approved(self, *, reviewed_at: datetime, district: str, minutes: int | None) -> None:
        month = month_of(reviewed_at)
        for each in {ALL, district}:
            row = self.rows.setdefault((month, each), Counter())
            row.update(tasks_done=1, minutes_worked=minutes or 0)

    def write(self, session: Session) -> None:
        for (month, district), figures in sorted(self.rows.items()):
            add(session, self.city, month, district, **figures)
        self.rows.clear()


def paid(session: Session, city: str, *, paid_at: datetime, cents: int) -> None:
    add(session, city, month_of(paid_at), ALL, euros_paid_out=cents)


def districts_of(session: Session, ids: ClaimIds | None, refs: Iterable[str | None]) -> dict[str, str]:
    """claimId (0x-hex) -> the district of this installation's claim behind it (only these refs)."""
    numbers: dict[str, int] = {}
    for ref in refs:
        number = ids.number_of(int(ref, 16)) if ref and ids is not None else None
        if number is not None:
            numbers[ref] = number  # type: ignore[index]
    if not numbers:
        return {}
    found: dict[int, str] = {}
    wanted = sorted(set(numbers.values()))
    for start in range(0, len(wanted), BATCH):  # bounded by the chunk, and batched below any parameter limit
        part = wanted[start : start + BATCH]
        found.update(
            session.execute(
                select(Claim.id, Task.district).join(Task, Task.id == Claim.task_id).where(Claim.id.in_(part))
            ).all()
        )
    return {ref: found[number] for ref, number in numbers.items() if number in found}


def merchants_among(session: Session, addresses: set[str]) -> set[str]:
    """Which of `addresses` are merchants: in the registry, or ever accepted by a `MerchantSet` event."""
    if not addresses:
        return set()
    wanted, found = sorted(addresses), set()
    for start in range(0, len(wanted), BATCH):
        part = wanted[start : start + BATCH]
        found |= set(session.scalars(select(Merchant.address).where(Merchant.address.in_(part))))
        found |= set(
            session.scalars(
                select(ChainEvent.account).where(
                    ChainEvent.kind == MERCHANT_SET, ChainEvent.accepted.is_(True), ChainEvent.account.in_(part)
                )
            )
        )
    return found


@dataclass
class _Event:
    kind: str
    block_time: datetime
    account: str
    counterparty: str | None
    amount: int | None
    ref: str | None


def _add_events(session: Session, city: str, events: list[_Event], sign: int) -> None:
    """Adds (sign 1) or takes back (sign -1) the figures of chain events, one statement per row touched."""
    ids = read_claim_ids(session)
    districts = districts_of(session, ids, (e.ref for e in events if e.kind == REWARDED))
    merchants = merchants_among(
        session, {e.counterparty for e in events if e.kind == TRANSFER and e.counterparty and e.account != ZERO_ADDRESS}
    )
    sums: dict[tuple[str, str], dict[str, int]] = {}

    def put(month: str, district: str, figure: str, units: int) -> None:
        row = sums.setdefault((month, district), {})
        row[figure] = row.get(figure, 0) + sign * units

    for e in events:
        month, units = month_of(e.block_time), e.amount or 0
        if e.kind == REWARDED:
            put(month, ALL, "coins_rewarded", units)
            put(month, districts.get(e.ref or "", UNKNOWN_DISTRICT), "coins_rewarded", units)
        elif e.kind == REDEEMED:
            put(month, ALL, "coins_redeemed", units)
        elif e.kind == TRANSFER and e.account != ZERO_ADDRESS and e.counterparty in merchants:
            put(month, ALL, "coins_paid_to_merchants", units)
    for (month, district), figures in sorted(sums.items()):
        add(session, city, month, district, **figures)


def on_events(session: Session, rows: list[dict[str, Any]], city: str) -> int:
    """The indexer's handler: a chunk's `Rewarded`, `Transfer` and `Redeemed` rows (as decoded)."""
    events = [
        _Event(r["kind"], r["block_time"], r["account"], r.get("counterparty"), r.get("amount"), r.get("ref"))
        for r in rows
    ]
    _add_events(session, city, events, 1)
    return 0


def on_reorg(session: Session, fork: int, city: str) -> None:
    """Takes back the figures of the events above the fork (called before the indexer deletes them)."""
    query = select(
        ChainEvent.kind,
        ChainEvent.block_time,
        ChainEvent.account,
        ChainEvent.counterparty,
        ChainEvent.amount,
        ChainEvent.ref,
    ).where(ChainEvent.block_number > fork, ChainEvent.kind.in_((REWARDED, TRANSFER, REDEEMED)))
    _add_events(session, city, [_Event(*row) for row in session.execute(query)], -1)


# --- recount and rebuild -------------------------------------------------------------------------


def recount(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    """Every figure counted again from the records: (month, district) -> figures (nonzero rows only).
    Streams the tables in batches (yield_per): memory grows with the answer, not the archive."""
    sums: dict[tuple[str, str], dict[str, int]] = {}

    def put(month: str, district: str, **figures: int) -> None:
        row = sums.setdefault((month, district), dict.fromkeys(FIGURES, 0))
        for name, value in figures.items():
            row[name] += value

    approvals = session.execute(
        select(Claim.reviewed_at, Task.district, Task.minutes)
        .join(Task, Task.id == Claim.task_id)
        .where(Claim.status == "approved", Claim.reviewed_at.is_not(None))
        .execution_options(yield_per=BATCH)
    )
    for reviewed_at, district, minutes in approvals:
        if reviewed_at is None:  # excluded by the query; for the type checker
            continue
        for where in (ALL, district):
            put(month_of(reviewed_at), where, tasks_done=1, minutes_worked=minutes or 0)

    events = session.execute(
        select(
            ChainEvent.kind,
            ChainEvent.block_time,
            ChainEvent.account,
            ChainEvent.counterparty,
            ChainEvent.amount,
            ChainEvent.ref,
        )
        .where(ChainEvent.kind.in_((REWARDED, TRANSFER, REDEEMED)))
        .order_by(ChainEvent.id)
        .execution_options(yield_per=BATCH)
    )
    for part in events.partitions():
        batch = [_Event(*row) for row in part]
        ids = read_claim_ids(session)
        districts = districts_of(session, ids, (e.ref for e in batch if e.kind == REWARDED))
        merchants = merchants_among(
            session,
            {e.counterparty for e in batch if e.kind == TRANSFER and e.counterparty and e.account != ZERO_ADDRESS},
        )
        for e in batch:
            month, units = month_of(e.block_time), e.amount or 0
            if e.kind == REWARDED:
                put(month, ALL, coins_rewarded=units)
                put(month, districts.get(e.ref or "", UNKNOWN_DISTRICT), coins_rewarded=units)
            elif e.kind == REDEEMED:
                put(month, ALL, coins_redeemed=units)
            elif e.kind == TRANSFER and e.account != ZERO_ADDRESS and e.counterparty in merchants:
                put(month, ALL, coins_paid_to_merchants=units)

    payouts = session.execute(
        select(Payout.paid_at, Payout.amount_cents)
        .where(Payout.status == PAID, Payout.paid_at.is_not(None))
        .execution_options(yield_per=BATCH)
    )
    for paid_at, cents in payouts:
        if paid_at is None:  # excluded by the query; for the type checker
            continue
        put(month_of(paid_at), ALL, euros_paid_out=cents)
    return {key: figures for key, figures in sums.items() if any(figures.values())}


def stored(session: Session, city: str) -> dict[tuple[str, str], dict[str, int]]:
    """The running totals as `recount` gives them (nonzero rows only)."""
    rows = session.scalars(select(ReportTotal).where(ReportTotal.city == city))
    out = {(r.month, r.district): {name: getattr(r, name) for name in FIGURES} for r in rows}
    return {key: figures for key, figures in out.items() if any(figures.values())}


def rebuild(session: Session, city: str) -> int:
    """Replaces the city's running totals by a recount (closed months stay closed). Returns the rows written."""
    closed = set(
        session.scalars(select(ReportTotal.month).where(ReportTotal.city == city, ReportTotal.closed.is_(True)))
    )
    session.execute(delete(ReportTotal).where(ReportTotal.city == city))
    rows = [
        ReportTotal(city=city, month=month, district=district, closed=month in closed, **figures)
        for (month, district), figures in recount(session).items()
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def rows_between(session: Session, city: str, first: str | None, last: str | None) -> Iterator[ReportTotal]:
    """The city's rows from month `first` through `last` (either open), by month, the city's row first."""
    query = select(ReportTotal).where(ReportTotal.city == city)
    if first:
        query = query.where(ReportTotal.month >= first)
    if last:
        query = query.where(ReportTotal.month <= last)
    query = query.order_by(ReportTotal.month, ReportTotal.district != ALL, ReportTotal.district)
    yield from session.scalars(query.execution_options(yield_per=BATCH))
