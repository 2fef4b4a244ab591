"""Roles: a citizen cannot act as an operator or a merchant, a merchant cannot act as an operator, and a
stranger without a token can do neither. Each answer is a clear 401/403 and changes nothing."""

from __future__ import annotations

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from backend.runtime import Runtime
from tests.support.people import TASK, People, make_merchant

SHOP = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"

OPERATOR_ONLY = [
    ("POST", "/api/v1/tasks", TASK),
    ("POST", "/api/v1/claims/1/approve", None),
    ("POST", "/api/v1/claims/1/reject", {"reason": "blurry"}),
    ("POST", "/api/v1/merchants", {"address": SHOP, "name": "Mine now", "iban": "NL91ABNA0417164300"}),
    ("GET", "/api/v1/merchants/registry", None),
    ("GET", f"/api/v1/merchants/{SHOP}", None),
    ("POST", f"/api/v1/merchants/{SHOP}/deactivate", None),
    ("GET", "/api/v1/payouts", None),
    ("POST", "/api/v1/payouts/sepa", None),
    ("GET", "/api/v1/payouts/batches", None),
    ("POST", "/api/v1/payouts/1/paid", None),
    ("GET", "/api/v1/reports/summary", None),
]
MERCHANT_ONLY = [
    ("POST", "/api/v1/redemptions", {"amount": "10.00"}),
    ("GET", "/api/v1/redemptions", None),
]


def _call(client: TestClient, method: str, path: str, body: object, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ONLY + MERCHANT_ONLY)
def test_a_stranger_without_a_token_is_refused(
    client: TestClient, method: str, path: str, body: object
) -> None:
    response = _call(client, method, path, body, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ONLY)
def test_a_citizen_cannot_call_operator_endpoints(
    people: People, method: str, path: str, body: object
) -> None:
    response = _call(people.client, method, path, body, people.headers(Account.create()))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": "this needs the operator role",
        "details": {"role": "operator"},
    }


@pytest.mark.parametrize(("method", "path", "body"), MERCHANT_ONLY)
def test_a_citizen_cannot_call_merchant_endpoints(
    people: People, method: str, path: str, body: object
) -> None:
    response = _call(people.client, method, path, body, people.headers(Account.create()))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ONLY)
def test_a_merchant_cannot_call_operator_endpoints(
    people: People, runtime: Runtime, method: str, path: str, body: object
) -> None:
    shop = make_merchant(runtime)
    response = _call(people.client, method, path, body, people.headers(shop))
    assert response.status_code == 403


def test_a_refused_task_post_creates_no_task(people: People) -> None:
    people.client.post("/api/v1/tasks", json=TASK, headers=people.headers(Account.create()))
    assert people.client.get("/api/v1/tasks").json() == []


def test_a_refused_merchant_registration_registers_nobody(people: People) -> None:
    citizen = Account.create()
    body = {"address": citizen.address, "name": "Me", "iban": "NL91ABNA0417164300"}
    people.client.post("/api/v1/merchants", json=body, headers=people.headers(citizen))
    assert people.client.get("/api/v1/merchants").json() == []


def test_a_citizen_cannot_approve_their_own_claim(people: People) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    assert people.prove(citizen, claim_id).status_code == 200
    response = people.client.post(f"/api/v1/claims/{claim_id}/approve", headers=people.headers(citizen))
    assert response.status_code == 403
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert claim["status"] == "submitted"
