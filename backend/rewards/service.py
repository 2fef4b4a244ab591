"""Rewards owed for approved claims: the yearly cap and the outbox row, in the approval's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.amounts import format_amount, parse_amount
from backend.db import utcnow
from backend.errors import YearlyCapExceeded
from backend.rewards.models import Reward
from backend.settings import Settings


def cap_year(moment: datetime, settings: Settings) -> int:
    """The year a reward counts in for the yearly cap (DESIGN invariant 4): the calendar year of its
    approval in the city's own time zone (`settings.cap_timezone`, Europe/Amsterdam for a Dutch
    city), so an approval at 00:30 on 1 January in Heerlen counts in the new year although it is
    still 31 December in UTC. Every rule and report that needs "the cap year" asks this function."""
    if moment.tzinfo is None:
        raise ValueError("cap_year needs an aware datetime")
    return moment.astimezone(ZoneInfo(settings.cap_timezone)).year


def _lock_citizen(session: Session, citizen: str) -> None:
    """Serialises cap checks per citizen. PostgreSQL: a transaction advisory lock; SQLite's BEGIN
    IMMEDIATE already serialises every writing transaction."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"heitje-cap:{citizen.lower()}".encode()).digest()[:8], "big", signed=True
        )
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def rewarded_this_year(session: Session, citizen: str, year: int) -> int:
    """Units owed or paid to `citizen` for `year` (everything but failed rewards)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Reward.amount_units), 0)).where(
            Reward.citizen == citizen, Reward.year == year, Reward.status != "failed"
        )
    )
    return int(total or 0)


def enqueue_reward(
    session: Session, settings: Settings, *, claim_id: int, citizen: str, amount_units: int
) -> Reward:
    """Writes the outbox row for an approved claim, refusing (YearlyCapExceeded) when it would take the
    citizen past the yearly cap. Call inside the approval's transaction."""
    _lock_citizen(session, citizen)
    year = cap_year(utcnow(), settings)
    cap = parse_amount(settings.yearly_cap)
    already = rewarded_this_year(session, citizen, year)
    if already + amount_units > cap:
        raise YearlyCapExceeded(
            citizen, year, format_amount(already), format_amount(amount_units), format_amount(cap)
        )
    reward = Reward(
        claim_id=claim_id, citizen=citizen, amount_units=amount_units, year=year, status="pending", attempts=0
    )
    session.add(reward)
    return reward


def rewards_for(session: Session, claim_ids: list[int]) -> dict[int, Reward]:
    if not claim_ids:
        return {}
    return {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.claim_id.in_(claim_ids)))}
