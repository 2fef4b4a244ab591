"""Redemptions: a merchant asks for a ref, signs redeemWithAuthorization, we relay it, it is verified."""

from __future__ import annotations

import os

from eth_account import Account
from web3 import Web3

from backend.chain.typed_data import Domain
from backend.db import transaction
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.payments.chain_helpers import balance, citizen_with, mint, set_merchant, transact
from tests.backend.redemptions.signing import sign_offer as _sign_offer
from tests.support.api import as_signed_in
from tests.support.chain import coin_of, web3_of

URL = "/api/v1/redemptions"


def test_merchant_gets_a_ref_and_the_typed_data_to_sign(client, shop, shop_headers, runtime):
    response = client.post(URL, json={"amount": "250.00"}, headers=shop_headers)

    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["status"] == "requested" and offer["amount"] == "250.00" and offer["units"] == 25_000
    assert len(offer["ref"]) == 66
    assert offer["typed_data"]["primaryType"] == "RedeemWithAuthorization"
    assert offer["typed_data"]["message"]["ref"] == offer["ref"]
    assert offer["typed_data"]["domain"]["verifyingContract"] == runtime.deployment.address


def test_citizen_cannot_ask_for_a_redemption(client, runtime, sign_in):
    citizen = citizen_with(runtime, 0)

    response = client.post(URL, json={"amount": "1.00"}, headers=sign_in(client, citizen))

    assert response.status_code == 403


def test_signed_redemption_is_relayed_and_burns(client, shop, shop_headers, runtime):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    supply = runtime.chain.total_supply()

    response = client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "sent" and response.json()["tx_hash"]
    assert balance(runtime, shop.address) == 25_000
    assert runtime.chain.total_supply() == supply - 25_000


def test_relayed_redemption_is_verified(client, shop, shop_headers, runtime):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    tx_hash = client.post(
        f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop)
    ).json()["tx_hash"]

    response = client.post(f"{URL}/verify", json={"tx_hash": tx_hash}, headers=shop_headers)

    assert response.status_code == 200, response.text
    verdict = response.json()
    assert (verdict["verdict"], verdict["reason"]) == ("verified", "ok")
    assert (
        verdict["merchant"] == shop.address
        and verdict["amount"] == "250.00"
        and verdict["ref"] == offer["ref"]
    )
    assert all(verdict["checks"].values())
    assert verdict["redemption"]["status"] == "sent"  # verify reads; the indexer records the burn


def test_relaying_the_same_redemption_twice_returns_the_same_transaction(client, shop, shop_headers, runtime):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    body = _sign_offer(shop, offer)

    headers = as_signed_in(client, shop)
    first, second = client.post(f"{URL}/relay", json=body, headers=headers), client.post(
        f"{URL}/relay", json=body, headers=headers
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["tx_hash"] == second.json()["tx_hash"]
    assert balance(runtime, shop.address) == 49_000


def test_redemption_signed_by_another_key_is_bad_signature(client, shop, shop_headers):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    body = _sign_offer(Account.create(), offer)

    response = client.post(f"{URL}/relay", json=body, headers=as_signed_in(client, shop))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_signature"


def test_redemption_with_another_amount_than_requested_is_a_mismatch(client, shop, shop_headers):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    offer["typed_data"]["message"]["amount"] = 2000

    response = client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "redemption_mismatch",
        "message": response.json()["error"]["message"],
        "details": {"ref": offer["ref"], "field": "amount"},
    }


def test_redemption_above_the_balance_is_insufficient_balance(client, shop, shop_headers):
    offer = client.post(URL, json={"amount": "600.00"}, headers=shop_headers).json()

    response = client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "insufficient_balance"


def test_deregistered_merchant_redeem_is_refused_as_not_merchant(client, shop, shop_headers, runtime):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    set_merchant(runtime, shop.address, False)

    response = client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_merchant"
    assert balance(runtime, shop.address) == 50_000


def test_non_merchant_redeem_reverts_on_chain_and_does_not_verify(client, runtime, shop, shop_headers):
    # A citizen calling redeem directly: the contract refuses with LocalCoinNotMerchant.
    citizen = citizen_with(runtime, 1000)
    web3_of(runtime.chain).eth.send_transaction(
        {
            "from": Account.from_key(ANVIL_TEST_KEYS["deployer"]).address,
            "to": citizen.address,
            "value": 10**17,
        }
    )
    call = coin_of(runtime.chain).functions.redeem(500, os.urandom(32))
    tx = call.build_transaction(
        {
            "from": citizen.address,
            "gas": 200_000,
            "nonce": web3_of(runtime.chain).eth.get_transaction_count(citizen.address),
        }
    )
    tx_hash = web3_of(runtime.chain).eth.send_raw_transaction(citizen.sign_transaction(tx).raw_transaction)
    web3_of(runtime.chain).eth.wait_for_transaction_receipt(tx_hash)

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(tx_hash)}, headers=shop_headers
    ).json()

    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "reverted")
    assert balance(runtime, citizen.address) == 1000


