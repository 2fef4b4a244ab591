"""The rules for claims: claiming within capacity, proof, approval (with its reward) and rejection."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import paging
from backend.amounts import format_amount
from backend.audit import service as audit
from backend.claims import photos
from backend.claims.models import Claim, is_expired, is_open
from backend.claims.schemas import ClaimOut, ClaimStatus, RewardOut, RewardStatus
from backend.db import utcnow
from backend.errors import (
    AlreadyClaimed,
    ClaimStateConflict,
    NotFound,
    OwnClaim,
    TaskFull,
    TaskNotOpen,
    TooManyOpenClaims,
    ValidationFailed,
)
from backend.reports import totals
from backend.rewards import service as rewards
from backend.rewards.models import Reward
from backend.settings import Settings
from backend.tasks import service as tasks
from backend.tasks.models import Task

MAX_NOTE = 2000
API_PREFIX = "/api/v1"


def status_of(claim: Claim, now: datetime | None = None) -> ClaimStatus:
    """The claim's status as of now: a claim without proof past its expires_at is expired, recorded or not."""
    if claim.status == "claimed" and claim.expires_at is not None and claim.expires_at <= (now or utcnow()):
        return "expired"
    return cast(ClaimStatus, claim.status)


def to_out(claim: Claim, reward: Reward | None) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        task_id=claim.task_id,
        citizen=claim.citizen,
        status=status_of(claim),
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
        expires_at=claim.expires_at if claim.status == "claimed" else None,
    )


def claim_task(session: Session, settings: Settings, *, task_id: int, citizen: str) -> Claim:
    """Takes a place on the task for `citizen`: at most once per citizen, never past capacity, and at most
    settings.max_open_claims claims without proof at a time. The claim expires (and frees its place)
    after settings.claim_expiry_hours without proof, or at the task's deadline if that comes first."""
    now = utcnow()
    task = tasks.get_task(session, task_id, for_update=True)
    if tasks.is_closed(task, now):
        raise TaskNotOpen(task_id)
    if session.scalar(select(Claim.id).where(Claim.task_id == task_id, Claim.citizen == citizen)) is not None:
        raise AlreadyClaimed(task_id)
    record_expiry(session, now, task_id=task_id, citizen=citizen)
    held = session.scalar(select(func.count(Claim.id)).where(Claim.citizen == citizen, is_open(now))) or 0
    if held >= settings.max_open_claims:
        raise TooManyOpenClaims(settings.max_open_claims)
    if tasks.places_taken(session, [task_id], now)[task_id] >= task.capacity:
        raise TaskFull(task_id, task.capacity)
    expires_at = now + timedelta(hours=settings.claim_expiry_hours)
    if task.closes_at is not None:
        expires_at = min(expires_at, task.closes_at)
    claim = Claim(task_id=task_id, citizen=citizen, status="claimed", expires_at=expires_at)
    session.add(claim)
    try:
        session.flush()
    except IntegrityError as exc:  # the same citizen in a parallel request
        raise AlreadyClaimed(task_id) from exc
    return claim


