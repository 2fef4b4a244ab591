"""Sign-in times: the one thing the privacy domain records on its own (see docs/privacy.md)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.privacy.models import SignIn


def record_sign_in(session: Session, address: str) -> None:
    """Called by a successful sign-in, in its transaction; kept RETENTION_DAYS (the retention worker)."""
    session.add(SignIn(address=address, signed_in_at=utcnow()))
