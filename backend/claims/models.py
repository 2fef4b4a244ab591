"""Claims: a citizen's place on a task, its proof and the operator's decision.

The claim's `id` is the low half of its on-chain claimId (the installation's prefix is the high half,
see backend.rewards.installation), so ids are never reused (AUTOINCREMENT on SQLite, a sequence on
PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# claimed -> submitted (proof sent) -> approved | rejected; claimed -> expired (no proof by expires_at);
# rejected -> submitted (a new photo); claimed | submitted | rejected -> released (given back by the citizen).
# A claim past its expires_at still reads "claimed" in the table until a write records it (GETs never
# write); every reader goes through is_live / is_expired, so it counts as expired at once.
CLAIM_STATUSES = ("claimed", "submitted", "approved", "rejected", "expired", "released")


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("task_id", "citizen", name="uq_claims_task_citizen"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    citizen: Mapped[str] = mapped_column(String(42), index=True)
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    photo_file: Mapped[str | None] = mapped_column(String(80), nullable=True)  # a generated name
    photo_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(42), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # when a claim without proof lets go of its place (CLAIM_EXPIRY_HOURS, or the task's deadline)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


def is_expired(now: datetime) -> ColumnElement[bool]:
    """A claim without proof whose time is up, recorded as such or not yet."""
    return or_(
        Claim.status == "expired",
        and_(Claim.status == "claimed", Claim.expires_at.is_not(None), Claim.expires_at <= now),
    )


def is_open(now: datetime) -> ColumnElement[bool]:
    """A claim without proof that still holds its place."""
    return and_(Claim.status == "claimed", or_(Claim.expires_at.is_(None), Claim.expires_at > now))


def holds_place(now: datetime) -> ColumnElement[bool]:
    """A claim that counts against the task's capacity: open, or with proof (submitted or approved)."""
    return or_(Claim.status.in_(("submitted", "approved")), is_open(now))
