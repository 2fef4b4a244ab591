"""The account route through the real app, over a FakeChain and an in-memory database. The balance and the
chain's merchant flag come from `account_balances`, as the indexer's handlers leave it (issue 14)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.accounts import balances
from backend.app import create_app
from backend.chain.events import ZERO_ADDRESS
from backend.db import transaction
from backend.merchants import service as merchants
from tests.unit.helpers import citizen


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, web_dir=None)) as test_client:
        yield test_client


def indexed(runtime, *, transfers=(), merchants_set=()):
    """What the indexer's handlers record for these (from, to, units) transfers and MerchantSet accounts."""
    moves = [{"account": a, "counterparty": b, "amount": units, "block_number": 7} for a, b, units in transfers]
    flags = [{"account": a, "accepted": True, "block_number": 7, "log_index": 0} for a in merchants_set]
    with transaction(runtime.sessions) as session:
        balances.on_transfers(session, moves)
        balances.on_merchant_set(session, flags)


def test_an_account_shows_its_balance_as_a_decimal_string_and_whether_it_is_a_merchant(client, runtime, chain):
    shop = citizen()
    with transaction(runtime.sessions) as session:
        merchants.register(session, address=shop, name="Bart", iban="NL91ABNA0417164300")
    indexed(runtime, transfers=[(ZERO_ADDRESS, shop, 1550)], merchants_set=[shop])

    body = client.get(f"/api/v1/accounts/{shop.lower()}").json()

    assert (body["address"], body["balance"], body["is_merchant"]) == (shop, "15.50", True)


def test_an_address_the_chain_accepts_but_the_registry_does_not_know_is_no_merchant(client, runtime):
    stranger = citizen()
    indexed(runtime, merchants_set=[stranger])

    body = client.get(f"/api/v1/accounts/{stranger}").json()

    assert body["is_merchant"] is False


def test_an_account_is_answered_while_the_node_is_gone(client, runtime, chain):
    someone = citizen()
    indexed(runtime, transfers=[(ZERO_ADDRESS, someone, 500)])
    chain.down = True

    response = client.get(f"/api/v1/accounts/{someone}")

    assert response.status_code == 200
    assert response.json()["balance"] == "5.00"
