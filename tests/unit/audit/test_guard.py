"""Tables made without migrations (create_all, the unit tier) carry the same append-only triggers."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.db import transaction


def test_an_audit_row_cannot_be_changed_on_a_database_made_by_create_all(runtime):
    with transaction(runtime.sessions) as session:
        audit.record(session, "cli", "operator_added", "operator:0xabc")
    with pytest.raises(DBAPIError, match="append-only"), transaction(runtime.sessions) as session:
        session.scalars(select(AuditEntry)).one().subject = "operator:0xdef"
    with pytest.raises(DBAPIError, match="append-only"), transaction(runtime.sessions) as session:
        session.delete(session.scalars(select(AuditEntry)).one())
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(AuditEntry.subject)).all() == ["operator:0xabc"]
