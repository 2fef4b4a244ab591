"""Rewards owed for approved claims: the yearly cap and the outbox row, in the approval's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.amounts import format_amount, parse_amount
from backend.db import utcnow
from backend.errors import MonthlyCapExceeded, YearlyCapExceeded
from backend.rewards.models import Reward
from backend.settings import Settings


def cap_year(moment: datetime, settings: Settings) -> int:
    """The year a reward counts in for the yearly cap (DESIGN invariant 4): the calendar year of its
    approval in the city's own time zone (`settings.cap_timezone`, Europe/Amsterdam for a Dutch
    city), so an approval at 00:30 on 1 January in Heerlen counts in the new year although it is
    still 31 December in UTC. Every rule and report that needs "the cap year" asks this function."""
    return _in_city(moment, settings).year


def cap_month(moment: datetime, settings: Settings) -> tuple[datetime, datetime]:
    """The month a reward counts in for the monthly cap, by the same rule as `cap_year`: the calendar
    month of its approval in the city's time zone (`settings.cap_timezone`). Answers the month's
    start (inclusive) and end (exclusive) as aware UTC datetimes, to compare with approval times."""
    local = _in_city(moment, settings)
    zone = local.tzinfo
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _in_city(moment: datetime, settings: Settings) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the cap year and month need an aware datetime")
    return moment.astimezone(ZoneInfo(settings.cap_timezone))


def _cap_lock_key(citizen: str) -> int:
    return int.from_bytes(hashlib.sha256(f"heitje-cap:{citizen.lower()}".encode()).digest()[:8], "big", signed=True)


def lock_citizens(session: Session, citizens: Iterable[str]) -> None:
    """Serialises cap checks per citizen. PostgreSQL: a transaction advisory lock per citizen, taken in
    one fixed order (by key) so that two transactions approving claims of several citizens never wait
    for each other in a circle; SQLite's BEGIN IMMEDIATE already serialises every writing transaction."""
    if session.get_bind().dialect.name == "postgresql":
        keys = sorted({_cap_lock_key(c) for c in citizens})
        if keys:
            # One statement: a function scan of unnest yields the array's elements in order.
            session.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS t(k)"),
                {"keys": keys},
            )


def _sums(session: Session, citizens: list[str], *where: Any) -> dict[str, int]:
    """Units owed or paid (everything but failed rewards) per citizen, under `where`."""
    rows = session.execute(
        select(Reward.citizen, func.sum(Reward.amount_units))
        .where(Reward.citizen.in_(citizens), Reward.status != "failed", *where)
        .group_by(Reward.citizen)
    )
    found = {citizen: int(total or 0) for citizen, total in rows}
    return {citizen: found.get(citizen, 0) for citizen in citizens}


def rewarded_this_year(session: Session, citizen: str, year: int) -> int:
    """Units owed or paid to `citizen` for `year` (everything but failed rewards)."""
    return _sums(session, [citizen], Reward.year == year)[citizen]


@dataclass
class CapBook:
    """What each of some citizens already has under the yearly cap and the monthly cap, at the moment
    `now` of an approval (or of a bulk review's approvals): read once, then kept up to date in memory
    as rewards are enqueued (`enqueue_reward`), so that a bulk review asks the database twice, not
    twice per claim. The rules themselves are `check`. Load it with the citizens locked (`load`
    takes the locks), so parallel approvals cannot both pass."""

    settings: Settings
    now: datetime
    year: int
    month: str  # YYYY-MM in the city's time zone
    yearly: dict[str, int]
    monthly: dict[str, int] | None  # None: no monthly cap

    @classmethod
    def load(cls, session: Session, settings: Settings, citizens: Iterable[str], now: datetime) -> CapBook:
        """Locks the citizens (`lock_citizens`) and reads their year's and month's rewards."""
        wanted = sorted(set(citizens))
        lock_citizens(session, wanted)
        return cls.read(session, settings, wanted, now)

    @classmethod
    def read(cls, session: Session, settings: Settings, citizens: Iterable[str], now: datetime) -> CapBook:
        wanted = sorted(set(citizens))
        year, local = cap_year(now, settings), _in_city(now, settings)
        yearly = _sums(session, wanted, Reward.year == year) if wanted else {}
        monthly = None
        if settings.monthly_cap is not None:
            start, end = cap_month(now, settings)
            monthly = _sums(session, wanted, Reward.created_at >= start, Reward.created_at < end) if wanted else {}
        return cls(settings, now, year, f"{local.year:04d}-{local.month:02d}", yearly, monthly)

    def check(self, citizen: str, amount_units: int) -> None:
        """Refuses (YearlyCapExceeded, then MonthlyCapExceeded) a reward that would take the citizen past
        the yearly cap of `cap_year(now)` or the MONTHLY_CAP of `now`'s calendar month."""
        self.check_year(citizen, amount_units)
        self.check_month(citizen, amount_units)

    def check_year(self, citizen: str, amount_units: int) -> None:
        cap = parse_amount(self.settings.yearly_cap)
        already = self.yearly[citizen]
        if already + amount_units > cap:
            raise YearlyCapExceeded(
                citizen, self.year, format_amount(already), format_amount(amount_units), format_amount(cap)
            )

    def check_month(self, citizen: str, amount_units: int) -> None:
        """The month rule beside the yearly one: the month is the one of `now` in the city's time zone
        (`cap_month`, the rule of `cap_year`); no MONTHLY_CAP, no refusal."""
        if self.monthly is None or self.settings.monthly_cap is None:
            return
        cap = parse_amount(self.settings.monthly_cap)
        already = self.monthly[citizen]
        if already + amount_units > cap:
            raise MonthlyCapExceeded(
                citizen, self.month, format_amount(already), format_amount(amount_units), format_amount(cap)
            )

    def add(self, citizen: str, amount_units: int) -> None:
        self.yearly[citizen] += amount_units
        if self.monthly is not None:
            self.monthly[citizen] += amount_units


def check_monthly_cap(
    session: Session, settings: Settings, *, citizen: str, amount_units: int, now: datetime
) -> None:
    """The month rule alone (`CapBook.check`): refuses (MonthlyCapExceeded) a reward that would take the
    citizen's rewards in `now`'s calendar month past MONTHLY_CAP (None: no cap)."""
    CapBook.read(session, settings, [citizen], now).check_month(citizen, amount_units)


def enqueue_reward(
    session: Session,
    settings: Settings,
    *,
    claim_id: int,
    citizen: str,
    amount_units: int,
    book: CapBook | None = None,
) -> Reward:
    """Writes the outbox row for an approved claim, refusing (YearlyCapExceeded / MonthlyCapExceeded)
    when it would take the citizen past a cap; nothing is written when it refuses. Call inside the
    approval's transaction; with `book` (loaded for this citizen, see CapBook) the caps are counted
    there and the reward counts in its `now`."""
    book = book or CapBook.load(session, settings, [citizen], utcnow())
    book.check(citizen, amount_units)
    reward = Reward(
        claim_id=claim_id, citizen=citizen, amount_units=amount_units, year=book.year, status="pending", attempts=0,
        created_at=book.now,
    )
    session.add(reward)
    book.add(citizen, amount_units)
    return reward


def rewards_for(session: Session, claim_ids: list[int]) -> dict[int, Reward]:
    if not claim_ids:
        return {}
    return {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.claim_id.in_(claim_ids)))}
