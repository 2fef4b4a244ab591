"""The rules for claims: claiming within capacity, proof, approval (with its reward) and rejection."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.amounts import format_amount
from backend.audit import service as audit
from backend.claims import photos
from backend.claims.models import Claim
from backend.claims.schemas import ClaimOut, ClaimStatus, RewardOut, RewardStatus
from backend.db import utcnow
from backend.errors import (
    AlreadyClaimed,
    ClaimStateConflict,
    NotFound,
    TaskFull,
    TaskNotOpen,
    ValidationFailed,
)
from backend.rewards import service as rewards
from backend.rewards.models import Reward
from backend.settings import Settings
from backend.tasks import service as tasks

MAX_NOTE = 2000
API_PREFIX = "/api/v1"


def to_out(claim: Claim, reward: Reward | None) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        task_id=claim.task_id,
        citizen=claim.citizen,
        status=cast(ClaimStatus, claim.status),
        note=claim.note,
        photo_url=f"{API_PREFIX}/claims/{claim.id}/photo" if claim.photo_file else None,
        reject_reason=claim.reject_reason,
        reward=None
        if reward is None
        else RewardOut(
            status=cast(RewardStatus, reward.status),
            amount=format_amount(reward.amount_units),
            tx_hash=reward.tx_hash,
            error=reward.error,
        ),
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
        reviewed_at=claim.reviewed_at,
    )


def claim_task(session: Session, *, task_id: int, citizen: str) -> Claim:
    """Takes a place on the task for `citizen`: at most once per citizen, never past capacity."""
    task = tasks.get_task(session, task_id, for_update=True)
    status = tasks.status_of(task)
    if status == "closed":
        raise TaskNotOpen(task_id)
    if session.scalar(select(Claim.id).where(Claim.task_id == task_id, Claim.citizen == citizen)) is not None:
        raise AlreadyClaimed(task_id)
    if status == "full":
        raise TaskFull(task_id, task.capacity)
    claim = Claim(task_id=task_id, citizen=citizen, status="claimed")
    task.taken += 1
    session.add(claim)
    try:
        session.flush()
    except IntegrityError as exc:  # the same citizen in a parallel request
        raise AlreadyClaimed(task_id) from exc
    return claim


def get_claim(
    session: Session, claim_id: int, *, viewer: str | None = None, for_update: bool = False
) -> Claim:
    """The claim; with `viewer`, only if it is theirs (others' claims are "not found" to them)."""
    query = select(Claim).where(Claim.id == claim_id)
    if for_update:
        query = query.with_for_update()
    claim = session.scalar(query)
    if claim is None or (viewer is not None and claim.citizen != viewer):
        raise NotFound("claim", claim_id)
    return claim


def submit_proof(
    session: Session, settings: Settings, *, claim_id: int, citizen: str, photo: bytes, note: str | None
) -> Claim:
    """Stores the cleaned photo and the note; a submitted claim may send new proof until it is decided."""
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationFailed(f"note: at most {MAX_NOTE} characters", field="note")
    claim = get_claim(session, claim_id, viewer=citizen, for_update=True)
    if claim.status not in ("claimed", "submitted"):
        raise ClaimStateConflict(claim.id, claim.status, "given new proof")
    cleaned, ext = photos.clean_photo(photo, settings.max_photo_bytes)
    claim.photo_file = photos.store_photo(settings.photo_dir, cleaned, ext)
    claim.photo_type = photos.MEDIA_TYPES[ext]
    claim.note = note.strip() if note else None
    claim.status = "submitted"
    claim.submitted_at = utcnow()
    return claim


def photo_of(
    session: Session, settings: Settings, *, claim_id: int, viewer: str, operator: bool
) -> tuple[Path, str]:
    claim = get_claim(session, claim_id, viewer=None if operator else viewer)
    if not claim.photo_file:
        raise NotFound("photo of claim", claim_id)
    path = photos.photo_path(settings.photo_dir, claim.photo_file)
    if not path.exists():
        raise NotFound("photo of claim", claim_id)
    return path, claim.photo_type or "application/octet-stream"


def approve(session: Session, settings: Settings, *, claim_id: int, operator: str) -> tuple[Claim, Reward]:
    """Approves a submitted claim and, in the same transaction, writes its reward to the outbox
    (refused with YearlyCapExceeded / MonthlyCapExceeded past the citizen's yearly or monthly cap)."""
    claim = get_claim(session, claim_id, for_update=True)
    if claim.status != "submitted":
        raise ClaimStateConflict(claim.id, claim.status, "approved (only a claim with proof can be)")
    task = tasks.get_task(session, claim.task_id)
    reward = rewards.enqueue_reward(
        session, settings, claim_id=claim.id, citizen=claim.citizen, amount_units=task.reward_units
    )
    claim.status, claim.reviewed_by, claim.reviewed_at = "approved", operator, utcnow()
    audit.record(
        session, operator, "claim_approved", f"claim:{claim.id}",
        {"task_id": claim.task_id, "reward": format_amount(task.reward_units)},
    )
    return claim, reward


def reject(session: Session, *, claim_id: int, operator: str, reason: str) -> Claim:
    """Rejects a claim (with or without proof) with a reason the citizen reads; frees its place."""
    claim = get_claim(session, claim_id, for_update=True)
    if claim.status not in ("claimed", "submitted"):
        raise ClaimStateConflict(claim.id, claim.status, "rejected")
    task = tasks.get_task(session, claim.task_id, for_update=True)
    task.taken = max(task.taken - 1, 0)
    claim.status, claim.reject_reason = "rejected", reason.strip()
    claim.reviewed_by, claim.reviewed_at = operator, utcnow()
    audit.record(
        session, operator, "claim_rejected", f"claim:{claim.id}",
        {"task_id": claim.task_id},
    )
    return claim


def list_claims(
    session: Session,
    *,
    citizen: str | None,
    status: ClaimStatus | None = None,
    task_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Claim]:
    """Claims, newest first: all of them (citizen=None, for operators) or one citizen's."""
    query = select(Claim)
    if citizen is not None:
        query = query.where(Claim.citizen == citizen)
    if status is not None:
        query = query.where(Claim.status == status)
    if task_id is not None:
        query = query.where(Claim.task_id == task_id)
    return list(session.scalars(query.order_by(Claim.id.desc()).limit(limit).offset(offset)))


def with_rewards(session: Session, claims: list[Claim]) -> list[ClaimOut]:
    found = rewards.rewards_for(session, [c.id for c in claims])
    return [to_out(claim, found.get(claim.id)) for claim in claims]
