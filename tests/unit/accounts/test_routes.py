"""The account route through the real app, over a FakeChain and an in-memory database."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.db import transaction
from backend.merchants import service as merchants
from tests.unit.helpers import citizen


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, web_dir=None)) as test_client:
        yield test_client


def test_an_account_shows_its_balance_as_a_decimal_string_and_whether_it_is_a_merchant(client, runtime, chain):
    shop = citizen()
    chain.reward(shop, 1550, 1)
    with transaction(runtime.sessions) as session:
        merchants.register(session, address=shop, name="Bart", iban="NL91ABNA0417164300")
    chain.set_merchant(shop)

    body = client.get(f"/api/v1/accounts/{shop.lower()}").json()

    assert (body["address"], body["balance"], body["is_merchant"]) == (shop, "15.50", True)


def test_an_address_the_chain_accepts_but_the_registry_does_not_know_is_no_merchant(client, chain):
    stranger = citizen()
    chain.set_merchant(stranger)

    body = client.get(f"/api/v1/accounts/{stranger}").json()

    assert body["is_merchant"] is False


def test_an_account_is_chain_unavailable_while_the_node_is_gone(client, chain):
    chain.down = True

    response = client.get(f"/api/v1/accounts/{citizen()}")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"
