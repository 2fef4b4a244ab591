"""Recording and reading the audit trail, and the four-eyes rule for SEPA files.

`record` is called by the service (or route) that makes the decision, on the decision's session: the
entry commits with the decision or not at all. There is no function that changes or removes an entry.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Select, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from backend import paging
from backend.amounts import parse_amount
from backend.audit.models import AWAITING, RELEASED, AuditEntry, SepaRelease
from backend.db import utcnow
from backend.errors import AwaitingSecondOperator, NotAwaitingApproval, NotFound, SameOperator
from backend.reports.csv_cells import SafeWriter
from backend.settings import Settings

CSV_COLUMNS = ("id", "at", "actor", "action", "subject", "details")


def record(session: Session, actor: str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
    """Appends one entry: `actor` decided `action` on `subject` (e.g. "claim:12"), with `details`."""
    session.add(AuditEntry(**_entry(actor, action, subject, details)))


class Entries:
    """Entries of one transaction gathered in memory and appended with one INSERT by `write` (a bulk
    review records hundreds: as ORM objects, each one's new id was read back from the database)."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def record(self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
        self._rows.append(_entry(actor, action, subject, details))

    def write(self, session: Session) -> None:
        """Appends the gathered entries, in the order recorded, in `session`'s transaction."""
        if self._rows:
            session.execute(insert(AuditEntry), self._rows)
            self._rows = []


def _entry(actor: str, action: str, subject: str, details: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": json.dumps(details or {}, sort_keys=True, default=str),
    }


AUDIT_ORDER = (paging.Key(AuditEntry.id, int),)  # newest first
BATCH = 500  # entries read at a time for the CSV


@dataclass(frozen=True)
class Filters:
    """Which entries: by who, what, on what and when (since <= at < until); None leaves a filter out."""

    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Select[AuditEntry]:
        query = select(AuditEntry)
        for column, value in ((AuditEntry.actor, self.actor), (AuditEntry.action, self.action),
                              (AuditEntry.subject, self.subject)):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(AuditEntry.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEntry.at < self.until)
        return query


def list_entries(
    session: Session, filters: Filters | None = None, *, limit: int | None = None, cursor: str | None = None
) -> paging.Page[AuditEntry]:
    """One page of the entries `filters` selects, newest first."""
    query = (filters or Filters()).query()
    rows = list(session.scalars(paging.keyset(query, AUDIT_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda e: (e.id,))


def entries_csv_lines(sessions: sessionmaker[Session], filters: Filters | None = None) -> Iterator[str]:
    """Every entry `filters` selects, newest first, as CSV, streamed: the header first, then the entries
    read in their own session with a server-side cursor (the request's session has ended by then)."""
    out = io.StringIO()
    writer = SafeWriter(out)  # a title or subject starting with = is not run by a spreadsheet
    writer.writerow(CSV_COLUMNS)
    yield _take(out)
    query = (filters or Filters()).query().order_by(AuditEntry.id.desc())
    with sessions() as session:
        for part in session.scalars(query.execution_options(yield_per=BATCH)).partitions():
            for e in part:
                writer.writerow(_csv_row(e))
            yield _take(out)


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _csv_row(e: AuditEntry) -> tuple[object, ...]:
    return (e.id, e.at.isoformat(), e.actor, e.action, e.subject, e.details)


def get_entry(session: Session, entry_id: int) -> AuditEntry:
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFound("audit entry", entry_id)
    return entry


def entries_csv(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)  # a title or subject starting with = is not run by a spreadsheet
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(_csv_row(e))
    return out.getvalue()


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _next_month(moment: datetime) -> datetime:
    return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)


# database engine -> YYYY-MM -> that month's counts per action, for months that are over. An entry is written
# with the time it is written (`record`) and never changed or removed (the database refuses), so a month that
# is over never changes: counted once per process, then read from here.
_past_months: WeakKeyDictionary[Engine, dict[str, dict[str, int]]] = WeakKeyDictionary()


def forget_counted_months(engine: Engine) -> None:
    """Drops what `counts_by_month` kept for `engine` (for tests, which empty the trail with its guard lifted)."""
    _past_months.pop(engine, None)


def _count(session: Session, start: datetime | None, end: datetime | None) -> dict[tuple[str, str], int]:
    """(YYYY-MM, action) -> decisions at start <= at < end, counted by the database."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", AuditEntry.at), "YYYY-MM")
    else:  # SQLite keeps the UTC time as text, "YYYY-MM-DD HH:MM:SS..."
        month = func.substr(AuditEntry.at, 1, 7)
    query = select(month, AuditEntry.action, func.count().label("n")).group_by(month, AuditEntry.action)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    return {(str(row[0]), str(row[1])): int(row.n) for row in session.execute(query).all()}


def counts_by_month(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> dict[tuple[str, str], int]:
    """(YYYY-MM, action) -> how many decisions at start <= at < end (either open; each the first moment of
    a month, UTC, as the summary's month range gives them): the council report's appendix. Months that are
    over are counted once (then kept, see `_past_months`); the current month is counted each time, from
    the index on `at`."""
    if any(t is not None and t != _month_start(t) for t in (start, end)):
        raise ValueError("counts_by_month takes whole months")
    kept = _past_months.setdefault(session.get_bind().engine, {})
    this_month = _month_start(utcnow())
    first = session.scalar(select(func.min(AuditEntry.at)))
    if first is None:
        return {}
    counted: dict[tuple[str, str], int] = {}
    begin = _month_start(max(start, first) if start is not None else first)
    past_end = min(end, this_month) if end is not None else this_month
    months, moment = [], begin
    while moment < past_end:
        months.append(moment)
        moment = _next_month(moment)
    missing = [m for m in months if f"{m:%Y-%m}" not in kept]
    if missing:
        found = _count(session, missing[0], _next_month(missing[-1]))
        for m in missing:
            label = f"{m:%Y-%m}"
            kept[label] = {a: n for (month, a), n in found.items() if month == label}
    for m in months:
        label = f"{m:%Y-%m}"
        counted |= {(label, action): n for action, n in kept[label].items()}
    if end is None or end > this_month:  # the month under way
        counted |= _count(session, max(this_month, start) if start is not None else this_month, end)
    return dict(sorted(counted.items()))


# --- four eyes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    batch_id: int
    status: str
    exported_by: str
    confirmed_by: str | None
    confirmed_at: datetime | None


def _hold(release: SepaRelease) -> Hold:
    return Hold(release.batch_id, release.status, release.exported_by, release.confirmed_by, release.confirmed_at)


def hold_if_needed(
    session: Session, settings: Settings, *, batch_id: int, total_cents: int, operator: str
) -> Hold | None:
    """A batch above SEPA_FOUR_EYES_TOTAL waits for a second operator (awaiting_approval); below
    (or with the rule off) it is released at once and no row is written."""
    limit = settings.sepa_four_eyes_total
    if limit is None or total_cents <= parse_amount(limit):
        return None
    release = SepaRelease(batch_id=batch_id, status=AWAITING, exported_by=operator)
    session.add(release)
    session.flush()
    return _hold(release)


def is_held(session: Session, batch_id: int) -> bool:
    release = session.get(SepaRelease, batch_id)
    return release is not None and release.status == AWAITING


def require_released(session: Session, batch_id: int) -> None:
    """Refuses (AwaitingSecondOperator) a batch that still waits for its second operator."""
    release = session.get(SepaRelease, batch_id)
    if release is not None and release.status == AWAITING:
        raise AwaitingSecondOperator(batch_id)


def confirm(session: Session, *, batch_id: int, operator: str) -> Hold:
    """The second operator releases a waiting batch; the exporter cannot (SameOperator)."""
    release = session.scalar(select(SepaRelease).where(SepaRelease.batch_id == batch_id).with_for_update())
    if release is None or release.status != AWAITING:
        raise NotAwaitingApproval(batch_id)
    if release.exported_by.lower() == operator.lower():
        raise SameOperator(batch_id)
    release.status, release.confirmed_by, release.confirmed_at = RELEASED, operator, utcnow()
    record(session, operator, "sepa_confirmed", f"batch:{batch_id}", {"exported_by": release.exported_by})
    return _hold(release)


RELEASE_ORDER = (paging.Key(SepaRelease.batch_id, int),)  # newest batch first


def list_holds(session: Session, *, limit: int | None = None, cursor: str | None = None) -> paging.Page[Hold]:
    """One page of the batches under the four-eyes rule, newest first."""
    rows = list(session.scalars(paging.keyset(select(SepaRelease), RELEASE_ORDER, cursor, limit)))
    page = paging.page_of(rows, limit, lambda r: (r.batch_id,))
    return paging.Page([_hold(r) for r in page.items], page.next)
