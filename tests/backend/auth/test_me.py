"""GET /auth/me answers with the roles as of now, so a shop's app sees its registration without signing in
again; operators resolve a shop's short registration code to its address."""

from __future__ import annotations

from eth_account import Account
from fastapi.testclient import TestClient

from backend.auth.codes import code_of
from backend.db import transaction
from backend.merchants.models import Merchant
from tests.support.accounts import DEPLOYER


def test_me_names_the_address_roles_and_registration_code(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    shop = Account.create()
    body = client.get("/api/v1/auth/me", headers=sign_in(client, shop)).json()
    assert body["address"] == shop.address
    assert body["roles"] == ["citizen"]
    assert body["registration_code"] == code_of(shop.address)


def test_me_shows_the_merchant_role_once_registered_with_the_same_token(client: TestClient, sign_in, runtime) -> None:  # type: ignore[no-untyped-def]
    shop = Account.create()
    headers = sign_in(client, shop)
    with transaction(runtime.sessions) as session:
        session.add(Merchant(address=shop.address, name="Bakkerij Jansen", iban="NL91ABNA0417164300", active=True))
    assert client.get("/api/v1/auth/me", headers=headers).json()["roles"] == ["citizen", "merchant"]


def test_me_needs_a_sign_in(client: TestClient) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401


def test_an_operator_resolves_a_registration_code_to_the_address(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    shop = Account.create()
    sign_in(client, shop)
    code = code_of(shop.address).lower().replace("-", "")  # typed without the dash, in lower case
    response = client.get(f"/api/v1/auth/registration-codes/{code}", headers=sign_in(client, DEPLOYER))
    assert response.status_code == 200, response.text
    assert response.json() == {"code": code_of(shop.address), "address": shop.address}


def test_an_unknown_registration_code_is_not_found(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/auth/registration-codes/00000-00000", headers=sign_in(client, DEPLOYER))
    assert response.status_code == 404


def test_a_citizen_cannot_resolve_registration_codes(client: TestClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    citizen = Account.create()
    code = code_of(citizen.address)
    response = client.get(f"/api/v1/auth/registration-codes/{code}", headers=sign_in(client, citizen))
    assert response.status_code == 403
