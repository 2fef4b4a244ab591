"""GET /payments: a shop's till sees what came in, a citizen what they paid; nobody sees others'."""

from __future__ import annotations

from eth_account import Account

from tests.backend.payments.chain_helpers import citizen_with, set_merchant, signed_transfer
from tests.support.api import as_signed_in

URL = "/api/v1/payments"


def _paid_shop(client, runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    citizen = citizen_with(runtime, 1000)
    assert client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 250), headers=as_signed_in(client, citizen)
    ).status_code == 201
    return shop, citizen


def test_shop_lists_the_payments_it_received_with_their_time(client, runtime, sign_in):
    shop, citizen = _paid_shop(client, runtime)
    response = client.get(URL, params={"to": shop.address}, headers=sign_in(client, shop))
    assert response.status_code == 200
    [payment] = response.json()
    assert (payment["from"], payment["to"], payment["amount"]) == (citizen.address, shop.address, "2.50")
    assert payment["created_at"]


def test_citizen_without_filters_sees_only_their_own_payments(client, runtime, sign_in):
    _, citizen = _paid_shop(client, runtime)
    _paid_shop(client, runtime)
    payments = client.get(URL, headers=sign_in(client, citizen)).json()
    assert [p["from"] for p in payments] == [citizen.address]


def test_asking_for_another_shops_payments_is_forbidden(client, runtime, sign_in):
    shop, _ = _paid_shop(client, runtime)
    response = client.get(URL, params={"to": shop.address}, headers=sign_in(client, Account.create()))
    assert response.status_code == 403


def test_a_malformed_address_filter_is_a_422(client, runtime, sign_in):
    response = client.get(URL, params={"to": "0x123"}, headers=sign_in(client, Account.create()))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_listing_payments_needs_a_sign_in(client):
    assert client.get(URL).status_code == 401
