"""The merchant registry: operators register and deactivate shops; the public sees where to spend;
the on-chain setMerchant goes through the persistent sender, never inline in the request."""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.chain.sender import TxSender
from backend.merchants.chain_jobs import MerchantSource
from backend.settings import ANVIL_TEST_KEYS

URL = "/api/v1/merchants"
IBAN = "NL91ABNA0417164300"


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, Account.from_key(ANVIL_TEST_KEYS["deployer"]))


@pytest.fixture
def sender(runtime):
    worker = TxSender(runtime, runtime.settings.minter_key, [MerchantSource(runtime)], name="test-sender")
    yield worker
    worker.close()


def run_sender(sender: TxSender, ticks: int = 3) -> None:
    for _ in range(ticks):
        sender.tick()


def test_operator_registers_a_merchant_with_a_valid_iban(client, operator):
    shop = Account.create().address

    response = client.post(
        URL,
        json={"address": shop, "name": "Bakkerij Pelzer", "iban": "nl91 abna 0417 1643 00"},
        headers=operator,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["address"], body["iban"], body["active"], body["chain_status"]) == (
        shop,
        IBAN,
        True,
        "pending",
    )


def test_registration_does_not_touch_the_chain_in_the_request(client, operator, runtime):
    shop = Account.create().address

    client.post(URL, json={"address": shop, "name": "Bakkerij Pelzer", "iban": IBAN}, headers=operator)

    assert runtime.chain.is_merchant(shop) is False


def test_sender_registers_the_merchant_on_chain(client, operator, runtime, sender):
    shop = Account.create().address
    client.post(URL, json={"address": shop, "name": "Bakkerij Pelzer", "iban": IBAN}, headers=operator)

    run_sender(sender)

    assert runtime.chain.is_merchant(shop) is True
    entry = client.get(f"{URL}/{shop}", headers=operator).json()
    assert entry["chain_status"] == "confirmed" and entry["chain_tx_hash"].startswith("0x")


def test_deactivation_deregisters_on_chain_through_the_sender(client, operator, runtime, sender):
    shop = Account.create().address
    client.post(URL, json={"address": shop, "name": "Bakkerij Pelzer", "iban": IBAN}, headers=operator)
    run_sender(sender)

    response = client.post(f"{URL}/{shop}/deactivate", headers=operator)
    run_sender(sender)

    assert response.status_code == 200 and response.json()["active"] is False
    assert runtime.chain.is_merchant(shop) is False
    assert client.get(f"{URL}/{shop}", headers=operator).json()["chain_status"] == "confirmed"


def test_delete_deactivates_too(client, operator):
    shop = Account.create().address
    client.post(URL, json={"address": shop, "name": "Bakkerij Pelzer", "iban": IBAN}, headers=operator)

    response = client.delete(f"{URL}/{shop}", headers=operator)

    assert response.status_code == 200 and response.json()["active"] is False


def test_changing_ones_mind_before_the_sender_runs_ends_with_the_last_intent(
    client, operator, runtime, sender
):
    shop = Account.create().address
    client.post(URL, json={"address": shop, "name": "Bakkerij Pelzer", "iban": IBAN}, headers=operator)
    run_sender(sender, ticks=1)  # setMerchant(true) sent, not yet settled
    client.post(f"{URL}/{shop}/deactivate", headers=operator)

    run_sender(sender, ticks=4)

    assert runtime.chain.is_merchant(shop) is False
    assert client.get(f"{URL}/{shop}", headers=operator).json()["chain_status"] == "confirmed"


def test_invalid_iban_is_refused(client, operator):
    response = client.post(
        URL,
        json={"address": Account.create().address, "name": "Shop", "iban": "NL91ABNA0417164301"},
        headers=operator,
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_iban"


def test_registering_an_active_merchant_twice_is_a_conflict(client, operator):
    body = {"address": Account.create().address, "name": "Shop", "iban": IBAN}
    client.post(URL, json=body, headers=operator)

    response = client.post(URL, json=body, headers=operator)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "merchant_exists"


def test_a_citizen_cannot_register_merchants(client, sign_in):
    citizen = Account.create()

    response = client.post(
        URL, json={"address": citizen.address, "name": "Me", "iban": IBAN}, headers=sign_in(client, citizen)
    )

    assert response.status_code == 403


def test_public_list_shows_active_merchants_without_ibans(client, operator):
    kept, dropped = Account.create().address, Account.create().address
    client.post(URL, json={"address": kept, "name": "Kept", "iban": IBAN}, headers=operator)
    client.post(URL, json={"address": dropped, "name": "Dropped", "iban": IBAN}, headers=operator)
    client.post(f"{URL}/{dropped}/deactivate", headers=operator)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == [{"address": kept, "name": "Kept", "accepting_payments": False}]


def test_registered_merchant_gets_the_merchant_role(client, operator, sign_in):
    shop = Account.create()
    client.post(URL, json={"address": shop.address, "name": "Shop", "iban": IBAN}, headers=operator)

    response = client.post("/api/v1/redemptions", json={"amount": "1.00"}, headers=sign_in(client, shop))

    assert response.status_code == 201


def test_sender_restart_confirms_a_merchant_already_right_on_chain(client, operator, runtime):
    from tests.backend.payments.chain_helpers import set_merchant

    shop = Account.create().address
    client.post(URL, json={"address": shop, "name": "Shop", "iban": IBAN}, headers=operator)
    set_merchant(runtime, shop)  # registered by hand (brownie script) before the sender ran

    fresh = TxSender(runtime, runtime.settings.minter_key, [MerchantSource(runtime)], name="restarted")
    try:
        fresh.tick()
    finally:
        fresh.close()

    assert client.get(f"{URL}/{shop}", headers=operator).json()["chain_status"] == "confirmed"
