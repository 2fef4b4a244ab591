"""Audit rows (append-only: the migration puts a trigger on them that refuses UPDATE and DELETE) and
the four-eyes hold on a SEPA batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from backend.audit import guard
from backend.db import Base, UTCDateTime, utcnow
from backend.indexer.models import BigId

# The decisions recorded. `subject` names what was decided on ("claim:12", "batch:3", ...).
ACTIONS = (
    "claim_approved",
    "claim_rejected",
    "task_posted",
    "task_closed",
    "merchant_registered",
    "merchant_deactivated",
    "sepa_exported",
    "sepa_confirmed",
    "payout_paid",
    "batch_paid",
    "operator_added",
)


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(42), index=True)  # an operator's address, or "cli"
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON object



@event.listens_for(AuditEntry.__table__, "after_create")
def _guard_created_table(_: Any, connection: Any, **__: Any) -> None:
    # Tables made by create_all (the unit tier) get the same triggers as migration 0011 creates.
    guard.install(connection)


AWAITING = "awaiting_approval"
RELEASED = "released"


class SepaRelease(Base):
    """The four-eyes state of a SEPA batch above SEPA_FOUR_EYES_TOTAL: awaiting_approval until an
    operator other than the exporter confirms it (then released). A batch without a row is released."""

    __tablename__ = "sepa_releases"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("payout_batches.id"), primary_key=True, autoincrement=False
    )
    status: Mapped[str] = mapped_column(String(20), default=AWAITING)
    exported_by: Mapped[str] = mapped_column(String(42))
    confirmed_by: Mapped[str | None] = mapped_column(String(42), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
