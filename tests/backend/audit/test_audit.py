"""The audit trail: operator decisions recorded with who, when and what; read and exported by
operators; not editable through the API nor, thanks to the database's triggers, by any code."""

from __future__ import annotations

import csv
import io

import pytest
from eth_account import Account
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from tests.backend.claims.helpers import Loop
from tests.support.accounts import DEPLOYER


def entries(loop: Loop, **params: str) -> list[dict]:
    response = loop.client.get("/api/v1/audit", params=params, headers=loop.operator)
    assert response.status_code == 200, response.text
    return response.json()


def test_approval_rejection_and_posting_are_recorded_with_who_when_and_what(loop: Loop) -> None:
    approved, _ = loop.approved_claim()
    citizen = Account.create()
    rejected = loop.claim(citizen, loop.create_task())
    assert loop.client.post(
        f"/api/v1/claims/{rejected}/reject", json={"reason": "no photo"}, headers=loop.operator
    ).status_code == 200

    trail = entries(loop)
    actions = [(e["action"], e["subject"]) for e in trail]
    assert ("claim_approved", f"claim:{approved}") in actions
    assert ("claim_rejected", f"claim:{rejected}") in actions
    assert [a for a, _ in actions].count("task_posted") == 2
    assert {e["actor"] for e in trail} == {DEPLOYER.address}
    assert all(e["at"] for e in trail)
    [approval] = [e for e in trail if e["action"] == "claim_approved"]
    assert approval["details"]["reward"] == "15.00"


def test_closing_a_task_is_recorded_once(loop: Loop) -> None:
    task_id = loop.create_task()
    for _ in range(2):
        assert loop.client.post(f"/api/v1/tasks/{task_id}/close", headers=loop.operator).status_code == 200
    assert [e["subject"] for e in entries(loop, action="task_closed")] == [f"task:{task_id}"]


def test_registering_and_deactivating_a_merchant_are_recorded(loop: Loop) -> None:
    shop = Account.create().address
    body = {"address": shop, "name": "Bakkerij Pelzer", "iban": "NL91ABNA0417164300"}
    assert loop.client.post("/api/v1/merchants", json=body, headers=loop.operator).status_code == 201
    assert loop.client.post(f"/api/v1/merchants/{shop}/deactivate", headers=loop.operator).status_code == 200
    trail = entries(loop, subject=f"merchant:{shop}")
    assert [e["action"] for e in trail] == ["merchant_deactivated", "merchant_registered"]
    assert "NL91" not in str(trail)  # no IBAN in an entry that can never be erased


def test_a_refused_decision_leaves_no_entry(loop: Loop, runtime, monkeypatch) -> None:
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"yearly_cap": 10}))
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.prove(citizen, claim_id)
    assert loop.approve(claim_id).status_code == 409
    assert entries(loop, action="claim_approved") == []


def test_operators_filter_the_trail_and_export_it_as_csv(loop: Loop) -> None:
    loop.approved_claim()
    assert [e["action"] for e in entries(loop, action="claim_approved")] == ["claim_approved"]
    assert entries(loop, actor=Account.create().address) == []
    response = loop.client.get("/api/v1/audit", params={"format": "csv"}, headers=loop.operator)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["action"] for r in rows} == {"task_posted", "claim_approved"}


def test_citizens_cannot_read_the_trail(loop: Loop) -> None:
    response = loop.client.get("/api/v1/audit", headers=loop.headers(Account.create()))
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/1"])
def test_the_trail_cannot_be_edited_through_the_api(loop: Loop, method: str, path: str) -> None:
    loop.create_task()
    response = loop.client.request(method, path, json={"action": "nothing"}, headers=loop.operator)
    assert response.status_code == 405
    assert entries(loop)[0]["action"] == "task_posted"


def test_the_database_refuses_to_update_an_audit_row(loop: Loop, runtime) -> None:
    loop.create_task()
    with pytest.raises(DBAPIError, match="append-only"), runtime.sessions() as session, session.begin():
        session.execute(update(AuditEntry).values(actor="someone else"))
    with pytest.raises(DBAPIError, match="append-only"), runtime.sessions() as session, session.begin():
        entry = session.scalars(select(AuditEntry)).one()
        entry.action = "claim_rejected"
    assert entries(loop)[0]["actor"] == DEPLOYER.address


def test_the_database_refuses_to_delete_an_audit_row(loop: Loop, runtime) -> None:
    loop.create_task()
    with pytest.raises(DBAPIError, match="append-only"), runtime.sessions() as session, session.begin():
        session.execute(delete(AuditEntry))
    with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))
    assert len(entries(loop)) == 1


def test_record_writes_in_the_callers_transaction(runtime) -> None:
    with runtime.sessions() as session, session.begin():
        audit.record(session, "cli", "operator_added", "operator:0xabc")
        session.rollback()
    with runtime.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def test_adding_an_operator_is_recorded_with_who_added_them(runtime) -> None:
    from backend.accounts import service as accounts

    new = Account.create().address
    with runtime.sessions() as session, session.begin():
        accounts.add_operator(session, address=new, added_by="cli")
    with runtime.sessions() as session:
        [entry] = audit.list_entries(session, audit.Filters(action="operator_added")).items
    assert (entry.actor, entry.subject) == ("cli", f"operator:{new}")
