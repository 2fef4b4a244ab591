"""HTTP routes of the reports domain (thin: parse, call one service function, return)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from backend.amounts import format_amount
from backend.auth.deps import CurrentOperator
from backend.db import utcnow
from backend.deps import RuntimeDep, SessionDep
from backend.errors import ChainUnavailable
from backend.privacy.service import removal_totals
from backend.reports import open_data, service

router = APIRouter(prefix="/reports", tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "not an operator"},
}


class ReportRow(BaseModel):
    month: str = Field(description="YYYY-MM (UTC)")
    district: str = Field(description='"all" for the whole city, else a task district')
    tasks_done: int
    minutes_worked: int
    coins_rewarded: str
    coins_paid_to_merchants: str | None = Field(
        description="None in district rows: merchants have no district"
    )
    coins_redeemed: str | None
    euros_paid_out: str | None


class AuditCount(BaseModel):
    month: str = Field(description="YYYY-MM (UTC)")
    action: str = Field(examples=["claim_approved"])
    count: int


class SummaryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {
                            "month": "2026-03",
                            "district": "all",
                            "tasks_done": 12,
                            "minutes_worked": 1440,
                            "coins_rewarded": "168.00",
                            "coins_paid_to_merchants": "90.00",
                            "coins_redeemed": "60.00",
                            "euros_paid_out": "60.00",
                        },
                        {
                            "month": "2026-03",
                            "district": "Heerlerheide",
                            "tasks_done": 5,
                            "minutes_worked": 600,
                            "coins_rewarded": "70.00",
                            "coins_paid_to_merchants": None,
                            "coins_redeemed": None,
                            "euros_paid_out": None,
                        },
                    ],
                    "circulating_supply": "108.00",
                    "indexed_supply": "108.00",
                    "indexed_to_block": 1042,
                    "generated_at": "2026-04-01T08:00:00Z",
                }
            ]
        }
    )

    city: str = Field(description="the city these figures are for (CITY_NAME)")
    rows: list[ReportRow]
    circulating_supply: str | None = Field(
        description="totalSupply() on the chain now; None if the node is down"
    )
    indexed_supply: str = Field(
        description="rewarded - redeemed in the indexed events (equals the supply when "
        "the indexer is caught up)"
    )
    indexed_to_block: int | None
    generated_at: datetime
    audit: list[AuditCount] = Field(
        default_factory=list,
        description="appendix: operator decisions per month and action (the entries: GET /api/v1/audit)",
    )
    # privacy (issue 13): what retention and erasures removed so far, per kind
    privacy_removals: dict[str, int] = Field(default_factory=dict)


def _supply(runtime: RuntimeDep) -> int | None:
    try:
        return runtime.chain.total_supply()
    except ChainUnavailable:
        return None


MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
FromMonth = Annotated[
    str | None, Query(alias="from", pattern=MONTH, description="first month, YYYY-MM (UTC); open if left out")
]
ToMonth = Annotated[str | None, Query(alias="to", pattern=MONTH, description="last month, YYYY-MM (UTC), included")]


def _csv(lines: Iterator[str], filename: str, headers: dict[str, str] | None = None) -> StreamingResponse:
    """A CSV answer streamed as it is read (the first line goes out before the database is asked)."""
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {
                "example": ",".join(service.CSV_COLUMNS) + "\n2026-03,all,12,1440,168.00,90.00,60.00,60.00\n"
            }
        },
        "description": "the summary as CSV (JSON with ?format=json)",
    }
}


@router.get(
    "/summary",
    summary="Figures by month and district (operator)",
    description="Tasks done, minutes worked, coins rewarded, paid to merchants and redeemed, euros paid out "
    "(read from the running totals); the circulating supply from the chain. `from` and `to` (YYYY-MM) bound "
    "the months. `?format=csv` (or GET /reports/summary.csv) downloads CSV, streamed.",
    response_model=SummaryOut,
    responses={**ERRORS, **CSV_RESPONSE},
)
def get_summary(
    runtime: RuntimeDep,
    session: SessionDep,
    _: CurrentOperator,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",  # noqa: A002
    first: FromMonth = None,
    last: ToMonth = None,
    dialect: Annotated[
        Literal["standard", "nl"],
        Query(description="CSV only: standard (commas, decimal points) or nl (semicolons, decimal commas, "
              "Dutch headers: what Dutch Excel opens as columns and numbers)"),
    ] = "standard",
) -> SummaryOut | Response:
    months, city = service.MonthRange(first, last), runtime.settings.city_name
    supply = _supply(runtime)
    if format == "csv":
        headers = {"X-Circulating-Supply": format_amount(supply)} if supply is not None else {}
        name = "heitje-overzicht.csv" if dialect == "nl" else "heitje-summary.csv"
        return _csv(service.summary_csv_lines(runtime.read_sessions, city, months, dialect), name, headers)
    result = service.summary(session, runtime.deployment.address, city, months)
    return SummaryOut(
        city=city,
        rows=[ReportRow(**r.as_strings()) for r in result.rows],  # type: ignore[arg-type]
        circulating_supply=None if supply is None else format_amount(supply),
        indexed_supply=format_amount(result.indexed_supply),
        indexed_to_block=result.indexed_to_block,
        generated_at=utcnow(),
        audit=[AuditCount(month=m, action=a, count=n) for (m, a), n in result.audit.items()],
        privacy_removals=removal_totals(session),
    )


@router.get(
    "/summary.csv",
    summary="Figures by month and district as CSV (operator)",
    response_class=Response,
    responses={**ERRORS, **CSV_RESPONSE},
)
def get_summary_csv(
    runtime: RuntimeDep,
    session: SessionDep,
    user: CurrentOperator,
    first: FromMonth = None,
    last: ToMonth = None,
    dialect: Annotated[
        Literal["standard", "nl"], Query(description="standard, or nl (semicolons, decimal commas)")
    ] = "standard",
) -> Response:
    return get_summary(  # type: ignore[return-value]
        runtime, session, user, format="csv", first=first, last=last, dialect=dialect
    )


@router.get(
    "/open-data",
    summary="Aggregated open data per month and district, for publication (operator)",
    description="CSV: month, district, measure (rewards | paid_to_merchants | redeemed), people (distinct "
    "addresses), events, amount, suppressed. No row per event or per address. A cell with fewer than "
    "OPEN_DATA_MIN_CITIZENS people has blank figures and suppressed=yes. `from` and `to` (YYYY-MM) bound the "
    "months. A closed month's rows are built once into a file (OPEN_DATA_DIR) and served from disk; the open "
    "months are read with a server-side cursor; the answer is streamed.",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "content": {
                "text/csv": {
                    "example": ",".join(service.OPEN_DATA_COLUMNS) + "\n"
                    "2026-03,Zuid,rewards,7,9,131.50,\n2026-03,Noord,rewards,,,,yes\n"
                }
            },
            "description": "the open-data CSV",
        },
    },
)
def get_open_data(
    runtime: RuntimeDep, _: CurrentOperator, first: FromMonth = None, last: ToMonth = None
) -> Response:
    months, settings = service.MonthRange(first, last), runtime.settings
    files = open_data.MonthFiles(settings.open_data_dir, settings.city_name, settings.open_data_min_citizens)
    one = open_data.single_file(runtime.read_sessions, files, settings.city_name, months)
    if one is not None:  # one closed month: its file as it lies on disk
        return FileResponse(one, media_type="text/csv; charset=utf-8", filename="heitje-open-data.csv")
    return _csv(open_data.csv_lines(runtime.read_sessions, files, settings.city_name, months), "heitje-open-data.csv")
