"""Squatting on tasks: a claim without proof expires (after CLAIM_EXPIRY_HOURS, or at the task's deadline)
and frees its place; a citizen holds at most MAX_OPEN_CLAIMS claims without proof."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eth_account import Account
from sqlalchemy import select, update

from backend.claims.models import Claim
from backend.db import transaction
from backend.runtime import Runtime
from tests.support.people import People


def _let_time_pass(runtime: Runtime, claim_ids: list[int]) -> None:
    """The claims' expiry passes (as it would after CLAIM_EXPIRY_HOURS)."""
    with transaction(runtime.sessions) as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(Claim).where(Claim.id.in_(claim_ids)).values(expires_at=past))


def _stored_statuses(runtime: Runtime, claim_ids: list[int]) -> list[str]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Claim.status).where(Claim.id.in_(claim_ids)).order_by(Claim.id)))


def test_a_claim_expires_after_the_configured_hours(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    before = datetime.now(UTC)
    claim_id = people.claim(citizen)
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    expires = datetime.fromisoformat(claim["expires_at"])
    expected = before + timedelta(hours=runtime.settings.claim_expiry_hours)
    assert expected <= expires <= expected + timedelta(minutes=1)


def test_a_claim_expires_at_the_tasks_deadline_when_that_comes_first(people: People) -> None:
    deadline = datetime.now(UTC) + timedelta(hours=2)
    citizen = Account.create()
    claim_id = people.claim(citizen, people.task(capacity=5, closes_at=deadline.isoformat()))
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert abs(datetime.fromisoformat(claim["expires_at"]) - deadline) < timedelta(seconds=1)


def test_squatters_whose_claims_expired_no_longer_block_a_citizen(people: People, runtime: Runtime) -> None:
    task_id = people.task(capacity=5)
    squatters = [people.claim(Account.create(), task_id) for _ in range(5)]
    citizen = Account.create()
    full = people.client.post(f"/api/v1/tasks/{task_id}/claims", headers=people.headers(citizen))
    assert full.json()["error"]["code"] == "task_full"
    _let_time_pass(runtime, squatters)
    assert people.client.get(f"/api/v1/tasks/{task_id}").json()["places_left"] == 5
    response = people.client.post(f"/api/v1/tasks/{task_id}/claims", headers=people.headers(citizen))
    assert response.status_code == 201, response.text


def test_reading_an_expired_claim_shows_it_expired_without_writing(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    _let_time_pass(runtime, [claim_id])
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(citizen)).json()
    assert claim["status"] == "expired"
    people.client.get("/api/v1/tasks")
    people.client.get("/api/v1/claims", headers=people.headers(citizen))
    assert _stored_statuses(runtime, [claim_id]) == ["claimed"]  # a GET never writes


def test_claiming_the_task_again_records_the_expiry(people: People, runtime: Runtime) -> None:
    task_id = people.task(capacity=1)
    squatter = people.claim(Account.create(), task_id)
    _let_time_pass(runtime, [squatter])
    people.claim(Account.create(), task_id)
    assert _stored_statuses(runtime, [squatter]) == ["expired"]


def test_an_expired_claim_cannot_send_proof(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    _let_time_pass(runtime, [claim_id])
    response = people.prove(citizen, claim_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "claim_status_conflict"


def test_a_claim_with_proof_does_not_expire(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    task_id = people.task(capacity=1)
    claim_id = people.claim(citizen, task_id)
    assert people.prove(citizen, claim_id).status_code == 200
    _let_time_pass(runtime, [claim_id])
    assert people.client.get(f"/api/v1/tasks/{task_id}").json()["places_left"] == 0
    assert people.client.post(f"/api/v1/claims/{claim_id}/approve", headers=people.operator).status_code == 200


def test_a_citizen_holds_at_most_the_configured_number_of_open_claims(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    for _ in range(runtime.settings.max_open_claims):
        people.claim(citizen)
    response = people.client.post(f"/api/v1/tasks/{people.task()}/claims", headers=people.headers(citizen))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_open_claims"


def test_sending_proof_makes_room_for_another_claim(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claims = [people.claim(citizen) for _ in range(runtime.settings.max_open_claims)]
    assert people.prove(citizen, claims[0]).status_code == 200
    people.claim(citizen)


def test_an_expired_claim_makes_room_for_another_claim(people: People, runtime: Runtime) -> None:
    citizen = Account.create()
    claims = [people.claim(citizen) for _ in range(runtime.settings.max_open_claims)]
    _let_time_pass(runtime, claims[:1])
    people.claim(citizen)


def test_the_expiry_worker_records_expired_claims(people: People, runtime: Runtime) -> None:
    from backend.claims.worker import make_worker

    due, fresh = people.claim(Account.create()), people.claim(Account.create())
    _let_time_pass(runtime, [due])
    make_worker(runtime).tick()
    assert _stored_statuses(runtime, [due, fresh]) == ["expired", "claimed"]
