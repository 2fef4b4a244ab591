"""Rate-limit counters, one row per (bucket, client or account, window): shared by every API process."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class RateCounter(Base):
    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
    # Unix seconds when the window ends; rows past it are purged.
    window_ends: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
