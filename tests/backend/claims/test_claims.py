"""Claims through the API: capacity (also under concurrency), once per citizen, roles, decisions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from eth_account import Account
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.db import transaction
from backend.tasks.models import Task
from tests.backend.claims.helpers import Loop


def test_citizen_claims_an_open_task(loop: Loop) -> None:
    citizen = Account.create()
    task_id = loop.create_task()
    response = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(citizen))
    assert response.status_code == 201
    assert response.json()["citizen"] == citizen.address
    assert response.json()["status"] == "claimed"
    assert loop.client.get(f"/api/v1/tasks/{task_id}").json()["taken"] == 1


def test_citizen_claims_a_task_at_most_once(loop: Loop) -> None:
    citizen = Account.create()
    task_id = loop.create_task()
    loop.claim(citizen, task_id)
    again = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(citizen))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_claimed"


def test_full_task_cannot_be_claimed(loop: Loop) -> None:
    task_id = loop.create_task(capacity=1)
    loop.claim(Account.create(), task_id)
    response = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(Account.create()))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "task_full"


def test_closed_task_cannot_be_claimed(loop: Loop, runtime) -> None:
    task_id = loop.create_task()
    with transaction(runtime.sessions) as session:
        session.get(Task, task_id).closes_at = datetime.now(UTC) - timedelta(seconds=1)
    response = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(Account.create()))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "task_closed"


def test_two_citizens_racing_for_the_last_place_one_wins(loop: Loop, runtime) -> None:
    task_id = loop.create_task(capacity=1)
    racers = [loop.headers(Account.create()) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def race(headers: dict[str, str]) -> None:
        with TestClient(create_app(runtime, web_dir=None)) as own_client:  # a client per thread
            barrier.wait()
            results.append(own_client.post(f"/api/v1/tasks/{task_id}/claims", headers=headers).status_code)

    threads = [threading.Thread(target=race, args=(h,)) for h in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 409]
    assert loop.client.get(f"/api/v1/tasks/{task_id}").json()["taken"] == 1


def test_operator_cannot_approve_a_claim_without_proof(loop: Loop) -> None:
    claim_id = loop.claim(Account.create(), loop.create_task())
    response = loop.approve(claim_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "claim_status_conflict"


def test_citizen_cannot_approve(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task())
    loop.prove(citizen, claim_id)
    response = loop.client.post(f"/api/v1/claims/{claim_id}/approve", headers=loop.headers(citizen))
    assert response.status_code == 403


def test_approval_queues_the_reward_as_pending(loop: Loop) -> None:
    citizen = Account.create()
    claim_id = loop.claim(citizen, loop.create_task(reward="12.50"))
    loop.prove(citizen, claim_id)
    body = loop.approve(claim_id).json()
    assert body["status"] == "approved"
    assert body["reward"] == {"status": "pending", "amount": "12.50", "tx_hash": None, "error": None}


def test_claim_cannot_be_approved_twice(loop: Loop) -> None:
    claim_id, _ = loop.approved_claim()
    assert loop.approve(claim_id).status_code == 409


def test_rejection_carries_a_reason_the_citizen_reads_and_frees_the_place(loop: Loop) -> None:
    citizen = Account.create()
    task_id = loop.create_task(capacity=1)
    claim_id = loop.claim(citizen, task_id)
    loop.prove(citizen, claim_id)
    response = loop.client.post(
        f"/api/v1/claims/{claim_id}/reject", json={"reason": "The photo shows a tree."}, headers=loop.operator
    )
    assert response.status_code == 200
    mine = loop.client.get("/api/v1/claims", headers=loop.headers(citizen)).json()
    assert mine[0]["status"] == "rejected"
    assert mine[0]["reject_reason"] == "The photo shows a tree."
    assert loop.client.get(f"/api/v1/tasks/{task_id}").json()["status"] == "open"


def test_citizen_sees_only_their_own_claims(loop: Loop) -> None:
    alice, bob = Account.create(), Account.create()
    task_id = loop.create_task()
    alices = loop.claim(alice, task_id)
    bobs = loop.claim(bob, task_id)
    assert [c["id"] for c in loop.client.get("/api/v1/claims", headers=loop.headers(alice)).json()] == [
        alices
    ]
    assert loop.client.get(f"/api/v1/claims/{bobs}", headers=loop.headers(alice)).status_code == 404
    everyone = loop.client.get("/api/v1/claims", headers=loop.operator).json()
    assert {c["id"] for c in everyone} == {alices, bobs}


def test_citizen_cannot_send_proof_for_another_citizens_claim(loop: Loop) -> None:
    alice, bob = Account.create(), Account.create()
    claim_id = loop.claim(alice, loop.create_task())
    loop.headers(bob)
    response = loop.client.post(
        f"/api/v1/claims/{claim_id}/proof",
        headers=loop.headers(bob),
        files={"photo": ("p.jpg", b"\xff\xd8", "image/jpeg")},
    )
    assert response.status_code == 404


def test_operator_filters_claims_by_status(loop: Loop) -> None:
    citizen = Account.create()
    task_id = loop.create_task()
    loop.claim(Account.create(), task_id)
    submitted = loop.claim(citizen, task_id)
    loop.prove(citizen, submitted)
    listed = loop.client.get("/api/v1/claims", params={"status": "submitted"}, headers=loop.operator).json()
    assert [c["id"] for c in listed] == [submitted]
