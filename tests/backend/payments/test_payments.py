"""POST /payments: a citizen's signed transferWithAuthorization, checked like the chain would and relayed."""

from __future__ import annotations

import time

from eth_account import Account

from backend.chain.typed_data import recover_signer, sign, split_signature
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.payments.chain_helpers import (
    balance,
    cancel,
    citizen_with,
    set_merchant,
    signed_transfer,
    transact,
)
from tests.support.api import as_signed_in
from tests.support.chain import take_node_away, web3_of

URL = "/api/v1/payments"


def _shop(runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    return shop


def test_signed_payment_moves_coins_from_citizen_to_merchant(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 2000)

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 1250), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "sent" and body["tx_hash"].startswith("0x") and body["amount"] == "12.50"
    assert balance(runtime, shop.address) == 1250
    assert balance(runtime, citizen.address) == 750


def test_payer_needs_no_gas(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 500)
    assert web3_of(runtime.chain).eth.get_balance(citizen.address) == 0

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 500), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 201
    assert web3_of(runtime.chain).eth.get_balance(citizen.address) == 0


def test_payment_with_v_r_s_instead_of_signature_is_relayed(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 500)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    sig = split_signature(body.pop("signature"))
    body.update(v=sig.v, r="0x" + sig.r.hex(), s="0x" + sig.s.hex())

    assert client.post(URL, json=body, headers=as_signed_in(client, citizen)).status_code == 201
    assert balance(runtime, shop.address) == 100


def test_repeating_a_payment_returns_the_same_transaction_and_moves_coins_once(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 300)

    first = client.post(URL, json=body, headers=as_signed_in(client, citizen))
    second = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["tx_hash"] == second.json()["tx_hash"]
    assert balance(runtime, shop.address) == 300


def test_signature_by_someone_else_is_bad_signature(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    thief = Account.create()

    body = signed_transfer(runtime, citizen, shop.address, 300, signer=thief)

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_signature"
    assert balance(runtime, citizen.address) == 1000


def test_tampered_amount_is_bad_signature(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 300)
    body["value"] = 900

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.json()["error"]["code"] == "bad_signature"


def test_payment_to_a_non_merchant_is_receiver_not_allowed(client, runtime):
    citizen = citizen_with(runtime, 1000)
    friend = Account.create()

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, friend.address, 300), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "receiver_not_allowed"


def test_payment_to_a_person_is_relayed_when_transfers_are_open(client, runtime):
    transact(runtime, ANVIL_TEST_KEYS["deployer"], "setOpenTransfers", True)
    citizen = citizen_with(runtime, 1000)
    friend = Account.create()

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, friend.address, 300), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 201
    assert balance(runtime, friend.address) == 300


def test_payment_above_the_balance_is_insufficient_balance(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 100)

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 101), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "insufficient_balance"
    assert error["details"]["balance"] == "1.00"


def test_expired_authorization_is_authorization_expired(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100, valid_before=int(time.time()) - 10)

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "authorization_expired"


