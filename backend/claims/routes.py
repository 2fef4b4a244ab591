"""HTTP routes of the claims domain: claim a task, send proof, approve or reject, list, see the photo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials

from backend import paging
from backend.auth.deps import CurrentCitizen, CurrentOperator, CurrentUser, User, bearer, current_user, requires_token
from backend.claims import photos, review, service
from backend.claims.schemas import (
    MAX_DECISIONS,
    ClaimOut,
    ClaimStatus,
    Refusal,
    RejectIn,
    ReviewIn,
    ReviewOut,
    ReviewResult,
)
from backend.db import transaction
from backend.deps import RowId, RuntimeDep, SessionDep, SettingsDep
from backend.errors import BadPhoto
from backend.runtime import Runtime

router = APIRouter(tags=["claims"])

NOT_SIGNED_IN: dict[int | str, dict[str, Any]] = {401: {"description": "not signed in (`unauthorized`)"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such claim, or not yours (`not_found`)"}}


@router.post(
    "/tasks/{task_id}/claims",
    status_code=201,
    response_model=ClaimOut,
    summary="Claim a place on a task (citizen)",
    responses={
        **NOT_SIGNED_IN,
        404: {"description": "no such task"},
        409: {"description": "`task_full`, `task_closed`, `already_claimed` or `too_many_open_claims`"},
    },
)
def claim_task(task_id: RowId, citizen: CurrentCitizen, session: SessionDep, settings: SettingsDep) -> ClaimOut:
    claim = service.claim_task(session, settings, task_id=task_id, citizen=citizen.address)
    return service.to_out(claim, None)


@requires_token
def proof_sender(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> User:
    """The signed-in citizen, looked up in a read-only session: the proof route holds no database
    transaction (on SQLite: no write lock) while the photo is decoded."""
    with transaction(runtime.read_sessions) as session:
        return current_user(runtime, session, credentials)


@router.post(
    "/claims/{claim_id}/proof",
    response_model=ClaimOut,
    summary="Send the photo proof and a note (the claim's citizen); again after a rejection",
    responses={
        **NOT_SIGNED_IN,
        **NOT_FOUND,
        409: {
            "description": "the claim is approved, given back, or expired without proof (`claim_status_conflict`); "
            "a rejected claim sent again needs an open task with a place (`task_closed`, `task_full`)"
        },
        422: {
            "description": "`invalid_photo` (not JPEG/PNG/WebP, unreadable, too many bytes), `photo_too_large` "
            "(too many pixels) or a long note"
        },
    },
)
async def submit_proof(
    claim_id: RowId,
    citizen: Annotated[User, Depends(proof_sender)],
    runtime: RuntimeDep,
    photo: Annotated[
        UploadFile,
        File(description="JPEG, PNG or WebP, at most 10 MB and 24 megapixels; stored as a JPEG of at most "
             "2000 px a side, without metadata"),
    ],
    note: Annotated[str | None, Form(description="At most 2,000 characters")] = None,
) -> ClaimOut:
    # Check (read-only), decode in a worker process, store, then one short write: the event loop and the
    # database are never held while a photo is decoded.
    settings = runtime.settings
    data = await photo.read(settings.max_photo_bytes + 1)
    if len(data) > settings.max_photo_bytes:
        raise BadPhoto(f"the photo is larger than {settings.max_photo_bytes // (1024 * 1024)} MB")
    await run_in_threadpool(_check_proof, runtime, claim_id, citizen.address, data, note)
    cleaned = await photos.clean_photo(data, settings)
    name = await run_in_threadpool(photos.store_photo, settings.photo_dir, cleaned)
    try:
        return await run_in_threadpool(_record_proof, runtime, claim_id, citizen.address, name, note)
    except BaseException:
        photos.remove_photo(settings.photo_dir, name)
        raise


def _check_proof(runtime: Runtime, claim_id: int, citizen: str, data: bytes, note: str | None) -> None:
    with transaction(runtime.read_sessions) as session:
        service.check_proof(session, runtime.settings, claim_id=claim_id, citizen=citizen, photo=data, note=note)


def _record_proof(runtime: Runtime, claim_id: int, citizen: str, name: str, note: str | None) -> ClaimOut:
    with transaction(runtime.sessions) as session:
        claim, replaced = service.record_proof(
            session, claim_id=claim_id, citizen=citizen, photo_file=name, note=note
        )
        out = service.with_rewards(session, [claim])[0]
    if replaced:  # committed: the old photo is no longer anybody's proof
        photos.remove_photo(runtime.settings.photo_dir, replaced)
    return out


@router.post(
    "/claims/{claim_id}/release",
    response_model=ClaimOut,
    summary="Give the claim back (the claim's citizen): frees its place, deletes its photo",
    responses={
        **NOT_SIGNED_IN,
        **NOT_FOUND,
        409: {"description": "the claim is approved, expired or given back already (`claim_status_conflict`)"},
    },
)
def release(claim_id: RowId, citizen: Annotated[User, Depends(proof_sender)], runtime: RuntimeDep) -> ClaimOut:
    # Its own write transaction (not the request's session) so the photo is deleted only once committed.
    with transaction(runtime.sessions) as session:
        claim, photo_file = service.release(session, claim_id=claim_id, citizen=citizen.address)
        out = service.to_out(claim, None)
    if photo_file:
        photos.remove_photo(runtime.settings.photo_dir, photo_file)
    return out


@router.get(
    "/claims/{claim_id}/photo",
    summary="The proof photo (the claim's citizen or an operator)",
    response_class=FileResponse,
    responses={
        **NOT_SIGNED_IN,
        **NOT_FOUND,
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
    },
)
def get_photo(claim_id: RowId, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> FileResponse:
    path, media_type = service.photo_of(
        session, settings, claim_id=claim_id, viewer=user.address, operator=user.has("operator")
    )
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.post(
    "/claims/{claim_id}/approve",
    response_model=ClaimOut,
    summary="Approve a claim and queue its reward (operator)",
    responses={
        **NOT_SIGNED_IN,
        403: {"description": "not an operator"},
        404: {"description": "no such claim"},
        409: {
            "description": "`claim_status_conflict` (no proof yet, or decided), `yearly_cap_exceeded` or "
            "`own_claim` (nobody decides their own claim)"
        },
    },
)
def approve(claim_id: RowId, operator: CurrentOperator, session: SessionDep, settings: SettingsDep) -> ClaimOut:
    claim, reward = service.approve(session, settings, claim_id=claim_id, operator=operator.address)
    return service.to_out(claim, reward)


@router.post(
    "/claims/{claim_id}/reject",
    response_model=ClaimOut,
    summary="Reject a claim with a reason (operator)",
    responses={
        **NOT_SIGNED_IN,
        403: {"description": "not an operator"},
        404: {"description": "no such claim"},
        409: {"description": "the claim is already decided, or `own_claim` (nobody decides their own claim)"},
    },
)
def reject(claim_id: RowId, body: RejectIn, operator: CurrentOperator, session: SessionDep) -> ClaimOut:
    claim = service.reject(session, claim_id=claim_id, operator=operator.address, reason=body.reason)
    return service.to_out(claim, None)


@router.post(
    "/claims/review",
    response_model=ReviewOut,
    summary="Approve or reject many claims at once (operator)",
    description=(
        f"At most {MAX_DECISIONS} decisions, each checked exactly as its own approve or reject route would "
        "(proof, own claim, the yearly and monthly caps, in the order given) and recorded the same way "
        "(reward queued, audit entry). A refused decision does not stop the others: the answer is 200 with "
        "one result per decision, `ok` or an `error` with the code and message its own route would give."
    ),
    responses={
        **NOT_SIGNED_IN,
        403: {"description": "not an operator"},
        422: {"description": "a malformed body: no decisions, more than the maximum, a claim twice, a rejection "
              "without a reason (`validation_error`)"},
    },
)
def review_claims(
    body: ReviewIn, operator: CurrentOperator, session: SessionDep, settings: SettingsDep
) -> ReviewOut:
    outcomes = review.review_many(
        session,
        settings,
        operator=operator.address,
        decisions=[review.Decision(d.claim_id, d.decision, d.reason or body.reason) for d in body.decisions],
    )
    results = [
        ReviewResult(
            claim_id=o.decision.claim_id,
            decision=d.decision,
            ok=o.refusal is None,
            claim=service.to_out(o.claim, o.reward) if o.claim is not None else None,
            error=None
            if o.refusal is None
            else Refusal(code=o.refusal.code, message=o.refusal.message, details=o.refusal.details or None),
        )
        for o, d in zip(outcomes, body.decisions, strict=True)
    ]
    return ReviewOut(
        approved=sum(r.ok and r.decision == "approve" for r in results),
        rejected=sum(r.ok and r.decision == "reject" for r in results),
        refused=sum(not r.ok for r in results),
        results=results,
    )


@router.get(
    "/claims",
    response_model=list[ClaimOut],
    summary="Claims, newest first: an operator sees all, a citizen their own",
    responses=NOT_SIGNED_IN,
)
def list_claims(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    status: Annotated[ClaimStatus | None, Query(examples=["submitted"])] = None,
    task_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    mine: Annotated[bool, Query(description="operators: only their own claims")] = False,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[ClaimOut]:
    citizen = None if user.has("operator") and not mine else user.address
    page = service.list_claims(
        session, citizen=citizen, status=status, task_id=task_id, limit=limit, cursor=cursor
    )
    paging.send_next(response, request, page.next)
    return service.with_rewards(session, page.items)


@router.get(
    "/claims/{claim_id}",
    response_model=ClaimOut,
    summary="One claim (its citizen or an operator)",
    responses={**NOT_SIGNED_IN, **NOT_FOUND},
)
def get_claim(claim_id: RowId, user: CurrentUser, session: SessionDep) -> ClaimOut:
    claim = service.get_claim(session, claim_id, viewer=None if user.has("operator") else user.address)
    return service.with_rewards(session, [claim])[0]
