"""Driving the HTTP API in tests: a real EIP-4361 sign-in."""

from __future__ import annotations

import weakref

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from tests.support.accounts import sign_message, siwe_message


def sign_in(client: TestClient, account: LocalAccount) -> dict[str, str]:
    """Signs in through the API (nonce, a message signed with eth-account, login); returns the
    {"Authorization": "Bearer ..."} headers."""
    nonce = client.get("/api/v1/auth/nonce").json()["nonce"]
    message = siwe_message(account.address, nonce)
    body = {"message": message, "signature": sign_message(account, message)}
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


_SIGNED_IN: weakref.WeakKeyDictionary[TestClient, dict[str, dict[str, str]]] = weakref.WeakKeyDictionary()


def as_signed_in(client: TestClient, account: LocalAccount) -> dict[str, str]:
    """`sign_in`, once per client and account: the headers of `account` (a payer relaying their own
    payments signs in once, as the app does)."""
    known = _SIGNED_IN.setdefault(client, {})
    if account.address not in known:
        known[account.address] = sign_in(client, account)
    return known[account.address]
