"""HTTP routes of the audit trail (read-only: there is no PUT, PATCH or DELETE) and the four-eyes
confirmation of a SEPA batch."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend import paging
from backend.audit import service
from backend.audit.models import ACTIONS, AuditEntry
from backend.auth.deps import CurrentOperator
from backend.deps import RowId, RuntimeDep, SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])
four_eyes_router = APIRouter(prefix="/payouts", tags=["payouts"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "not an operator"},
}
Action = Literal[ACTIONS]  # type: ignore[valid-type]


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="the operator's address, or `cli` for the command line")
    action: str = Field(examples=["claim_approved"])
    subject: str = Field(examples=["claim:12"])
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=json.loads(entry.details or "{}"),
        )


class HoldOut(BaseModel):
    batch_id: int
    status: Literal["awaiting_approval", "released"]
    exported_by: str
    confirmed_by: str | None
    confirmed_at: datetime | None

    @classmethod
    def of(cls, hold: service.Hold) -> HoldOut:
        return cls(**hold.__dict__)


@router.get(
    "",
    summary="The audit trail: every operator decision, newest first (operator)",
    description="Filter by actor, action, subject and time (since <= at < until). Paged: `limit` rows, the next "
    "page's cursor in the `X-Next-Cursor` header (README, \"Lists and paging\"). `?format=csv` downloads every "
    "entry the filters select as CSV, streamed.",
    response_model=list[AuditEntryOut],
    responses={
        **ERRORS,
        200: {"content": {"text/csv": {"example": ",".join(service.CSV_COLUMNS) + "\n"}}},
    },
)
def list_audit(
    runtime: RuntimeDep,
    session: SessionDep,
    _: CurrentOperator,
    request: Request,
    response: Response,
    actor: Annotated[str | None, Query(max_length=42)] = None,
    action: Annotated[Action | None, Query()] = None,
    subject: Annotated[str | None, Query(max_length=80, examples=["claim:12"])] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # noqa: A002
) -> list[AuditEntryOut] | Response:
    filters = service.Filters(actor=actor, action=action, subject=subject, since=since, until=until)
    if format == "csv":
        return StreamingResponse(
            service.entries_csv_lines(runtime.read_sessions, filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="heitje-audit.csv"'},
        )
    page = service.list_entries(session, filters, limit=limit, cursor=cursor)
    paging.send_next(response, request, page.next)
    return [AuditEntryOut.of(e) for e in page.items]


@router.get(
    "/{entry_id}",
    summary="One audit entry (operator)",
    response_model=AuditEntryOut,
    responses={**ERRORS, 404: {"description": "no such entry"}},
)
def get_audit_entry(entry_id: RowId, session: SessionDep, _: CurrentOperator) -> AuditEntryOut:
    return AuditEntryOut.of(service.get_entry(session, entry_id))


@four_eyes_router.get(
    "/releases",
    summary="SEPA batches under the four-eyes rule and whether they are released, newest first (operator)",
    description="Paged (README, \"Lists and paging\").",
    response_model=list[HoldOut],
    responses=ERRORS,
)
def list_releases(
    session: SessionDep,
    _: CurrentOperator,
    request: Request,
    response: Response,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[HoldOut]:
    page = service.list_holds(session, limit=limit, cursor=cursor)
    paging.send_next(response, request, page.next)
    return [HoldOut.of(h) for h in page.items]


@four_eyes_router.post(
    "/batches/{batch_id}/confirm",
    summary="Confirm a SEPA batch above the four-eyes total (a second operator)",
    description="Releases the file for download. 409 `same_operator` for the operator who exported it, "
    "409 `not_awaiting_approval` for a batch that waits for nothing.",
    response_model=HoldOut,
    responses={**ERRORS, 409: {"description": "`same_operator`, `not_awaiting_approval`"}},
)
def confirm_batch(batch_id: RowId, session: SessionDep, operator: CurrentOperator) -> HoldOut:
    return HoldOut.of(service.confirm(session, batch_id=batch_id, operator=operator.address))
