"""The open-data file: counts and amounts per month and district, nothing per event and nothing per
address, so no row can be laid beside the public chain's events to find one citizen:

- `rewards` per district and month (district from the claim's task);
- `paid_to_merchants` and `redeemed` per month for the whole city (`all`; merchants have no district).

`people` counts the distinct addresses behind a cell. A cell with fewer than `min_people`
(OPEN_DATA_MIN_CITIZENS) keeps its month, district and measure but its people, events and amount
are left blank and `suppressed` says "yes". There is no city-wide rewards row: it would give away
a suppressed district's figures by subtraction.

A closed month (backend.reports.totals: its running totals no longer change) is built once into a
file of its own under OPEN_DATA_DIR and served from disk afterwards; the months still open are built
from the events each time, in their own session, with a server-side cursor (yield_per).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.amounts import format_amount
from backend.chain.events import ZERO_ADDRESS
from backend.indexer.models import REDEEMED, REWARDED, TRANSFER, ChainEvent
from backend.reports import totals
from backend.reports.csv_cells import SafeWriter
from backend.reports.service import ALL, OPEN_DATA_COLUMNS, UNKNOWN_DISTRICT, MonthRange
from backend.rewards.installation import read_claim_ids

SUPPRESSED = "yes"
PIECE = 64 * 1024  # bytes read from a month's file at a time


@dataclass
class Cell:
    people: set[str] = field(default_factory=set)  # distinct addresses behind the cell
    events: int = 0
    units: int = 0


def _header() -> str:
    out = io.StringIO()
    SafeWriter(out).writerow(OPEN_DATA_COLUMNS)
    return out.getvalue()


HEADER = _header()


def rows_between(session: Session, min_people: int, months: MonthRange) -> str:
    """The CSV rows (no header) of the months in `months`, by month, the city's rows last in a month.
    Memory grows with the cells of these months (and their distinct people), not with the archive."""
    cells: dict[tuple[str, str, str], Cell] = {}

    def add(month: str, district: str, measure: str, person: str, units: int) -> None:
        cell = cells.setdefault((month, district, measure), Cell())
        cell.people.add(person.lower())
        cell.events += 1
        cell.units += units

    ids = read_claim_ids(session)
    query = select(
        ChainEvent.kind, ChainEvent.block_time, ChainEvent.account, ChainEvent.counterparty, ChainEvent.amount,
        ChainEvent.ref,
    ).where(ChainEvent.kind.in_((REWARDED, TRANSFER, REDEEMED)))
    if months.start is not None:
        query = query.where(ChainEvent.block_time >= months.start)
    if months.end is not None:
        query = query.where(ChainEvent.block_time < months.end)
    events = session.execute(query.execution_options(yield_per=totals.BATCH))
    for part in events.partitions():
        districts = totals.districts_of(session, ids, (row[5] for row in part if row[0] == REWARDED))
        # merchants among this piece's payees only (looked up by key, never every merchant or MerchantSet)
        merchants = totals.merchants_among(
            session, {row[3] for row in part if row[0] == TRANSFER and row[3] and row[2] != ZERO_ADDRESS}
        )
        for kind, block_time, account, counterparty, amount, ref in part:
            month, units = totals.month_of(block_time), amount or 0
            if kind == REWARDED:
                add(month, districts.get(ref or "", UNKNOWN_DISTRICT), "rewards", account, units)
            elif kind == REDEEMED:
                add(month, ALL, "redeemed", account, units)
            elif account != ZERO_ADDRESS and counterparty in merchants:
                add(month, ALL, "paid_to_merchants", account, units)

    out = io.StringIO()
    writer = SafeWriter(out)
    for (month, district, measure), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] == ALL, kv[0])):
        if len(cell.people) < min_people:
            writer.writerow((month, district, measure, "", "", "", SUPPRESSED))
        else:
            writer.writerow((month, district, measure, len(cell.people), cell.events, format_amount(cell.units), ""))
    return out.getvalue()


def _months(first: str, last: str) -> list[str]:
    """Every month from `first` through `last` (YYYY-MM), in order."""
    year, month = int(first[:4]), int(first[5:])
    out = []
    while (now := f"{year:04d}-{month:02d}") <= last:
        out.append(now)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass(frozen=True)
class Plan:
    """What a request for `months` reads: closed months from their files, the rest built live."""

    closed: list[str]  # months whose file is (or will be) on disk
    live: MonthRange | None  # the open months asked for, built from the events


def plan(session: Session, city: str, months: MonthRange) -> Plan:
    """Splits the months asked for at the last closed month. Only months between the first and the last
    indexed event are looked at (two index look-ups), so an open range costs what its months hold."""
    # Two statements: SQLite answers min() or max() alone from the index's end, both together by a scan.
    first_event = session.scalar(select(func.min(ChainEvent.block_time)))
    last_event = session.scalar(select(func.max(ChainEvent.block_time)))
    if first_event is None or last_event is None:
        return Plan([], None)
    first = max(months.first or "0000-01", totals.month_of(first_event))
    last = min(months.last or "9999-12", totals.month_of(last_event))
    if last < first:
        return Plan([], None)
    closed_through = totals.closed_through(session, city)
    closed = _months(first, min(last, closed_through)) if closed_through and closed_through >= first else []
    live_first = _next_month(closed[-1]) if closed else first
    live = MonthRange(live_first, last) if live_first <= last else None
    return Plan(closed, live)


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


class MonthFiles:
    """The files of closed months: `<dir>/<city>/open-data-<YYYY-MM>-min<k>.csv` (the minimum cell size
    is part of the name: a file built under another OPEN_DATA_MIN_CITIZENS is another file). Each is a
    complete CSV (header and that month's rows), written once, atomically (a temporary file renamed)."""

    def __init__(self, folder: Path, city: str, min_people: int) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", city.lower()).strip("-") or "city"
        self.folder = folder / slug
        self.min_people = min_people

    def path(self, month: str) -> Path:
        return self.folder / f"open-data-{month}-min{self.min_people}.csv"

    def ensure(self, sessions: sessionmaker[Session], month: str) -> Path:
        """The month's file, built now if it is not on disk yet (never again afterwards)."""
        path = self.path(month)
        if path.exists():
            return path
        with sessions() as session:
            body = rows_between(session, self.min_people, MonthRange(month, month))
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{month}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(HEADER + body)
            os.replace(temporary, path)  # two requests building it at once: the later rename wins, same bytes
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    def remove_all(self) -> int:
        """Deletes every month's file (after `heitje reports rebuild`); returns how many went."""
        gone = 0
        for path in self.folder.glob("open-data-*.csv") if self.folder.exists() else ():
            path.unlink(missing_ok=True)
            gone += 1
        return gone


def _body_of(path: Path) -> Iterator[str]:
    """A month file's rows without its header, a piece at a time."""
    with path.open(encoding="utf-8", newline="") as source:
        source.readline()
        while piece := source.read(PIECE):
            yield piece


def single_file(sessions: sessionmaker[Session], files: MonthFiles, city: str, months: MonthRange) -> Path | None:
    """The file to send as it is when exactly one closed month is asked for (else None)."""
    if not months.first or months.first != months.last:
        return None
    with sessions() as session:
        closed_through = totals.closed_through(session, city)
    if closed_through is None or months.first > closed_through:
        return None
    return files.ensure(sessions, months.first)


def csv_lines(sessions: sessionmaker[Session], files: MonthFiles, city: str, months: MonthRange) -> Iterator[str]:
    """The open-data CSV for `months`, streamed: the header first, then each closed month from its file
    (built the first time it is asked for), then the open months built from the events."""
    yield HEADER
    with sessions() as session:
        todo = plan(session, city, months)
    for month in todo.closed:
        yield from _body_of(files.ensure(sessions, month))
    if todo.live is not None:
        with sessions() as session:
            yield rows_between(session, files.min_people, todo.live)
