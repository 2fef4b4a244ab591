"""Figures for the city: by month and district, from the indexed chain events and the task records.

Months are calendar months in UTC. A month's row with district "all" holds every figure for the
city; the per-district rows hold what can be attributed to a district (tasks done, minutes worked
and coins rewarded, through the claim -> task link); coins paid to merchants, coins redeemed and
euros paid out have no district (merchants are not tied to one) and are None there.

- tasks_done / minutes_worked: approved claims by the month of approval (minutes from the task)
- coins_rewarded: `Rewarded` events by the month of their block
- coins_paid_to_merchants: `Transfer` events from a holder (not a mint) to a merchant (an address
  in the merchant registry, or ever accepted by a `MerchantSet` event)
- coins_redeemed: `Redeemed` events; euros_paid_out: payouts marked paid, by the month paid
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.amounts import format_amount
from backend.audit import service as audit
from backend.chain.events import ZERO_ADDRESS
from backend.errors import MonthRangeReversed, ValidationFailed
from backend.indexer.models import IndexerCheckpoint
from backend.reports import totals
from backend.reports.csv_cells import SafeDictWriter
from backend.reports.models import ReportTotal

ALL = totals.ALL
UNKNOWN_DISTRICT = totals.UNKNOWN_DISTRICT
CSV_COLUMNS = (
    "city",
    "month",
    "district",
    "tasks_done",
    "minutes_worked",
    "coins_rewarded",
    "coins_paid_to_merchants",
    "coins_redeemed",
    "euros_paid_out",
)


@dataclass
class Row:
    month: str
    district: str
    tasks_done: int = 0
    minutes_worked: int = 0
    coins_rewarded: int = 0  # units
    coins_paid_to_merchants: int = 0  # units; city rows only
    coins_redeemed: int = 0  # units; city rows only
    euros_paid_out: int = 0  # cents; city rows only

    @classmethod
    def of(cls, total: ReportTotal) -> Row:
        return cls(total.month, total.district, **{name: getattr(total, name) for name in totals.FIGURES})

    def as_strings(self) -> dict[str, str | int | None]:
        city = self.district == ALL

        def money(value: int, *, city_only: bool = False) -> str | None:
            return None if city_only and not city else format_amount(value)

        return {
            "month": self.month,
            "district": self.district,
            "tasks_done": self.tasks_done,
            "minutes_worked": self.minutes_worked,
            "coins_rewarded": money(self.coins_rewarded),
            "coins_paid_to_merchants": money(self.coins_paid_to_merchants, city_only=True),
            "coins_redeemed": money(self.coins_redeemed, city_only=True),
            "euros_paid_out": money(self.euros_paid_out, city_only=True),
        }


@dataclass
class Summary:
    rows: list[Row] = field(default_factory=list)
    indexed_supply: int = 0  # units rewarded - units redeemed, from the indexed events
    indexed_to_block: int | None = None
    audit: dict[tuple[str, str], int] = field(default_factory=dict)  # appendix: (month, action) -> decisions


@dataclass(frozen=True)
class MonthRange:
    """Months `first` through `last` (YYYY-MM, either open) and the times they span [start, end)."""

    first: str | None = None
    last: str | None = None

    def __post_init__(self) -> None:
        # Checked here, before a streamed answer starts: an error inside the stream can only cut it off.
        for name, month in (("from", self.first), ("to", self.last)):
            if month and not (1 <= int(month[5:]) <= 12 and 1 <= int(month[:4]) <= 9998):
                raise ValidationFailed(f"{name}: {month} is not a month (YYYY-MM, 01 to 12)", field=name)
        if self.first and self.last and self.last < self.first:
            raise MonthRangeReversed(self.first, self.last)

    @property
    def start(self) -> datetime | None:
        return None if not self.first else datetime(int(self.first[:4]), int(self.first[5:]), 1, tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        if not self.last:
            return None
        year, month = int(self.last[:4]), int(self.last[5:])
        return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def summary(session: Session, contract: str, city: str, months: MonthRange | None = None) -> Summary:
    """The running totals of `city` (backend.reports.totals): a few rows per month, whatever the archive holds."""
    months = months or MonthRange()
    rows = [Row.of(total) for total in totals.rows_between(session, city, months.first, months.last)]
    rewarded, redeemed = session.execute(
        select(
            func.coalesce(func.sum(ReportTotal.coins_rewarded), 0),
            func.coalesce(func.sum(ReportTotal.coins_redeemed), 0),
        ).where(ReportTotal.city == city, ReportTotal.district == ALL)
    ).one()
    checkpoint = session.get(IndexerCheckpoint, contract)
    indexed_to = checkpoint.block_number if checkpoint else None
    decisions = audit.counts_by_month(session, months.start, months.end)
    return Summary(rows, int(rewarded) - int(redeemed), indexed_to, decisions)


# Dutch spreadsheet conventions (?dialect=nl): Dutch headers, semicolons, decimal commas.
CSV_COLUMNS_NL = {
    "city": "gemeente",
    "month": "maand",
    "district": "wijk",
    "tasks_done": "klusjes_gedaan",
    "minutes_worked": "minuten_gewerkt",
    "coins_rewarded": "heitjes_beloond",
    "coins_paid_to_merchants": "heitjes_betaald_aan_winkels",
    "coins_redeemed": "heitjes_ingewisseld",
    "euros_paid_out": "euros_uitbetaald",
}
MONEY_COLUMNS = ("coins_rewarded", "coins_paid_to_merchants", "coins_redeemed", "euros_paid_out")


def _csv_writer(out: io.StringIO, dialect: str) -> SafeDictWriter:
    nl = dialect == "nl"
    return SafeDictWriter(out, CSV_COLUMNS_NL.values() if nl else CSV_COLUMNS, delimiter=";" if nl else ",")


def _csv_row(r: Row, city: str, dialect: str) -> dict[str, str | int | None]:
    """A summary row for the CSV: as is, or (dialect "nl") with decimal commas, Dutch headers and "alle"."""
    row = {"city": city, **r.as_strings()}
    if dialect == "nl":
        for key in MONEY_COLUMNS:
            if row[key] is not None:
                row[key] = str(row[key]).replace(".", ",")
        row["district"] = "alle" if r.district == ALL else r.district
        row = {CSV_COLUMNS_NL[k]: v for k, v in row.items()}
    return row


class _Line(io.StringIO):
    """A buffer that hands back what a csv writer wrote since the last `take` (for streaming)."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


