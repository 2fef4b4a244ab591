"""Euro payouts for confirmed redemptions, and the SEPA batches they leave in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow
from backend.indexer.models import BigId

DUE = "due"
EXPORTED = "exported"
PAID = "paid"
# A burn under a ref we issued that disagrees with its redemption (merchant or amount), or a second
# burn for an already burnt redemption: never exported, kept for the operator with `flag_reason`.
FLAGGED = "flagged"


class PayoutBatch(Base):
    """One pain.001 file: the payouts it carries point here; the XML is kept to download again."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    payout_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    xml: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(42))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Payout(Base):
    """What the city owes a merchant for one confirmed `Redeemed` event: due -> exported -> paid,
    or flagged (see FLAGGED). The redemption's own lifecycle continues here once it is burned.

    `reorged_at` is set when the event left the chain in a reorg after the payout was exported
    (a due payout is simply deleted then): the operator must check it with the bank.
    """

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_payouts_tx_hash_log_index"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    merchant: Mapped[str] = mapped_column(String(42), index=True)
    ref: Mapped[str] = mapped_column(String(66), index=True)
    units: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=DUE, index=True)
    batch_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("payout_batches.id"), nullable=True, index=True
    )
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reorged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    flag_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)  # migration 0006
