"""The audit trail's CSV goes through the one CSV writer: a cell a spreadsheet would run is text."""

import csv
import io
from datetime import UTC, datetime

from backend.audit import service as audit
from backend.audit.models import AuditEntry

FORMULA = '=HYPERLINK("http://evil.example/","Klik hier")'


def test_a_formula_in_an_audit_entry_is_text_in_the_csv() -> None:
    entry = AuditEntry(
        id=1, at=datetime(2026, 5, 1, tzinfo=UTC), actor="cli", action="task_posted", subject=FORMULA, details="{}"
    )

    rows = list(csv.DictReader(io.StringIO(audit.entries_csv([entry]))))

    assert rows[0]["subject"] == "'" + FORMULA
