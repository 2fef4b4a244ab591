"""After a rejection the citizen is not stuck: they send a new photo (the old one is deleted) or give the
claim back, which frees its place."""

from __future__ import annotations

from eth_account import Account

from backend.claims.models import Claim
from tests.backend.claims.helpers import Loop, photo_bytes


def _rejected(loop: Loop, capacity: int = 1) -> tuple[int, int, object]:
    citizen = Account.create()
    task_id = loop.create_task(capacity=capacity)
    claim_id = loop.claim(citizen, task_id)
    assert loop.prove(citizen, claim_id).status_code == 200
    response = loop.client.post(
        f"/api/v1/claims/{claim_id}/reject", json={"reason": "Send a photo of the cleared square."},
        headers=loop.operator,
    )
    assert response.status_code == 200, response.text
    return task_id, claim_id, citizen


def _photo_file(runtime, claim_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with runtime.sessions() as session:
        return session.get(Claim, claim_id).photo_file  # type: ignore[no-any-return,union-attr]


def test_a_rejected_claim_can_send_a_new_photo_and_is_submitted_again(loop: Loop) -> None:
    _, claim_id, citizen = _rejected(loop)
    response = loop.prove(citizen, claim_id, photo=photo_bytes("PNG"), note="Now the whole square.")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["reject_reason"], body["note"]) == ("submitted", None, "Now the whole square.")


def test_the_old_photo_is_deleted_when_a_new_one_is_sent(loop: Loop, runtime) -> None:  # type: ignore[no-untyped-def]
    _, claim_id, citizen = _rejected(loop)
    old = _photo_file(runtime, claim_id)
    assert old and (runtime.settings.photo_dir / old).exists()
    assert loop.prove(citizen, claim_id).status_code == 200
    new = _photo_file(runtime, claim_id)
    assert new != old and (runtime.settings.photo_dir / new).exists()
    assert not (runtime.settings.photo_dir / old).exists()


def test_a_rejected_claim_cannot_be_sent_again_when_its_place_was_taken(loop: Loop) -> None:
    task_id, claim_id, citizen = _rejected(loop, capacity=1)
    loop.claim(Account.create(), task_id)  # the freed place goes to someone else
    response = loop.prove(citizen, claim_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "task_full"


def test_a_rejected_claim_can_be_given_back(loop: Loop, runtime) -> None:  # type: ignore[no-untyped-def]
    _, claim_id, citizen = _rejected(loop)
    old = _photo_file(runtime, claim_id)
    response = loop.client.post(f"/api/v1/claims/{claim_id}/release", headers=loop.headers(citizen))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "released"
    assert response.json()["photo_url"] is None
    assert not (runtime.settings.photo_dir / str(old)).exists()


def test_giving_back_an_open_claim_frees_its_place(loop: Loop) -> None:
    citizen = Account.create()
    task_id = loop.create_task(capacity=1)
    claim_id = loop.claim(citizen, task_id)
    other = Account.create()
    full = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(other))
    assert full.json()["error"]["code"] == "task_full"
    assert loop.client.post(f"/api/v1/claims/{claim_id}/release", headers=loop.headers(citizen)).status_code == 200
    assert loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(other)).status_code == 201


def test_an_approved_claim_cannot_be_given_back(loop: Loop) -> None:
    claim_id, citizen = loop.approved_claim()
    response = loop.client.post(f"/api/v1/claims/{claim_id}/release", headers=loop.headers(citizen))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "claim_status_conflict"


def test_nobody_gives_back_someone_elses_claim(loop: Loop) -> None:
    _, claim_id, _ = _rejected(loop)
    response = loop.client.post(f"/api/v1/claims/{claim_id}/release", headers=loop.headers(Account.create()))
    assert response.status_code == 404


def test_a_given_back_claim_takes_no_new_photo(loop: Loop) -> None:
    _, claim_id, citizen = _rejected(loop)
    loop.client.post(f"/api/v1/claims/{claim_id}/release", headers=loop.headers(citizen))
    response = loop.prove(citizen, claim_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "claim_status_conflict"
