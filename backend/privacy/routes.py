"""HTTP routes of the privacy domain: a citizen's export, erasure and yearly statement; operators'
statement for a citizen (thin: parse, call one service function, return)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from backend.amounts import AddressError, parse_address
from backend.auth.deps import CurrentCitizen, CurrentOperator, CurrentUser
from backend.deps import RuntimeDep, SessionDep
from backend.errors import ValidationFailed
from backend.privacy import service
from backend.privacy.page import export_html
from backend.privacy.statement import render_pdf, yearly_statement

router = APIRouter(tags=["privacy"])
NOT_SIGNED_IN: dict[int | str, dict[str, Any]] = {401: {"description": "not signed in"}}
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "the PDF"}}
Year = Annotated[int, Path(ge=2000, le=2200, description="Calendar year (UTC)", examples=[2026])]
Lang = Annotated[Literal["nl", "en"], Query(description="Dutch (default) or English")]


class ErasedOut(BaseModel):
    claims_kept_pseudonymous: int = Field(description="claims kept as amounts for the books, without your address")
    photos_deleted: int
    notes_deleted: int
    sign_ins_deleted: int
    payments_pseudonymised: int
    rewards_kept_until_year_end: int = Field(
        description="this year's rewards keep the address until 31 December (the yearly cap counts them)"
    )


def _export(runtime: RuntimeDep, session: SessionDep, address: str) -> dict[str, Any]:
    return service.export(session, runtime.settings, address, contract=runtime.deployment.address)


@router.get(
    "/me/export",
    summary="Everything Heitje holds about you (JSON, or a readable page with ?format=html)",
    responses={**NOT_SIGNED_IN, 200: {"content": {"application/json": {}, "text/html": {}}}},
)
def get_export(
    runtime: RuntimeDep,
    session: SessionDep,
    user: CurrentUser,
    format: Annotated[Literal["json", "html"], Query(description="json (default) or html")] = "json",  # noqa: A002
) -> Any:
    data = _export(runtime, session, user.address)
    if format == "html":
        return HTMLResponse(export_html(data), headers={"Cache-Control": "private, no-store"})
    return data


@router.get(
    "/me/export.html", summary="Your data as a readable page", response_class=HTMLResponse, responses=NOT_SIGNED_IN
)
def get_export_html(runtime: RuntimeDep, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    data = _export(runtime, session, user.address)
    return HTMLResponse(export_html(data), headers={"Cache-Control": "private, no-store"})


@router.post(
    "/me/erase",
    response_model=ErasedOut,
    summary="Erase your personal data (photos, notes, sign-ins; claims kept as pseudonymous amounts)",
    responses={**NOT_SIGNED_IN, 409: {"description": "`erasure_blocked`: a claim or money is still under way"}},
)
def post_erase(runtime: RuntimeDep, session: SessionDep, user: CurrentCitizen, tasks: BackgroundTasks) -> ErasedOut:
    result = service.erase(session, runtime, user.address)
    # The files go once the transaction has committed (background tasks run after the answer, which
    # goes out after the commit); a crash in between leaves orphans that the retention worker removes.
    tasks.add_task(service.delete_photo_files, runtime.settings.photo_dir, result.photo_files)
    return ErasedOut(
        claims_kept_pseudonymous=result.claims,
        photos_deleted=result.photos,
        notes_deleted=result.notes,
        sign_ins_deleted=result.sign_ins,
        payments_pseudonymised=result.payments,
        rewards_kept_until_year_end=result.rewards_kept_for_cap,
    )


def _pdf(runtime: RuntimeDep, session: SessionDep, address: str, year: int, lang: str) -> Response:
    statement = yearly_statement(
        session, runtime.settings, address=address, year=year, contract=runtime.deployment.address
    )
    return Response(
        render_pdf(statement, lang),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="heitje-statement-{year}-{address[:10]}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/me/statement/{year}",
    summary="Your yearly statement of rewards (PDF, Dutch or English)",
    response_class=Response,
    responses={**NOT_SIGNED_IN, **PDF},
)
def get_my_statement(
    runtime: RuntimeDep, session: SessionDep, user: CurrentUser, year: Year, lang: Lang = "nl"
) -> Response:
    return _pdf(runtime, session, user.address, year, lang)


@router.get(
    "/citizens/{address}/statement/{year}",
    summary="A citizen's yearly statement, produced on request (operator)",
    response_class=Response,
    responses={**NOT_SIGNED_IN, 403: {"description": "not an operator"}, **PDF},
)
def get_citizen_statement(
    runtime: RuntimeDep, session: SessionDep, _: CurrentOperator, address: str, year: Year, lang: Lang = "nl"
) -> Response:
    try:
        checksummed = parse_address(address)
    except AddressError as exc:
        raise ValidationFailed(str(exc), field="address") from exc
    return _pdf(runtime, session, checksummed, year, lang)
