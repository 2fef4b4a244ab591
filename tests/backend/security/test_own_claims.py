"""Nobody decides their own claim: an operator who claims a task (every signed-in person is also a
citizen) cannot approve or reject it; another operator can."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import select

from backend.accounts.models import Operator
from backend.rewards.models import Reward
from backend.runtime import Runtime
from tests.support.accounts import DEPLOYER
from tests.support.people import People


def _own_proven_claim(people: People) -> int:
    claim_id = people.claim(DEPLOYER)
    assert people.prove(DEPLOYER, claim_id).status_code == 200
    return claim_id


def test_an_operator_cannot_approve_their_own_claim(people: People, runtime: Runtime) -> None:
    claim_id = _own_proven_claim(people)
    response = people.client.post(f"/api/v1/claims/{claim_id}/approve", headers=people.operator)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "own_claim"
    with runtime.sessions() as session:
        assert session.scalars(select(Reward)).all() == []
    claim = people.client.get(f"/api/v1/claims/{claim_id}", headers=people.operator).json()
    assert claim["status"] == "submitted"


def test_an_operator_cannot_reject_their_own_claim(people: People) -> None:
    claim_id = _own_proven_claim(people)
    response = people.client.post(
        f"/api/v1/claims/{claim_id}/reject", json={"reason": "changed my mind"}, headers=people.operator
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "own_claim"


def test_another_operator_can_approve_an_operators_claim(people: People, runtime: Runtime) -> None:
    colleague = Account.create()
    with runtime.sessions() as session, session.begin():
        session.add(Operator(address=colleague.address, added_by="test"))
    claim_id = _own_proven_claim(people)
    response = people.client.post(f"/api/v1/claims/{claim_id}/approve", headers=people.headers(colleague))
    assert response.status_code == 200
    assert response.json()["reward"]["amount"] == "12.00"
