"""GET /accounts/{address}: the balance from the chain and, for its owner, a history that shows rewards,
payments made and received, and redemptions (the last three once the indexer has seen them confirmed)."""

from __future__ import annotations

from eth_account import Account

from backend.db import transaction
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from tests.backend.payments.chain_helpers import citizen_with, set_merchant, signed_transfer, transact
from tests.support.api import as_signed_in
from tests.support.chain import web3_of


def test_a_payment_shows_as_sent_for_the_citizen_and_received_for_the_shop(client, runtime, sign_in):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    with transaction(runtime.sessions) as session:  # a merchant is the city's intent and the chain's
        session.add(Merchant(address=shop.address, name="Bakkerij", iban="NL91ABNA0417164300", active=True,
                             chain_status="confirmed"))
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 400)
    assert client.post("/api/v1/payments", json=body, headers=as_signed_in(client, citizen)).status_code == 201
    Indexer(runtime).run_until_idle()

    citizen_view = client.get(f"/api/v1/accounts/{citizen.address}", headers=sign_in(client, citizen)).json()
    shop_view = client.get(f"/api/v1/accounts/{shop.address}", headers=sign_in(client, shop)).json()

    assert citizen_view["balance"] == "6.00"
    assert [(h["kind"], h["amount"], h["counterparty"]) for h in citizen_view["history"]] == [
        ("payment_sent", "4.00", shop.address)
    ]
    assert [(h["kind"], h["amount"], h["counterparty"]) for h in shop_view["history"]] == [
        ("payment_received", "4.00", citizen.address)
    ]
    assert shop_view["is_merchant"] is True


def test_a_redemption_shows_in_the_shops_history(client, runtime, sign_in):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    citizen = citizen_with(runtime, 500)
    body = signed_transfer(runtime, citizen, shop.address, 500)
    client.post("/api/v1/payments", json=body, headers=as_signed_in(client, citizen))
    web3_of(runtime.chain).provider.make_request("anvil_setBalance", [shop.address, hex(10**18)])
    transact(runtime, shop.key.hex(), "redeem", 300, b"\x01" * 32)
    Indexer(runtime).run_until_idle()

    view = client.get(f"/api/v1/accounts/{shop.address}", headers=sign_in(client, shop)).json()
    kinds = [(h["kind"], h["amount"]) for h in view["history"]]

    assert ("redeemed", "3.00") in kinds
    assert ("payment_received", "5.00") in kinds
    assert not any(kind == "payment_sent" for kind, _ in kinds)  # the burn is a redemption, not a payment


def test_an_address_with_nothing_has_an_empty_history(client, sign_in):
    owner = Account.create()
    body = client.get(f"/api/v1/accounts/{owner.address}", headers=sign_in(client, owner)).json()
    assert body == {**body, "balance": "0.00", "history": [], "is_merchant": False}
