"""Rewards owed for approved claims: the yearly cap and the outbox row, in the approval's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
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


def _lock_citizen(session: Session, citizen: str) -> None:
    """Serialises cap checks per citizen. PostgreSQL: a transaction advisory lock; SQLite's BEGIN
    IMMEDIATE already serialises every writing transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _cap_lock_key(citizen)})


def lock_citizens(session: Session, citizens: Iterable[str]) -> None:
    """Takes the cap locks of many citizens at once, in one fixed order (by key), for a transaction
    that approves claims of several: two such transactions taking them in decision order could each
    wait for the other. The advisory lock is re-entrant, so `enqueue_reward` taking one again is free."""
    if session.get_bind().dialect.name == "postgresql":
        keys = sorted({_cap_lock_key(c) for c in citizens})
        if keys:
            # One statement: a function scan of unnest yields the array's elements in order.
            session.execute(
                text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS t(k)"),
                {"keys": keys},
            )


def rewarded_this_year(session: Session, citizen: str, year: int) -> int:
    """Units owed or paid to `citizen` for `year` (everything but failed rewards)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Reward.amount_units), 0)).where(
            Reward.citizen == citizen, Reward.year == year, Reward.status != "failed"
        )
    )
    return int(total or 0)


def check_monthly_cap(
    session: Session, settings: Settings, *, citizen: str, amount_units: int, now: datetime
) -> None:
    """The month rule beside the yearly one: refuses (MonthlyCapExceeded) a reward that would take the
    citizen's rewards in `now`'s calendar month past MONTHLY_CAP (None: no cap). The month is the one of
    the approval in the city's time zone (`cap_month`, the rule of `cap_year`). Call with the citizen
    locked (`_lock_citizen`), as the yearly check is, so parallel approvals cannot both pass."""
    if settings.monthly_cap is None:
        return
    start, end = cap_month(now, settings)
    already = int(
        session.scalar(
            select(func.coalesce(func.sum(Reward.amount_units), 0)).where(
                Reward.citizen == citizen,
                Reward.status != "failed",
                Reward.created_at >= start,
                Reward.created_at < end,
            )
        )
        or 0
    )
    cap = parse_amount(settings.monthly_cap)
    if already + amount_units > cap:
        local = _in_city(now, settings)
        raise MonthlyCapExceeded(
            citizen, f"{local.year:04d}-{local.month:02d}", format_amount(already), format_amount(amount_units),
            format_amount(cap),
        )


def enqueue_reward(
    session: Session, settings: Settings, *, claim_id: int, citizen: str, amount_units: int
) -> Reward:
    """Writes the outbox row for an approved claim, refusing (YearlyCapExceeded) when it would take the
    citizen past the yearly cap. Call inside the approval's transaction."""
    _lock_citizen(session, citizen)
    now = utcnow()
    year = cap_year(now, settings)
    cap = parse_amount(settings.yearly_cap)
    already = rewarded_this_year(session, citizen, year)
    if already + amount_units > cap:
        raise YearlyCapExceeded(
            citizen, year, format_amount(already), format_amount(amount_units), format_amount(cap)
        )
    check_monthly_cap(session, settings, citizen=citizen, amount_units=amount_units, now=now)
    reward = Reward(
        claim_id=claim_id, citizen=citizen, amount_units=amount_units, year=year, status="pending", attempts=0,
        created_at=now,
    )
    session.add(reward)
    return reward


def rewards_for(session: Session, claim_ids: list[int]) -> dict[int, Reward]:
    if not claim_ids:
        return {}
    return {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.claim_id.in_(claim_ids)))}
