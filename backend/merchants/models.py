"""The merchant registry. `active` is the city's intent; `chain_status` tracks the on-chain setMerchant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class Merchant(Base):
    __tablename__ = "merchants"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str] = mapped_column(String(34))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # pending -> sent -> confirmed | failed: the on-chain setMerchant for the current `active` value.
    chain_status: Mapped[str] = mapped_column(String(16), default="pending")
    # Added by migration 0003: the sender's transaction for the current `active` value, and why it failed.
    chain_tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    chain_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