def test_redeem_from_the_merchants_own_wallet_is_verified_and_linked_to_its_ref(
    client, shop, shop_headers, runtime
):
    web3_of(runtime.chain).eth.send_transaction(
        {"from": Account.from_key(ANVIL_TEST_KEYS["deployer"]).address, "to": shop.address, "value": 10**17}
    )
    offer = client.post(URL, json={"amount": "20.00"}, headers=shop_headers).json()
    receipt = transact(runtime, shop.key, "redeem", 2000, Web3.to_bytes(hexstr=offer["ref"]))

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(receipt["transactionHash"])}, headers=shop_headers
    ).json()

    assert verdict["verdict"] == "verified"
    Indexer(runtime).run_until_idle()
    listed = client.get(URL, headers=shop_headers).json()
    assert [(r["ref"], r["status"]) for r in listed] == [(offer["ref"], "due")]


def test_a_plain_transfer_is_rejected_for_having_no_redeemed_log(client, shop, shop_headers, runtime):
    citizen = citizen_with(runtime, 1000)
    web3_of(runtime.chain).eth.send_transaction(
        {
            "from": Account.from_key(ANVIL_TEST_KEYS["deployer"]).address,
            "to": citizen.address,
            "value": 10**17,
        }
    )
    receipt = transact(runtime, citizen.key, "transfer", shop.address, 100)

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(receipt["transactionHash"])}, headers=shop_headers
    ).json()

    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "no_redeemed_log")


def test_an_unknown_transaction_is_rejected_as_not_found(client, shop_headers):
    verdict = client.post(f"{URL}/verify", json={"tx_hash": "0x" + "12" * 32}, headers=shop_headers).json()

    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "tx_not_found")


def test_another_contracts_transaction_is_rejected_as_wrong_contract(client, shop_headers, runtime):
    deployer = Account.from_key(ANVIL_TEST_KEYS["deployer"]).address
    tx_hash = web3_of(runtime.chain).eth.send_transaction(
        {"from": deployer, "to": Account.create().address, "value": 1}
    )
    web3_of(runtime.chain).eth.wait_for_transaction_receipt(tx_hash)

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(tx_hash)}, headers=shop_headers
    ).json()

    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "wrong_contract")


def test_burn_is_pending_until_it_has_the_configured_confirmations(
    client, shop, shop_headers, runtime, monkeypatch
):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    tx_hash = client.post(
        f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop)
    ).json()["tx_hash"]
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"confirmations": 3}))

    pending = client.post(f"{URL}/verify", json={"tx_hash": tx_hash}, headers=shop_headers).json()
    web3_of(runtime.chain).provider.make_request("anvil_mine", [2])
    verified = client.post(f"{URL}/verify", json={"tx_hash": tx_hash}, headers=shop_headers).json()

    assert (pending["verdict"], pending["reason"], pending["confirmations"]) == (
        "pending",
        "awaiting_confirmations",
        1,
    )
    assert (verified["verdict"], verified["confirmations"]) == ("verified", 3)


def test_burn_by_a_merchant_outside_the_registry_is_rejected(client, shop_headers, runtime):
    stranger = Account.create()
    set_merchant(runtime, stranger.address)
    mint(runtime, stranger.address, 1000)
    web3_of(runtime.chain).eth.send_transaction(
        {
            "from": Account.from_key(ANVIL_TEST_KEYS["deployer"]).address,
            "to": stranger.address,
            "value": 10**17,
        }
    )
    receipt = transact(runtime, stranger.key, "redeem", 1000, os.urandom(32))

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(receipt["transactionHash"])}, headers=shop_headers
    ).json()

    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "merchant_not_registered")


def test_merchant_lists_only_its_own_redemptions_and_operator_sees_all(
    client, shop, shop_headers, runtime, sign_in
):
    other = Account.create()
    with transaction(runtime.sessions) as session:
        session.add(
            Merchant(
                address=other.address,
                name="Other",
                iban="NL91ABNA0417164300",
                active=True,
                chain_status="confirmed",
            )
        )
    other_headers = sign_in(client, other)
    client.post(URL, json={"amount": "1.00"}, headers=shop_headers)
    client.post(URL, json={"amount": "2.00"}, headers=other_headers)
    operator = sign_in(client, Account.from_key(ANVIL_TEST_KEYS["deployer"]))

    own = client.get(URL, headers=shop_headers).json()
    everything = client.get(URL, headers=operator).json()

    assert [r["amount"] for r in own] == ["1.00"]
    assert sorted(r["amount"] for r in everything) == ["1.00", "2.00"]


def test_domain_of_the_typed_data_matches_the_contract(runtime):
    domain = coin_of(runtime.chain).functions.eip712Domain().call()

    assert (domain[1], domain[2], domain[3], domain[4]) == (
        Domain.of(runtime.deployment).name,
        "1",
        runtime.deployment.chain_id,
        runtime.deployment.address,
    )


def test_listing_shows_the_payout_state_of_each_redemption(client, shop, shop_headers, runtime):
    from sqlalchemy import update

    from backend.indexer.service import Indexer
    from backend.payouts.models import Payout

    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    client.post(URL, json={"amount": "20.00"}, headers=shop_headers)
    client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))
    Indexer(runtime).run_until_idle()
    with transaction(runtime.sessions) as session:
        session.execute(update(Payout).values(status="exported"))

    listed = {
        r["amount"]: (r["status"], r["payout_status"]) for r in client.get(URL, headers=shop_headers).json()
    }

    assert listed == {"10.00": ("exported", "exported"), "20.00": ("requested", None)}
