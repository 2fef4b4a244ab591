"""Recording and reading the audit trail, and the four-eyes rule for SEPA files.

`record` is called by the service (or route) that makes the decision, on the decision's session: the
entry commits with the decision or not at all. There is no function that changes or removes an entry.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.amounts import parse_amount
from backend.audit.models import AWAITING, RELEASED, AuditEntry, SepaRelease
from backend.db import utcnow
from backend.errors import AwaitingSecondOperator, NotAwaitingApproval, NotFound, SameOperator
from backend.reports.csv_cells import SafeWriter
from backend.settings import Settings

CSV_COLUMNS = ("id", "at", "actor", "action", "subject", "details")


def record(session: Session, actor: str, action: str, subject: str, details: dict[str, Any] | None = None) -> None:
    """Appends one entry: `actor` decided `action` on `subject` (e.g. "claim:12"), with `details`."""
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor,
            action=action,
            subject=subject,
            details=json.dumps(details or {}, sort_keys=True, default=str),
        )
    )


def list_entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditEntry]:
    """Entries, newest first, filtered by who, what, on what and when (since <= at < until)."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


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
        writer.writerow((e.id, e.at.isoformat(), e.actor, e.action, e.subject, e.details))
    return out.getvalue()


def counts_by_month(session: Session) -> dict[tuple[str, str], int]:
    """(YYYY-MM, action) -> how many decisions: the council report's appendix."""
    counted: Counter[tuple[str, str]] = Counter()
    for at, action in session.execute(select(AuditEntry.at, AuditEntry.action)):
        counted[f"{at.year:04d}-{at.month:02d}", action] += 1
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


def list_holds(session: Session) -> list[Hold]:
    return [_hold(r) for r in session.scalars(select(SepaRelease).order_by(SepaRelease.batch_id.desc()))]
