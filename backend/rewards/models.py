"""The reward outbox: one row per approved claim, written in the approval's database transaction.

Status: pending (waiting for a batch) -> sent (in the live `chain_txs` row `chain_tx_id`) ->
confirmed (paid on chain, `confirmations` deep) | failed (gave up after repeated reverts; `error`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

REWARD_STATUSES = ("pending", "sent", "confirmed", "failed")


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (Index("ix_rewards_citizen_year", "citizen", "year"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True, autoincrement=False)
    citizen: Mapped[str] = mapped_column(String(42))
    amount_units: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)  # calendar year (UTC) of the approval, for the yearly cap
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    chain_tx_id: Mapped[int | None] = mapped_column(ForeignKey("chain_txs.id"), nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # mined reverts so far
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
