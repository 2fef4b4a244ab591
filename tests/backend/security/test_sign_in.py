"""Sign-in and tokens under attack: replayed, foreign, expired or forged credentials are all a clear 401."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from siwe import SiweMessage

from backend.runtime import Runtime
from tests.support.accounts import DEPLOYER, sign_message, siwe_message

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/claims"  # any endpoint that needs a signed-in user


def _z(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _nonce(client: TestClient) -> str:
    return str(client.get("/api/v1/auth/nonce").json()["nonce"])


def _login(client: TestClient, account, message: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, json={"message": message, "signature": sign_message(account, message)})


def _problem(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"].get("details", {}).get("problem", ""))


def test_replaying_a_successful_sign_in_is_refused(client: TestClient) -> None:
    account = Account.create()
    message = siwe_message(account.address, _nonce(client))
    signature = sign_message(account, message)
    assert client.post(LOGIN, json={"message": message, "signature": signature}).status_code == 200
    replay = client.post(LOGIN, json={"message": message, "signature": signature})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "sign_in_failed"


def test_a_message_for_a_phishing_domain_is_refused(client: TestClient) -> None:
    account = Account.create()
    response = _login(
        client, account, siwe_message(account.address, _nonce(client), domain="heitje.evil.example")
    )
    assert response.status_code == 401
    assert _problem(response) == "domain"


def test_a_message_for_another_chain_is_refused(client: TestClient) -> None:
    account = Account.create()
    response = _login(client, account, siwe_message(account.address, _nonce(client), chain_id=100))
    assert response.status_code == 401
    assert _problem(response) == "chain_id"


def test_an_expired_message_is_refused(client: TestClient) -> None:
    account = Account.create()
    past = datetime.now(UTC) - timedelta(hours=2)
    message = siwe_message(
        account.address, _nonce(client), issued_at=_z(past), expiration_time=_z(past + timedelta(minutes=5))
    )
    response = _login(client, account, message)
    assert response.status_code == 401
    assert _problem(response) == "expired"


def test_a_message_signed_by_another_key_cannot_sign_in_as_the_operator(client: TestClient) -> None:
    attacker = Account.create()
    message = siwe_message(DEPLOYER.address, _nonce(client))
    response = client.post(LOGIN, json={"message": message, "signature": sign_message(attacker, message)})
    assert response.status_code == 401


def test_a_message_that_is_not_valid_yet_is_refused(client: TestClient) -> None:
    account = Account.create()
    now = datetime.now(UTC)
    message = SiweMessage(
        domain="testserver",
        address=account.address,
        statement="Sign in to Heitje",
        uri="http://testserver",
        version="1",
        chain_id=31337,
        nonce=_nonce(client),
        issued_at=_z(now),
        not_before=_z(now + timedelta(hours=1)),
        expiration_time=_z(now + timedelta(hours=2)),
    ).prepare_message()
    response = _login(client, account, message)
    assert response.status_code == 401
    assert _problem(response) == "not_yet_valid"


def test_a_tampered_message_with_the_original_signature_is_refused(client: TestClient) -> None:
    account = Account.create()
    message = siwe_message(account.address, _nonce(client))
    signature = sign_message(account, message)
    tampered = message.replace(account.address, DEPLOYER.address)
    response = client.post(LOGIN, json={"message": tampered, "signature": signature})
    assert response.status_code == 401


def test_a_token_with_another_address_in_it_is_refused(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    token = sign_in(client, Account.create())["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    forged_claims = jwt.decode(token, options={"verify_signature": False})
    forged_claims["sub"] = DEPLOYER.address
    forged_payload = jwt.encode(forged_claims, "x", algorithm="HS256").split(".")[1]
    response = client.post(
        "/api/v1/tasks", headers={"Authorization": f"Bearer {header}.{forged_payload}.{signature}"}, json={}
    )
    assert response.status_code == 401


def test_an_unsigned_alg_none_token_is_refused(client: TestClient, runtime: Runtime) -> None:
    claims = {
        "sub": DEPLOYER.address,
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "aud": runtime.settings.siwe_domain,
    }
    token = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_signed_with_another_secret_is_refused(client: TestClient, runtime: Runtime) -> None:
    claims = {
        "sub": DEPLOYER.address,
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "aud": runtime.settings.siwe_domain,
    }
    token = jwt.encode(claims, "a-guessed-secret-that-is-long-enough-000000", algorithm="HS256")
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_for_another_deployment_audience_is_refused(client: TestClient, runtime: Runtime) -> None:
    claims = {
        "sub": DEPLOYER.address,
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "aud": "other-city.example",
    }
    token = jwt.encode(claims, runtime.settings.secret_key, algorithm="HS256")
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_expired_token_is_refused(client: TestClient, runtime: Runtime) -> None:
    past = int(time.time()) - 7200
    claims = {"sub": DEPLOYER.address, "iat": past, "exp": past + 60, "aud": runtime.settings.siwe_domain}
    token = jwt.encode(claims, runtime.settings.secret_key, algorithm="HS256")
    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_token_in_another_scheme_is_refused(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    token = sign_in(client, Account.create())["Authorization"].split()[1]
    assert client.get(ME, headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert client.get(ME, headers={"Authorization": "Bearer"}).status_code == 401
    assert client.get(ME, headers={"Authorization": "Bearer not.a.token"}).status_code == 401


@pytest.mark.parametrize(
    "uri",
    [
        "http://testserver@evil.example/phish",
        "http://testserver.evil.example/",
        "http://testserver:8080/",
        "https://testserver/",
        "http://evil.example/?http://testserver",
    ],
)
def test_a_message_whose_uri_is_not_exactly_our_origin_is_refused(client: TestClient, uri: str) -> None:
    account = Account.create()
    response = _login(client, account, siwe_message(account.address, _nonce(client), uri=uri))
    assert response.status_code == 401
    assert _problem(response) == "uri"


@pytest.mark.parametrize("uri", ["http://testserver", "http://testserver/", "http://TestServer:80/app#/tasks"])
def test_a_message_whose_uri_is_our_origin_signs_in(client: TestClient, uri: str) -> None:
    account = Account.create()
    response = _login(client, account, siwe_message(account.address, _nonce(client), uri=uri))
    assert response.status_code == 200, response.text
