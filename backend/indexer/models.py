"""Indexed coin events and the indexer's checkpoint.

One table holds the four event kinds the backend cares about (`Rewarded`, `Transfer`, `Redeemed`,
`MerchantSet`): their fields overlap, the reports read them together, and one unique key
(transaction hash + log index) keeps a log from being recorded twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.chain.events import AUTH_CANCELED, AUTH_USED, MERCHANT_SET, REDEEMED, REWARDED, TRANSFER
from backend.db import Base, UTCDateTime, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

__all__ = [
    "AUTH_CANCELED", "AUTH_USED", "MERCHANT_SET", "REDEEMED", "REWARDED", "TRANSFER", "ChainEvent", "IndexerCheckpoint",
]


class ChainEvent(Base):
    """A confirmed log of the coin. Which columns are set depends on `kind`:

    - rewarded:     account = citizen, amount, ref = claimId (0x-hex bytes32)
    - transfer:     account = from, counterparty = to, amount (mints come from, burns go to, 0x0)
    - redeemed:     account = merchant, amount, ref (0x-hex bytes32)
    - merchant_set: account, accepted
    """

    __tablename__ = "chain_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_chain_events_tx_hash_log_index"),
    )  # no index on kind: the reports read nearly every row anyway, and each index slows the inserts

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    block_time: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(42))
    counterparty: Mapped[str | None] = mapped_column(String(42), nullable=True)
    # Units (1 coin = 100). BIGINT holds 9.2e16 coins: far beyond any mint limit a city sets.
    amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ref: Mapped[str | None] = mapped_column(String(66), nullable=True)
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class IndexerCheckpoint(Base):
    """The last block read for a coin contract, with its hash (a reorg changes the hash)."""

    __tablename__ = "indexer_checkpoints"

    contract: Mapped[str] = mapped_column(String(42), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
