"""The summary's audit appendix: counts per month and action; a month that is over is counted once
(entries are never added to a past month, changed or removed) and the month under way every time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.db import transaction, utcnow
from tests.support.unit import UnitRuntime


def _entry(session, at: datetime, action: str = "claim_approved") -> None:
    session.add(AuditEntry(at=at, actor="cli", action=action, subject="claim:1", details="{}"))


def test_counts_per_month_and_action_with_the_month_under_way():
    runtime = UnitRuntime()
    now = utcnow()
    with transaction(runtime.sessions) as session:
        _entry(session, datetime(2025, 1, 3, tzinfo=UTC))
        _entry(session, datetime(2025, 1, 30, tzinfo=UTC))
        _entry(session, datetime(2025, 3, 1, tzinfo=UTC), "task_posted")
        _entry(session, now)
    with runtime.sessions() as session:
        counted = audit.counts_by_month(session)
        march_only = audit.counts_by_month(session, datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))

    assert counted == {
        ("2025-01", "claim_approved"): 2, ("2025-03", "task_posted"): 1, (f"{now:%Y-%m}", "claim_approved"): 1,
    }
    assert march_only == {("2025-03", "task_posted"): 1}
    runtime.close()


def test_a_month_that_is_over_is_counted_once_and_the_current_one_each_time():
    runtime = UnitRuntime()
    now = utcnow()
    with transaction(runtime.sessions) as session:
        _entry(session, datetime(2024, 6, 3, tzinfo=UTC))
        _entry(session, now)
    counts: list[str] = []
    event.listen(runtime.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: counts.append(statement) if "GROUP BY" in statement else None)
    with runtime.sessions() as session:
        first = audit.counts_by_month(session)
    grouped_first = len(counts)
    with transaction(runtime.sessions) as writer:
        _entry(writer, now)
    with runtime.sessions() as session:
        second = audit.counts_by_month(session)

    assert grouped_first == 2  # the months that are over, then the month under way
    assert len(counts) == 3  # the second time only the month under way
    assert first[f"{now:%Y-%m}", "claim_approved"] == 1
    assert second[f"{now:%Y-%m}", "claim_approved"] == 2
    assert second["2024-06", "claim_approved"] == 1
    runtime.close()
