"""Histories name the shop (issue 12): a payment to a registered merchant carries its name."""

from __future__ import annotations

from tests.backend.payments.chain_helpers import citizen_with
from tests.support.api import as_signed_in
from tests.support.payment_requests import API, confirm, signed_for_request


def test_a_payment_to_a_shop_carries_the_shops_name_in_both_histories(client, runtime, till, sign_in):
    citizen = citizen_with(runtime, 1000)
    request = till.ask("3.00")
    body = signed_for_request(client, citizen, request["id"])
    paid = client.post(f"{API}/payments", json=body, headers=as_signed_in(client, citizen))
    confirm(client, runtime, paid.json()["tx_hash"])

    mine = client.get(f"{API}/accounts/{citizen.address}", headers=sign_in(client, citizen)).json()["history"]
    shops = client.get(f"{API}/accounts/{till.account.address}", headers=till.headers).json()["history"]

    sent = next(h for h in mine if h["kind"] == "payment_sent")
    received = next(h for h in shops if h["kind"] == "payment_received")
    assert (sent["counterparty"], sent["counterparty_name"]) == (till.account.address, "Bakkerij Jansen")
    assert received["counterparty"] == citizen.address and received["counterparty_name"] is None