def record_expiry(
    session: Session, now: datetime, *, task_id: int | None = None, citizen: str | None = None
) -> int:
    """Records as expired the claims without proof whose time is up (all of them, or those of one task
    or citizen). Only for writers: readers see them expired already (status_of, holds_place)."""
    due = and_(Claim.status == "claimed", Claim.expires_at.is_not(None), Claim.expires_at <= now)
    scope = [c for c in (
        Claim.task_id == task_id if task_id is not None else None,
        Claim.citizen == citizen if citizen is not None else None,
    ) if c is not None]
    if scope:
        due = and_(due, or_(*scope))
    result = session.execute(
        update(Claim).where(due).values(status="expired").execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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


def check_proof(
    session: Session, settings: Settings, *, claim_id: int, citizen: str, photo: bytes, note: str | None
) -> None:
    """Everything that can refuse proof before the photo is decoded: the note, the claim (theirs, not yet
    decided) and the photo's bytes and header. Reads only."""
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationFailed(f"note: at most {MAX_NOTE} characters", field="note")
    _provable(get_claim(session, claim_id, viewer=citizen))
    photos.check_photo(photo, settings)


def record_proof(
    session: Session, *, claim_id: int, citizen: str, photo_file: str, note: str | None
) -> tuple[Claim, str | None]:
    """Records an already cleaned and stored photo, and the note (a short write: no decoding inside the
    transaction). A submitted claim may send new proof until it is decided; a rejected one may send a new
    photo while the task is open and has a place for it (it goes back to submitted). Returns the claim and
    the name of the photo it replaced, for the caller to delete once this is committed."""
    claim = _provable(get_claim(session, claim_id, viewer=citizen, for_update=True))
    if claim.status == "rejected":
        _place_again(session, claim)
        claim.reject_reason, claim.reviewed_by, claim.reviewed_at = None, None, None
    replaced = claim.photo_file
    claim.photo_file, claim.photo_type = photo_file, photos.MEDIA_TYPE
    claim.note = note.strip() if note else None
    claim.status = "submitted"
    claim.submitted_at = utcnow()
    return claim, replaced if replaced != photo_file else None


def _place_again(session: Session, claim: Claim) -> None:
    """A rejected claim let go of its place: sending it again takes one, if the task still has one."""
    now = utcnow()
    task = tasks.get_task(session, claim.task_id, for_update=True)
    if tasks.is_closed(task, now):
        raise TaskNotOpen(task.id)
    if tasks.places_taken(session, [task.id], now)[task.id] >= task.capacity:
        raise TaskFull(task.id, task.capacity)


def _provable(claim: Claim) -> Claim:
    status = status_of(claim)
    if status not in ("claimed", "submitted", "rejected"):
        raise ClaimStateConflict(claim.id, status, "given new proof")
    return claim


def release(session: Session, *, claim_id: int, citizen: str) -> tuple[Claim, str | None]:
    """The citizen gives the claim back (not yet approved, not expired): it frees its place at once and
    keeps no photo. Returns the claim and the photo file to delete once this is committed."""
    claim = get_claim(session, claim_id, viewer=citizen, for_update=True)
    status = status_of(claim)
    if status not in ("claimed", "submitted", "rejected"):
        raise ClaimStateConflict(claim.id, status, "given back")
    photo_file = claim.photo_file
    claim.status, claim.photo_file, claim.photo_type, claim.expires_at = "released", None, None, None
    return claim, photo_file


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


def _not_own(claim: Claim, operator: str) -> None:
    """Nobody decides their own claim: an operator is a citizen too, and could otherwise pay themselves."""
    if claim.citizen.lower() == operator.lower():
        raise OwnClaim(claim.id)


def approve(session: Session, settings: Settings, *, claim_id: int, operator: str) -> tuple[Claim, Reward]:
    """Approves a submitted claim and, in the same transaction, writes its reward to the outbox
    (refused with YearlyCapExceeded / MonthlyCapExceeded past the citizen's yearly or monthly cap)."""
    claim = get_claim(session, claim_id, for_update=True)
    task = tasks.get_task(session, claim.task_id)
    book = rewards.CapBook.load(session, settings, [claim.citizen], utcnow())
    tally = totals.Tally(settings.city_name)
    reward = approve_claim(session, claim=claim, task=task, operator=operator, book=book, tally=tally)
    tally.write(session)
    return claim, reward


def approve_claim(
    session: Session,
    *,
    claim: Claim,
    task: Task,
    operator: str,
    book: rewards.CapBook,
    tally: totals.Tally,
    entries: audit.Entries | None = None,
) -> Reward:
    """The approval of one claim (locked, with its task): nobody decides their own claim, only a claim
    with proof, the caps (`book`, loaded with the citizen locked); then the outbox row, the decision,
    the audit entry (gathered in `entries` when given, for the caller to write), and the report totals
    counted in `tally` (for the caller to write). Every refusal is raised before the first write, so a
    refused approval leaves nothing behind: a bulk review goes on with the next claim in the same
    transaction."""
    _not_own(claim, operator)
    if claim.status != "submitted":
        raise ClaimStateConflict(claim.id, claim.status, "approved (only a claim with proof can be)")
    reward = rewards.enqueue_reward(
        session, book.settings, claim_id=claim.id, citizen=claim.citizen, amount_units=task.reward_units, book=book
    )
    claim.status, claim.reviewed_by, claim.reviewed_at = "approved", operator, book.now
    _audit(
        session, entries, operator, "claim_approved", f"claim:{claim.id}",
        {"task_id": claim.task_id, "reward": format_amount(task.reward_units)},
    )
    tally.approved(reviewed_at=book.now, district=task.district, minutes=task.minutes)
    return reward


def reject(session: Session, *, claim_id: int, operator: str, reason: str) -> Claim:
    """Rejects a claim (with or without proof) with a reason the citizen reads; frees its place."""
    claim = get_claim(session, claim_id, for_update=True)
    return reject_claim(session, claim=claim, operator=operator, reason=reason, now=utcnow())


def reject_claim(
    session: Session,
    *,
    claim: Claim,
    operator: str,
    reason: str,
    now: datetime,
    entries: audit.Entries | None = None,
) -> Claim:
    """The rejection of one claim (locked): refused, before any write, for one's own claim or a claim
    that is decided, expired or given back. The audit entry as in `approve_claim`."""
    _not_own(claim, operator)
    status = status_of(claim, now)
    if status not in ("claimed", "submitted"):
        raise ClaimStateConflict(claim.id, status, "rejected")
    claim.status, claim.reject_reason = "rejected", reason.strip()
    claim.reviewed_by, claim.reviewed_at = operator, now
    _audit(session, entries, operator, "claim_rejected", f"claim:{claim.id}", {"task_id": claim.task_id})
    return claim


def _audit(session: Session, entries: audit.Entries | None, *entry: Any) -> None:
    if entries is None:
        audit.record(session, *entry)
    else:
        entries.record(*entry)


CLAIM_ORDER = (paging.Key(Claim.id, int),)  # newest first


def list_claims(
    session: Session,
    *,
    citizen: str | None,
    status: ClaimStatus | None = None,
    task_id: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> paging.Page[Claim]:
    """Claims, newest first: all of them (citizen=None, for operators) or one citizen's."""
    query = select(Claim)
    if citizen is not None:
        query = query.where(Claim.citizen == citizen)
    now = utcnow()
    if status == "claimed":
        query = query.where(is_open(now))
    elif status == "expired":
        query = query.where(is_expired(now))
    elif status is not None:
        query = query.where(Claim.status == status)
    if task_id is not None:
        query = query.where(Claim.task_id == task_id)
    rows = list(session.scalars(paging.keyset(query, CLAIM_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda c: (c.id,))


def with_rewards(session: Session, claims: list[Claim]) -> list[ClaimOut]:
    found = rewards.rewards_for(session, [c.id for c in claims])
    return [to_out(claim, found.get(claim.id)) for claim in claims]
