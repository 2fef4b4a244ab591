"""Redemption requests: a merchant asks for a `ref`, burns under it (itself or through our relayer),
and the burn is verified. The payouts domain looks rows up by `ref` (0x-hex bytes32, unique)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# One lifecycle with its payout: requested (ref issued) -> sent (burn relayed) -> burned (the indexer
# recorded a Redeemed event whose merchant, ref and amount all match) -> due -> exported -> paid,
# which the payout row (backend.payouts) carries on from "burned"; or failed. `lifecycle_status`
# (backend.redemptions.service) reads the two as one.
REQUESTED, SENT, BURNED, FAILED = "requested", "sent", "burned", "failed"
REDEMPTION_STATUSES = (REQUESTED, SENT, BURNED, FAILED)


class Redemption(Base):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(66), unique=True)  # 0x-hex bytes32, the on-chain `ref`
    merchant: Mapped[str] = mapped_column(String(42), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # units
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    # The authorization we handed out for redeemWithAuthorization (the merchant may also call redeem).
    auth_nonce: Mapped[str] = mapped_column(String(66))
    valid_after: Mapped[int] = mapped_column(BigInteger)
    valid_before: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66), index=True, nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # burn indexed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