LINES_PER_PIECE = 500


def summary_csv_lines(
    sessions: sessionmaker[Session], city: str, months: MonthRange, dialect: str = "standard"
) -> Iterator[str]:
    """The summary as CSV (see summary_csv), streamed in pieces, read from the running totals in its own
    session (the request's has ended by the time a streamed answer is sent)."""
    out = _Line()
    writer = _csv_writer(out, dialect)
    writer.writeheader()
    yield out.take()
    with sessions() as session:
        for count, total in enumerate(totals.rows_between(session, city, months.first, months.last), start=1):
            writer.writerow(_csv_row(Row.of(total), city, dialect))
            if count % LINES_PER_PIECE == 0:  # a piece at a time: each one is a hop to the server's thread pool
                yield out.take()
    yield out.take()


def summary_csv(result: Summary, dialect: str = "standard", city: str = "") -> str:
    """The summary as CSV: commas and decimal points, or (dialect "nl") what Dutch Excel opens as
    columns and numbers: semicolons, decimal commas, Dutch headers ("all" districts as "alle")."""
    out = io.StringIO()
    writer = _csv_writer(out, dialect)
    writer.writeheader()
    for r in result.rows:
        writer.writerow(_csv_row(r, city, dialect))
    return out.getvalue()


# --- open data -----------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = ("month", "district", "measure", "people", "events", "amount", "suppressed")


def pseudonym(salt: str, address: str | None) -> str:
    """A salted hash standing for an address (HMAC-SHA256, 80 bits shown). No longer used by the open
    data (a pseudonym that links rows lets them be joined back to the chain); kept for callers that
    need a stable, non-reversible label for one address."""
    if not address or address == ZERO_ADDRESS:
        return ""
    return hmac.new(salt.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:20]
