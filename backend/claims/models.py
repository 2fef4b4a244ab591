"""Claims: a citizen's place on a task, its proof and the operator's decision.

The claim's `id` is the low half of its on-chain claimId (the installation's prefix is the high half,
see backend.rewards.installation), so ids are never reused (AUTOINCREMENT on SQLite, a sequence on
PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# claimed -> submitted (proof sent) -> approved | rejected
CLAIM_STATUSES = ("claimed", "submitted", "approved", "rejected")


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
