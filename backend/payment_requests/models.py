"""One row per payment request of a till. `payer` is claimed (compare-and-set) before the relay and
`payment_id` is unique: a request binds at most one payment, a payment at most one request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class PaymentRequest(Base):
    __tablename__ = "payment_requests"
    __table_args__ = (UniqueConstraint("payment_id", name="uq_payment_requests_payment"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, url-safe: the link's secret
    merchant: Mapped[str] = mapped_column(String(42), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # units
    order_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    nonce: Mapped[str] = mapped_column(String(66))  # the EIP-3009 nonce every authorization for it carries
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payer: Mapped[str | None] = mapped_column(String(42), nullable=True)
    payment_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("payments.id"), nullable=True)
