"""Operators beyond the deployment's admin (added with `heitje operator add`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow


class Operator(Base):
    __tablename__ = "operators"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(42), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
