"""Operators beyond the deployment's admin (added with `heitje operator add`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class Operator(Base):
    __tablename__ = "operators"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(42), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccountBalance(Base):
    """An account's coins and merchant flag as the indexed chain has them (issue 14: reads without a chain
    call). Kept by the indexer's handlers (backend.accounts.balances) in the transaction that records the
    events, recomputed from `chain_events` for the accounts a reorg touches. `block_number` is the block of
    the last event that changed the row; the whole table is true at the indexer's checkpoint."""

    __tablename__ = "account_balances"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # units
    is_merchant: Mapped[bool] = mapped_column(Boolean, default=False)
    block_number: Mapped[int] = mapped_column(BigInteger, default=0)
