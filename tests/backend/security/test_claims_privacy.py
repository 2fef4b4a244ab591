"""Another citizen's claim and photo: invisible (404, as if it did not exist) and untouchable."""

from __future__ import annotations

from eth_account import Account

from tests.support.people import People


def _proven_claim(people: People):  # type: ignore[no-untyped-def]
    owner = Account.create()
    claim_id = people.claim(owner)
    assert people.prove(owner, claim_id).status_code == 200
    return owner, claim_id


def test_another_citizens_claim_is_not_found(people: People) -> None:
    _, claim_id = _proven_claim(people)
    response = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(Account.create()))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_citizens_photo_is_not_found(people: People) -> None:
    _, claim_id = _proven_claim(people)
    response = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(Account.create()))
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("image/")


def test_the_owner_and_an_operator_can_see_the_photo(people: People) -> None:
    owner, claim_id = _proven_claim(people)
    for headers in (people.headers(owner), people.operator):
        response = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"  # every photo is stored as a JPEG


def test_a_photo_needs_a_signed_in_user(people: People) -> None:
    _, claim_id = _proven_claim(people)
    assert people.client.get(f"/api/v1/claims/{claim_id}/photo").status_code == 401


def test_another_citizen_cannot_send_proof_for_a_claim(people: People) -> None:
    owner = Account.create()
    claim_id = people.claim(owner)
    response = people.prove(Account.create(), claim_id)
    assert response.status_code == 404
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.headers(owner)).json()
    assert claim["status"] == "claimed"


def test_another_citizen_cannot_replace_a_submitted_photo(people: People) -> None:
    owner, claim_id = _proven_claim(people)
    before = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(owner)).content
    people.prove(Account.create(), claim_id)
    after = people.client.get(f"/api/v1/claims/{claim_id}/photo", headers=people.headers(owner)).content
    assert after == before


def test_a_citizens_claim_list_holds_only_their_own_claims(people: People) -> None:
    _proven_claim(people)
    _proven_claim(people)
    me = Account.create()
    mine = people.claim(me)
    listed = people.client.get("/api/v1/claims", headers=people.headers(me)).json()
    assert [c["id"] for c in listed] == [mine]


def test_a_citizen_cannot_list_others_claims_by_task(people: People) -> None:
    owner = Account.create()
    task_id = people.task()
    people.claim(owner, task_id)
    listed = people.client.get(
        "/api/v1/claims", params={"task_id": task_id}, headers=people.headers(Account.create())
    ).json()
    assert listed == []
