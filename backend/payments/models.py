"""Relayed payments: one row per (from, nonce) authorization, which makes POST /payments idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# sent (relayed) -> confirmed (the authorization (from, nonce) was used on chain, by anyone's
# transaction) | failed (it can no longer be used: cancelled, or expired unused). Only the indexer's
# handlers (backend.payments.events) move a payment on from "sent".
SENT, CONFIRMED, FAILED = "sent", "confirmed", "failed"
PAYMENT_STATUSES = (SENT, CONFIRMED, FAILED)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("from_address", "nonce", name="uq_payments_from_nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_address: Mapped[str] = mapped_column(String(42), index=True)
    to_address: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[str] = mapped_column(String(66))  # the EIP-3009 nonce, 0x-hex bytes32
    value: Mapped[int] = mapped_column(BigInteger)  # units
    # uint256 on chain; decimal strings so "valid forever" (2**256 - 1) fits every database.
    valid_after: Mapped[str] = mapped_column(String(78))
    valid_before: Mapped[str] = mapped_column(String(78))
    signature: Mapped[str] = mapped_column(String(132))
    tx_hash: Mapped[str | None] = mapped_column(String(66), index=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    # The block of the deciding fact (the use, the cancellation, or the first block past validBefore).
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Added by migration 0006: the transaction that used the authorization (ours, or whoever was first).
    settled_tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
