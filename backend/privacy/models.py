"""What the privacy domain keeps itself: sign-in times (a short security log a citizen can export)
and counts of what retention and erasure removed (for the council report; no addresses)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, utcnow

# Kinds counted in `privacy_removals`.
PHOTOS = "photos"
NOTES = "notes"
NONCES = "sign_in_nonces"
SIGN_INS = "sign_ins"
ERASURES = "erasures"
REMOVAL_KINDS = (PHOTOS, NOTES, NONCES, SIGN_INS, ERASURES)


class SignIn(Base):
    """One successful sign-in: who and when (no IP address, no user agent)."""

    __tablename__ = "privacy_sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(42), index=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Removal(Base):
    """How many records of one kind a retention sweep or an erasure removed, and when."""

    __tablename__ = "privacy_removals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))  # "retention" or "erasure"
