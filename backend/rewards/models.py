"""The reward outbox: one row per approved claim, written in the approval's database transaction.

Status: pending (waiting for a batch; `error` says why it waits, e.g. for the mint limit window) ->
sent (in the live `chain_txs` row `chain_tx_id`) -> confirmed (a `Rewarded` event for this claim's
on-chain id paid this citizen this amount, `confirmations` deep) | flagged (the chain paid this claim
id to someone else or another amount: `tx_hash`, `paid_citizen`, `paid_units` hold the evidence, for
operators; never sent again) | failed (gave up after repeated reverts; `error`).

`Installation` is one row: the random 128-bit prefix of this installation's on-chain claim ids
(see backend.rewards.installation).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

REWARD_STATUSES = ("pending", "sent", "confirmed", "flagged", "failed")


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (Index("ix_rewards_citizen_year", "citizen", "year"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True, autoincrement=False)
    citizen: Mapped[str] = mapped_column(String(42))
    amount_units: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)  # cap_year() of the approval, for the yearly cap
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    chain_tx_id: Mapped[int | None] = mapped_column(ForeignKey("chain_txs.id"), nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # mined reverts so far
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Evidence of a flagged reward: whom and how much the chain's Rewarded event for this claim id paid.
    paid_citizen: Mapped[str | None] = mapped_column(String(42), nullable=True)
    paid_units: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Installation(Base):
    """This database's identity on chain: one row (id 1), made once (by the migration, or on first use)."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    claim_prefix: Mapped[str] = mapped_column(String(32))  # 128 bits, hex
    # Claims numbered below this were paid with bare numbers (before prefixes existed) and keep them.
    first_prefixed_claim: Mapped[int] = mapped_column(Integer, default=0)
    # `heitje rewards skip-claims N` after a restore without a newer backup: claims up to N that the
    # chain paid and the database lost are known losses, no longer a reason to refuse to start.
    lost_claims_through: Mapped[int] = mapped_column(Integer, default=0)
    # The start-up check found every reward of this prefix up to this block known; the next start
    # reads only the blocks after it. A restored backup restores an older value, so it reads again.
    checked_through_block: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
