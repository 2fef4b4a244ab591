"""Sign-in with Ethereum through the API: nonces, domain, URI, chain id, expiry, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from eth_account import Account
from fastapi.testclient import TestClient

from backend.auth.models import LoginNonce
from backend.db import transaction
from tests.support.accounts import DEPLOYER, sign_message, siwe_message

CITIZEN = Account.create()


def _login(client: TestClient, account, message: str):
    return client.post(
        "/api/v1/auth/login", json={"message": message, "signature": sign_message(account, message)}
    )


def _nonce(client: TestClient) -> str:
    return client.get("/api/v1/auth/nonce").json()["nonce"]


def test_signed_message_signs_in_as_citizen(client: TestClient) -> None:
    response = _login(client, CITIZEN, siwe_message(CITIZEN.address, _nonce(client)))
    assert response.status_code == 200
    body = response.json()
    assert body["address"] == CITIZEN.address
    assert body["roles"] == ["citizen"]
    assert body["token_type"] == "bearer"


def test_deployment_admin_signs_in_as_operator(client: TestClient) -> None:
    response = _login(client, DEPLOYER, siwe_message(DEPLOYER.address, _nonce(client)))
    assert "operator" in response.json()["roles"]


def test_nonce_cannot_be_used_twice(client: TestClient) -> None:
    message = siwe_message(CITIZEN.address, _nonce(client))
    assert _login(client, CITIZEN, message).status_code == 200
    replay = _login(client, CITIZEN, message)
    assert replay.status_code == 401
    assert replay.json()["error"]["details"]["problem"] == "nonce"


def test_nonce_the_server_never_issued_is_refused(client: TestClient) -> None:
    response = _login(client, CITIZEN, siwe_message(CITIZEN.address, "madeUpNonce12345"))
    assert response.json()["error"]["details"]["problem"] == "nonce"


def test_expired_nonce_is_refused(client: TestClient, runtime) -> None:
    nonce = _nonce(client)
    with transaction(runtime.sessions) as session:
        session.get(LoginNonce, nonce).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    response = _login(client, CITIZEN, siwe_message(CITIZEN.address, nonce))
    assert response.status_code == 401
    assert response.json()["error"]["details"]["problem"] == "nonce"


def test_message_for_another_domain_is_refused(client: TestClient) -> None:
    response = _login(client, CITIZEN, siwe_message(CITIZEN.address, _nonce(client), domain="evil.example"))
    assert response.status_code == 401
    assert response.json()["error"]["details"]["problem"] == "domain"


def test_message_for_another_uri_is_refused(client: TestClient) -> None:
    message = siwe_message(CITIZEN.address, _nonce(client), uri="https://evil.example/login")
    assert _login(client, CITIZEN, message).json()["error"]["details"]["problem"] == "uri"


def test_message_for_another_chain_is_refused(client: TestClient) -> None:
    message = siwe_message(CITIZEN.address, _nonce(client), chain_id=1)
    assert _login(client, CITIZEN, message).json()["error"]["details"]["problem"] == "chain_id"


def test_expired_message_is_refused(client: TestClient) -> None:
    past = datetime.now(UTC) - timedelta(minutes=20)
    message = siwe_message(
        CITIZEN.address,
        _nonce(client),
        issued_at=past.isoformat(timespec="seconds").replace("+00:00", "Z"),
        expiration_time=(past + timedelta(minutes=5)).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    response = _login(client, CITIZEN, message)
    assert response.status_code == 401
    assert response.json()["error"]["details"]["problem"] == "expired"


def test_signature_by_another_key_is_refused(client: TestClient) -> None:
    message = siwe_message(CITIZEN.address, _nonce(client))
    response = _login(client, Account.create(), message)
    assert response.status_code == 401
    assert response.json()["error"]["details"]["problem"] == "signature"


def test_garbage_message_is_a_clear_401(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"message": "hello", "signature": "0x00"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sign_in_failed"


def test_token_signs_requests_in(client: TestClient, sign_in) -> None:
    headers = sign_in(client, CITIZEN)
    assert client.get("/api/v1/claims", headers=headers).status_code == 200


def test_tampered_token_is_refused(client: TestClient, sign_in) -> None:
    token = sign_in(client, CITIZEN)["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    forged = jwt.encode({"sub": DEPLOYER.address, "exp": 2**31}, "guess", algorithm="HS256").split(".")[1]
    response = client.get(
        "/api/v1/claims", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_expired_token_is_refused(client: TestClient, runtime) -> None:
    from backend.auth.tokens import issue_token

    token = issue_token(runtime.settings, CITIZEN.address, now=datetime.now(UTC).timestamp() - 13 * 3600)
    response = client.get("/api/v1/claims", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_request_without_token_is_refused(client: TestClient) -> None:
    assert client.get("/api/v1/claims").status_code == 401


def test_issuing_a_nonce_purges_expired_and_used_ones(client: TestClient, runtime) -> None:
    stale, spent = _nonce(client), _nonce(client)
    assert _login(client, CITIZEN, siwe_message(CITIZEN.address, spent)).status_code == 200
    with transaction(runtime.sessions) as session:
        session.get(LoginNonce, stale).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    fresh = _nonce(client)
    with transaction(runtime.sessions) as session:
        assert {row.nonce for row in session.query(LoginNonce)} == {fresh}
