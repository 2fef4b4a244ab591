"""Retention by default: what is no longer needed is deleted without anyone asking.

- proof photos (files) and notes: RETENTION_DAYS after the claim's decision (approved or rejected);
- sign-in nonces once expired; sign-in times after RETENTION_DAYS;
- photo files that no claim names (an upload whose claim never committed, a crash between an erasure's
  commit and its file deletion), once they are an hour old;
- rewards of erased citizens still under their address for the yearly cap: moved to the pseudonym once
  that year is over.

Each sweep adds its counts to `privacy_removals` (the council report reads the totals).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Result, delete, or_, select, update
from sqlalchemy.orm import Session

from backend.auth.models import LoginNonce
from backend.claims.models import Claim
from backend.db import transaction, utcnow
from backend.privacy.models import NONCES, NOTES, PHOTOS, SIGN_INS, SignIn
from backend.privacy.service import ERASED_PREFIX, count_removals, delete_photo_files
from backend.rewards.models import Reward
from backend.runtime import Runtime
from backend.settings import Settings

log = logging.getLogger("heitje.privacy")
BATCH = 500  # claims cleared per transaction
ORPHAN_AGE_SECONDS = 3600
PHOTO_NAME = re.compile(r"\.?[0-9a-f]{32}\.(jpg|png|webp)(\.tmp)?")  # backend.claims.photos.store_photo's names


@dataclass
class Swept:
    photos: int = 0
    notes: int = 0
    nonces: int = 0
    sign_ins: int = 0
    orphan_files: int = 0
    rewards_pseudonymised: int = 0
    more: bool = False  # a full batch: call again
    photo_files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {PHOTOS: self.photos, NOTES: self.notes, NONCES: self.nonces, SIGN_INS: self.sign_ins}


def sweep(session: Session, settings: Settings, *, now: datetime | None = None) -> Swept:
    """Clears what is due inside the caller's transaction; delete `Swept.photo_files` after it commits."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.retention_days)
    result = Swept()
    due = list(
        session.scalars(
            select(Claim)
            .where(
                Claim.status.in_(("approved", "rejected")),
                Claim.reviewed_at < cutoff,
                or_(Claim.note.is_not(None), Claim.photo_file.is_not(None)),
            )
            .order_by(Claim.id)
            .limit(BATCH)
        )
    )
    for claim in due:
        if claim.photo_file:
            result.photo_files.append(claim.photo_file)
        result.notes += int(bool(claim.note))
        claim.note = claim.photo_file = claim.photo_type = None
    result.photos = len(result.photo_files)
    result.more = len(due) == BATCH
    result.nonces = _deleted(session.execute(delete(LoginNonce).where(LoginNonce.expires_at < now)))
    result.sign_ins = _deleted(session.execute(delete(SignIn).where(SignIn.signed_in_at < cutoff)))
    result.rewards_pseudonymised = _close_erased_years(session, now.year)
    count_removals(session, "retention", result.counts())
    return result


def _deleted(result: Result[object]) -> int:
    return int(result.rowcount)  # type: ignore[attr-defined]


def _close_erased_years(session: Session, year: int) -> int:
    """Rewards of past years whose claim was erased take the claim's pseudonym (erasure kept the
    address on them only while the yearly cap still counted them)."""
    pending = session.execute(
        select(Reward.claim_id, Claim.citizen)
        .join(Claim, Claim.id == Reward.claim_id)
        .where(Reward.year < year, Claim.citizen.startswith(ERASED_PREFIX), Reward.citizen != Claim.citizen)
    ).all()
    for claim_id, pseudonym in pending:
        session.execute(update(Reward).where(Reward.claim_id == claim_id).values(citizen=pseudonym))
    return len(pending)


def sweep_orphan_files(session: Session, photo_dir: Path, *, now: float | None = None) -> int:
    """Deletes photo files older than an hour that no claim names. Only names store_photo makes are
    touched: a PHOTO_DIR pointed at a folder with other files loses none of them."""
    if not photo_dir.is_dir():
        return 0
    now = now or time.time()
    named = set(session.scalars(select(Claim.photo_file).where(Claim.photo_file.is_not(None))))
    orphans = [
        path.name
        for path in photo_dir.iterdir()
        if PHOTO_NAME.fullmatch(path.name)
        and path.is_file()
        and path.name not in named
        and now - path.stat().st_mtime > ORPHAN_AGE_SECONDS
    ]
    return delete_photo_files(photo_dir, orphans)


def run_once(runtime: Runtime, *, now: datetime | None = None) -> Swept:
    """One transaction of sweeping, then the files (after the commit)."""
    with transaction(runtime.sessions) as session:
        result = sweep(session, runtime.settings, now=now)
    delete_photo_files(runtime.settings.photo_dir, result.photo_files)
    return result


class RetentionWorker:
    """Sweeps at most every RETENTION_SWEEP_SECONDS (sooner while a batch was full)."""

    name = "retention"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._next = 0.0

    def tick(self) -> bool:
        if time.monotonic() < self._next:
            return False
        result = run_once(self.runtime)
        if not result.more:
            with self.runtime.sessions() as session:
                result.orphan_files = sweep_orphan_files(session, self.runtime.settings.photo_dir)
            self._next = time.monotonic() + self.runtime.settings.retention_sweep_seconds
        if result.photos or result.notes or result.sign_ins or result.orphan_files:
            log.info(
                "retention: %d photos, %d notes, %d sign-ins, %d orphan files removed",
                result.photos,
                result.notes,
                result.sign_ins,
                result.orphan_files,
            )
        return result.more

    def close(self) -> None:
        pass


def make_worker(runtime: Runtime) -> RetentionWorker:
    return RetentionWorker(runtime)
