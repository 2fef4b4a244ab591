"""HTTP routes of the payouts domain (thin: parse, call one service function, return).

A payout is what the city owes for one confirmed `Redeemed` event: due -> exported -> paid.
`POST /payouts/sepa` puts every due payout in one pain.001 file (a batch) and answers with the
XML; the batch can be downloaded again. A single payout is marked paid with
`POST /payouts/{id}/paid`, a whole file with `POST /payouts/batches/{id}/paid`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from backend import paging
from backend.audit import service as audit
from backend.auth.deps import CurrentOperator
from backend.deps import SessionDep, SettingsDep
from backend.payouts import service
from backend.payouts.schemas import BatchOut, PayoutOut

router = APIRouter(prefix="/payouts", tags=["payouts"])

MAX_ID = 2**63 - 1  # the id columns are BIGINT: a larger number is a 422, never a database overflow
PayoutId = Annotated[int, Path(ge=1, le=MAX_ID, description="a payout's id")]
BatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="a SEPA batch's id")]

XML_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
    "<CstmrCdtTrfInitn><GrpHdr><MsgId>HEITJE-20260302090000-7</MsgId>...</GrpHdr><PmtInf>...</PmtInf>"
    "</CstmrCdtTrfInitn></Document>"
)
XML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/xml": {"example": XML_EXAMPLE}},
        "description": "a pain.001.001.03 credit-transfer file",
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "not an operator"},
}


def _xml(batch_xml: str, batch_id: int, extra: dict[str, str] | None = None) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="heitje-payouts-{batch_id}.xml"',
        "X-Payout-Batch-Id": str(batch_id),
        **(extra or {}),
    }
    return Response(content=batch_xml, media_type="application/xml", headers=headers)


@router.get("", summary="List payouts (operator)", response_model=list[PayoutOut], responses=ERRORS)
def list_payouts(
    session: SessionDep,
    _: CurrentOperator,
    request: Request,
    response: Response,
    status: Annotated[Literal["due", "exported", "paid", "flagged"] | None, Query()] = None,
    reorged: Annotated[bool | None, Query(description="only payouts whose event a reorg removed")] = None,
    batch_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[PayoutOut]:
    page = service.list_payouts(
        session, status=status, reorged=reorged, batch_id=batch_id, limit=limit, cursor=cursor
    )
    paging.send_next(response, request, page.next)
    return [PayoutOut.of(v) for v in page.items]


@router.post(
    "/sepa",
    summary="Export every due payout as a SEPA credit-transfer file (operator)",
    description="Builds one pain.001.001.03 file from the city's account (CITY_NAME, CITY_IBAN, CITY_BIC) "
    "and marks its payouts exported in the same transaction. The answer is the XML; header "
    "`X-Payout-Batch-Id` names the batch (download it again from /payouts/batches/{id}/sepa), "
    "`X-Payouts-Skipped` counts due payouts left out (no merchant record with an IBAN). "
    "409 `nothing_to_pay` when there is nothing to export. A file above SEPA_FOUR_EYES_TOTAL is answered "
    "202 `awaiting_approval` (JSON) instead: another operator confirms it at /payouts/batches/{id}/confirm.",
    response_class=Response,
    responses={
        **XML_RESPONSE, **ERRORS, 202: {"description": "awaiting a second operator (four eyes)"},
        409: {"description": "`nothing_to_pay`"},
    },
)
def export_sepa(session: SessionDep, settings: SettingsDep, operator: CurrentOperator) -> Response:
    export = service.export_due(session, settings, operator=operator.address)
    headers = {"X-Payout-Batch-Id": str(export.batch.id), "X-Payouts-Skipped": str(len(export.skipped))}
    if audit.is_held(session, export.batch.id):  # four eyes: no XML until a second operator confirms
        body = {"batch_id": export.batch.id, "status": "awaiting_approval", "total_cents": export.batch.total_cents}
        return JSONResponse(body, status_code=202, headers=headers)
    return _xml(export.batch.xml, export.batch.id, {"X-Payouts-Skipped": str(len(export.skipped))})


@router.get(
    "/batches",
    summary="List SEPA batches, newest first (operator)",
    description="Paged (README, \"Lists and paging\"); without the files (download one at /batches/{id}/sepa).",
    response_model=list[BatchOut],
    responses=ERRORS,
)
def list_batches(
    session: SessionDep,
    _: CurrentOperator,
    request: Request,
    response: Response,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[BatchOut]:
    page = service.list_batches(session, limit=limit, cursor=cursor)
    paging.send_next(response, request, page.next)
    return [BatchOut.of(b) for b in page.items]


@router.get(
    "/batches/{batch_id}/sepa",
    summary="Download a SEPA batch's file again (operator)",
    response_class=Response,
    responses={
        **XML_RESPONSE, **ERRORS, 404: {"description": "no such batch"},
        409: {"description": "`awaiting_approval` (four eyes)"},
    },
)
def download_batch(batch_id: BatchId, session: SessionDep, _: CurrentOperator) -> Response:
    batch = service.get_batch(session, batch_id)
    audit.require_released(session, batch.id)  # four eyes
    return _xml(batch.xml, batch.id)


@router.post(
    "/batches/{batch_id}/paid",
    summary="Mark every payout of a SEPA batch paid (operator)",
    description="The bank executed the file: its exported payouts become paid. Idempotent.",
    response_model=BatchOut,
    responses={**ERRORS, 404: {"description": "no such batch"}},
)
def batch_paid(batch_id: BatchId, session: SessionDep, settings: SettingsDep, operator: CurrentOperator) -> BatchOut:
    return BatchOut.of(service.mark_batch_paid(session, batch_id, city=settings.city_name, operator=operator.address))


@router.post(
    "/{payout_id}/paid",
    summary="Mark one payout paid (operator)",
    description="exported -> paid; a paid payout stays paid (idempotent). "
    "409 `payout_not_exported` for a due one.",
    response_model=PayoutOut,
    responses={
        **ERRORS,
        404: {"description": "no such payout"},
        409: {"description": "`payout_not_exported`"},
    },
)
def payout_paid(
    payout_id: PayoutId, session: SessionDep, settings: SettingsDep, operator: CurrentOperator
) -> PayoutOut:
    paid = service.mark_paid(session, payout_id, city=settings.city_name, operator=operator.address)
    return PayoutOut.of(service.view_of(session, paid))