def test_future_authorization_is_authorization_not_yet_valid(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(
        runtime,
        citizen,
        shop.address,
        100,
        valid_after=int(time.time()) + 3600,
        valid_before=int(time.time()) + 7200,
    )

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "authorization_not_yet_valid"


def test_authorization_used_on_chain_by_another_relayer_is_authorization_used(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    sig = split_signature(body["signature"])
    transact(
        runtime,
        ANVIL_TEST_KEYS["deployer"],
        "transferWithAuthorization",
        citizen.address,
        shop.address,
        100,
        0,
        body["validBefore"],
        bytes.fromhex(body["nonce"][2:]),
        sig.v,
        sig.r,
        sig.s,
    )
    # The same nonce, signed again for another amount: a replay of a used authorization.
    replay = signed_transfer(runtime, citizen, shop.address, 200, nonce=body["nonce"])

    response = client.post(URL, json=replay, headers=as_signed_in(client, citizen))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "authorization_used"
    assert balance(runtime, shop.address) == 100


def test_authorization_relayed_elsewhere_is_reported_as_that_payment(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    sig = split_signature(body["signature"])
    receipt = transact(
        runtime,
        ANVIL_TEST_KEYS["deployer"],
        "transferWithAuthorization",
        citizen.address,
        shop.address,
        100,
        0,
        body["validBefore"],
        bytes.fromhex(body["nonce"][2:]),
        sig.v,
        sig.r,
        sig.s,
    )

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 200
    assert response.json()["tx_hash"] == "0x" + bytes(receipt["transactionHash"]).hex()
    assert balance(runtime, shop.address) == 100


def test_cancelled_authorization_is_authorization_cancelled(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    cancel(runtime, citizen, body["nonce"])

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "authorization_cancelled"
    assert balance(runtime, citizen.address) == 1000


def test_reusing_a_relayed_nonce_for_another_payment_is_authorization_used(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    first = signed_transfer(runtime, citizen, shop.address, 100)
    assert client.post(URL, json=first, headers=as_signed_in(client, citizen)).status_code == 201

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 200, nonce=first["nonce"])
    , headers=as_signed_in(client, citizen))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "authorization_used"


def test_paused_coin_is_coin_paused(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    transact(runtime, ANVIL_TEST_KEYS["deployer"], "pause")

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 100), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "coin_paused"


def test_malformed_signature_is_a_validation_error(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    body["signature"] = "0x1234"

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_chain_down_is_chain_unavailable(client, runtime, monkeypatch):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    take_node_away(runtime.chain, monkeypatch)

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"


def test_typed_data_helper_returns_what_the_wallet_signs(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)

    offer = client.post(
        f"{URL}/typed-data", json={"from": citizen.address, "to": shop.address, "amount": "2.50"}
    )
    assert offer.status_code == 200
    data = offer.json()
    signature = sign(citizen.key, data["typed_data"])
    assert recover_signer(data["typed_data"], signature) == citizen.address
    body = {
        "from": citizen.address,
        "to": shop.address,
        "value": data["typed_data"]["message"]["value"],
        "validAfter": data["validAfter"],
        "validBefore": data["validBefore"],
        "nonce": data["nonce"],
        "signature": signature.hex,
    }

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 201, response.text
    assert balance(runtime, shop.address) == 250


def test_typed_data_names_the_coin_domain(client, runtime):
    citizen, shop = Account.create(), Account.create()

    data = client.post(
        f"{URL}/typed-data", json={"from": citizen.address, "to": shop.address, "amount": "1.00"}
    ).json()["typed_data"]

    assert data["primaryType"] == "TransferWithAuthorization"
    assert data["domain"] == {
        "name": runtime.deployment.name,
        "version": "1",
        "chainId": runtime.deployment.chain_id,
        "verifyingContract": runtime.deployment.address,
    }


def test_checkout_request_is_an_eip681_uri_for_the_merchant(client, runtime):
    from backend.db import transaction
    from backend.merchants.models import Merchant

    shop = Account.create().address
    with transaction(runtime.sessions) as session:
        session.add(
            Merchant(
                address=shop, name="Bakkerij Pelzer", iban="NL91ABNA0417164300", active=True,
                chain_status="confirmed",
            )
        )

    response = client.post(
        f"{URL}/checkout", json={"merchant": shop, "amount": "12.50", "order": "till-3/0042"}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    deployment = runtime.deployment
    assert body["uri"] == (
        f"ethereum:{deployment.address}@{deployment.chain_id}/transfer?address={shop}&uint256=1250"
    )
    assert body["payload"]["merchant_name"] == "Bakkerij Pelzer" and body["payload"]["amount"] == "12.50"


def test_checkout_for_a_shop_whose_registration_is_not_yet_on_chain_is_not_found(client, runtime):
    from backend.db import transaction
    from backend.merchants.models import Merchant

    shop = Account.create().address
    with transaction(runtime.sessions) as session:
        session.add(Merchant(address=shop, name="Nieuw", iban="NL91ABNA0417164300", active=True))

    response = client.post(f"{URL}/checkout", json={"merchant": shop, "amount": "1.00"})

    assert response.status_code == 404


def test_checkout_for_an_unknown_merchant_is_not_found(client):
    response = client.post(f"{URL}/checkout", json={"merchant": Account.create().address, "amount": "1.00"})

    assert response.status_code == 404


def test_relayer_without_gas_money_is_relayer_unavailable_and_the_signature_stays_unused(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    relayer = Account.from_key(runtime.settings.relayer_key).address
    funds = web3_of(runtime.chain).eth.get_balance(relayer)
    web3_of(runtime.chain).provider.make_request("anvil_setBalance", [relayer, "0x0"])
    body = signed_transfer(runtime, citizen, shop.address, 100)

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))
    web3_of(runtime.chain).provider.make_request("anvil_setBalance", [relayer, hex(funds)])
    again = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "relayer_unavailable"
    assert again.status_code == 201
