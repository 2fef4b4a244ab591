"""HTTP routes of the audit trail (read-only: there is no PUT, PATCH or DELETE) and the four-eyes
confirmation of a SEPA batch."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from backend.audit import service
from backend.audit.models import ACTIONS, AuditEntry
from backend.auth.deps import CurrentOperator
from backend.deps import RowId, SessionDep

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
    description="Filter by actor, action, subject and time (since <= at < until). `?format=csv` downloads CSV.",
    response_model=list[AuditEntryOut],
    responses={
        **ERRORS,
        200: {"content": {"text/csv": {"example": ",".join(service.CSV_COLUMNS) + "\n"}}},
    },
)
def list_audit(
    session: SessionDep,
    _: CurrentOperator,
    actor: Annotated[str | None, Query(max_length=42)] = None,
    action: Annotated[Action | None, Query()] = None,
    subject: Annotated[str | None, Query(max_length=80, examples=["claim:12"])] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # noqa: A002
) -> list[AuditEntryOut] | Response:
    entries = service.list_entries(
        session, actor=actor, action=action, subject=subject, since=since, until=until, limit=limit, offset=offset
    )
    if format == "csv":
        return Response(
            content=service.entries_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="heitje-audit.csv"'},
        )
    return [AuditEntryOut.of(e) for e in entries]


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
    summary="SEPA batches under the four-eyes rule and whether they are released (operator)",
    response_model=list[HoldOut],
    responses=ERRORS,
)
def list_releases(session: SessionDep, _: CurrentOperator) -> list[HoldOut]:
    return [HoldOut.of(h) for h in service.list_holds(session)]


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
