"""GET /accounts/{address}: anyone sees the balance and whether the address is a shop; the history
(claims, task titles and times, which tie a wallet to places and hours) only its owner and operators."""

from __future__ import annotations

from eth_account import Account
from fastapi.testclient import TestClient

from tests.backend.claims.helpers import Loop, run_sender

# The reward is confirmed by the sender and not yet indexed: on its way, in the balance as pending.
PARTS = {"confirmed_balance": "0.00", "pending_incoming": "15.00", "pending_outgoing": "0.00", "block": None}


def _rewarded_citizen(loop: Loop, runtime) -> str:  # type: ignore[no-untyped-def]
    _, citizen = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    return citizen


def test_a_stranger_without_a_token_sees_only_balance_and_shop_status(client: TestClient, sign_in, runtime) -> None:
    loop = Loop(client, sign_in)
    citizen = _rewarded_citizen(loop, runtime)
    body = client.get(f"/api/v1/accounts/{citizen.address}").json()
    assert body == {"address": citizen.address, "balance": "15.00", "is_merchant": False, **PARTS}


def test_another_citizen_sees_only_balance_and_shop_status(client: TestClient, sign_in, runtime) -> None:
    loop = Loop(client, sign_in)
    citizen = _rewarded_citizen(loop, runtime)
    body = client.get(f"/api/v1/accounts/{citizen.address}", headers=loop.headers(Account.create())).json()
    assert body == {"address": citizen.address, "balance": "15.00", "is_merchant": False, **PARTS}


def test_the_owner_sees_their_history(client: TestClient, sign_in, runtime) -> None:
    loop = Loop(client, sign_in)
    citizen = _rewarded_citizen(loop, runtime)
    body = client.get(f"/api/v1/accounts/{citizen.address}", headers=loop.headers(citizen)).json()
    assert [(h["kind"], h["task_title"], h["amount"]) for h in body["history"]] == [
        ("reward", "Paint the bench", "15.00")
    ]


def test_an_operator_sees_anyones_history(client: TestClient, sign_in, runtime) -> None:
    loop = Loop(client, sign_in)
    citizen = _rewarded_citizen(loop, runtime)
    body = client.get(f"/api/v1/accounts/{citizen.address}", headers=loop.operator).json()
    assert [h["kind"] for h in body["history"]] == ["reward"]


def test_a_bad_token_is_refused_rather_than_treated_as_a_stranger(client: TestClient) -> None:
    response = client.get(
        f"/api/v1/accounts/{Account.create().address}", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
