"""The whole loop through HTTP, and the yearly cap at approval."""

from __future__ import annotations

from eth_account import Account

from tests.backend.claims.helpers import Loop, rewards_by_claim, run_sender


def test_sign_in_claim_prove_approve_is_paid_once_on_chain(loop: Loop, runtime) -> None:
    citizen = Account.create()
    task_id = loop.create_task(reward="12.50")
    claim_id = loop.claim(citizen, task_id)
    assert loop.prove(citizen, claim_id).status_code == 200
    assert loop.approve(claim_id).json()["reward"]["status"] == "pending"
    run_sender(runtime, until_confirmed=1)
    mine = loop.client.get("/api/v1/claims", headers=loop.headers(citizen)).json()[0]
    assert mine["reward"]["status"] == "confirmed"
    assert mine["reward"]["tx_hash"].startswith("0x")
    account = loop.client.get(
        f"/api/v1/accounts/{citizen.address.lower()}", headers=loop.headers(citizen)
    ).json()
    assert account["address"] == citizen.address
    assert account["balance"] == "12.50"
    assert account["is_merchant"] is False
    assert [(h["claim_id"], h["amount"], h["status"]) for h in account["history"]] == [
        (claim_id, "12.50", "confirmed")
    ]


def test_approval_that_would_pass_the_yearly_cap_is_refused(loop: Loop, runtime) -> None:
    citizen = Account.create()
    first, _ = loop.approved_claim(citizen, reward="1400.00")
    claim_id = loop.claim(citizen, loop.create_task(reward="100.01"))
    loop.prove(citizen, claim_id)
    response = loop.approve(claim_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "yearly_cap_exceeded"
    assert (
        loop.client.get(f"/api/v1/claims/{claim_id}", headers=loop.operator).json()["status"] == "submitted"
    )
    assert set(rewards_by_claim(runtime)) == {first}


def test_approval_up_to_exactly_the_yearly_cap_is_allowed(loop: Loop) -> None:
    citizen = Account.create()
    loop.approved_claim(citizen, reward="1400.00")
    claim_id = loop.claim(citizen, loop.create_task(reward="100.00"))
    loop.prove(citizen, claim_id)
    assert loop.approve(claim_id).status_code == 200


def test_unknown_address_shape_is_a_422(loop: Loop) -> None:
    response = loop.client.get("/api/v1/accounts/not-an-address")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_openapi_documents_every_route_with_a_summary(loop: Loop) -> None:
    spec = loop.client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/auth/nonce",
        "/api/v1/auth/login",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/claims",
        "/api/v1/claims/{claim_id}/proof",
        "/api/v1/claims/{claim_id}/approve",
        "/api/v1/accounts/{address}",
    ):
        for operation in spec["paths"][path].values():
            assert operation["summary"]
