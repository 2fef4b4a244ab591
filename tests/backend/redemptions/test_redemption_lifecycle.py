"""A redemption and its payout are one lifecycle: requested -> sent -> burned -> due -> exported ->
paid (or failed / flagged). A burn is matched to a redemption only when merchant, ref and amount all
agree; facts enter through the indexer; POST /redemptions/verify only reads."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import select
from web3 import Web3

from backend.chain import typed_data
from backend.chain.typed_data import Domain
from backend.db import transaction
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from backend.payouts.models import Payout
from backend.redemptions.models import Redemption
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.indexer.coin import Coin
from tests.backend.payments.chain_helpers import balance, mint, set_merchant, transact
from tests.backend.redemptions.signing import sign_offer as _sign_offer
from tests.support.api import as_signed_in

URL = "/api/v1/redemptions"


def _gas(w3, account):
    w3.eth.send_transaction(
        {"from": Account.from_key(ANVIL_TEST_KEYS["deployer"]).address, "to": account.address, "value": 10**17}
    )


def _rival(runtime, w3):
    """Another registered merchant, with coins and gas."""
    rival = Account.create()
    set_merchant(runtime, rival.address)
    mint(runtime, rival.address, 1000)
    _gas(w3, rival)
    with transaction(runtime.sessions) as session:
        session.add(
            Merchant(address=rival.address, name="Rivaal", iban="NL91ABNA0417164300", active=True,
                     chain_status="confirmed")
        )
    return rival


def _row(runtime, ref):
    with runtime.sessions() as session:
        return session.scalar(select(Redemption).where(Redemption.ref == ref))


def _status(client, headers, ref):
    return {r["ref"]: r for r in client.get(URL, headers=headers).json()}[ref]["status"]


def test_another_merchants_burn_under_my_ref_does_not_touch_my_redemption(
    client, shop, shop_headers, runtime, w3
):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    rival = _rival(runtime, w3)
    receipt = transact(runtime, rival.key, "redeem", 1, Web3.to_bytes(hexstr=offer["ref"]))

    verdict = client.post(
        f"{URL}/verify", json={"tx_hash": Web3.to_hex(receipt["transactionHash"])}, headers=shop_headers
    ).json()
    Indexer(runtime).run_until_idle()

    assert verdict["verdict"] == "rejected"
    row = _row(runtime, offer["ref"])
    assert (row.status, row.tx_hash) == ("requested", None)
    assert _status(client, shop_headers, offer["ref"]) == "requested"


def test_my_burn_after_a_rivals_burn_under_my_ref_is_still_paid(client, shop, shop_headers, runtime, w3):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    rival = _rival(runtime, w3)
    transact(runtime, rival.key, "redeem", 1, Web3.to_bytes(hexstr=offer["ref"]))
    client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    Indexer(runtime).run_until_idle()

    assert _status(client, shop_headers, offer["ref"]) == "due"
    with runtime.sessions() as session:
        payouts = {p.merchant: (p.status, p.flag_reason) for p in session.scalars(select(Payout))}
    assert payouts[shop.address] == ("due", None)
    assert payouts[rival.address][0] == "flagged" and rival.address in payouts[rival.address][1]


def test_verify_only_reads(client, shop, shop_headers, runtime, w3):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    tx_hash = client.post(
        f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop)
    ).json()["tx_hash"]
    w3.eth.wait_for_transaction_receipt(tx_hash)  # Anvil mines just after answering

    verdict = client.post(f"{URL}/verify", json={"tx_hash": tx_hash}, headers=shop_headers).json()

    assert (verdict["verdict"], verdict["reason"]) == ("verified", "ok")
    assert _row(runtime, offer["ref"]).status == "sent"


def test_indexed_burn_moves_the_redemption_to_due(client, shop, shop_headers, runtime):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    Indexer(runtime).run_until_idle()

    assert _status(client, shop_headers, offer["ref"]) == "due"
    assert _row(runtime, offer["ref"]).status == "burned"


def test_relayed_redemption_valid_forever_is_refused_before_anything_is_burnt(
    client, shop, shop_headers, runtime
):
    offer = client.post(URL, json={"amount": "250.00"}, headers=shop_headers).json()
    message = offer["typed_data"]["message"]
    forever = 2**256 - 1
    data = typed_data.redeem_with_authorization(
        Domain.of(runtime.deployment), merchant=shop.address, amount=message["amount"], ref=message["ref"],
        valid_after=0, valid_before=forever, nonce=message["nonce"],
    )
    body = {**_sign_offer(shop, offer), "validBefore": forever,
            "signature": typed_data.sign(shop.key, data).hex}

    refused = client.post(f"{URL}/relay", json=body, headers=as_signed_in(client, shop))
    retried = client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "validation_error"
    assert retried.status_code == 201, retried.text
    assert balance(runtime, shop.address) == 25_000


def test_a_second_burn_for_a_burnt_redemption_is_flagged(client, shop, shop_headers, runtime, w3):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))
    _gas(w3, shop)
    transact(runtime, shop.key, "redeem", 1000, Web3.to_bytes(hexstr=offer["ref"]))

    Indexer(runtime).run_until_idle()

    with runtime.sessions() as session:
        statuses = sorted(p.status for p in session.scalars(select(Payout)))
    assert statuses == ["due", "flagged"]
    assert _status(client, shop_headers, offer["ref"]) == "due"


def test_a_reorg_that_removes_the_burn_puts_the_redemption_back_to_sent(
    client, shop, shop_headers, runtime, w3, deployment
):
    coin = Coin(w3, deployment)
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    before = coin.snapshot()
    client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))
    Indexer(runtime).run_until_idle()
    assert _status(client, shop_headers, offer["ref"]) == "due"

    coin.revert(before)
    coin.mine(3)
    Indexer(runtime).run_until_idle()

    assert _status(client, shop_headers, offer["ref"]) == "sent"


def test_a_relayed_redemption_whose_authorization_expired_unused_is_failed_until_its_ref_is_burnt(
    client, shop, shop_headers, runtime, w3
):
    offer = client.post(URL, json={"amount": "10.00"}, headers=shop_headers).json()
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        client.post(f"{URL}/relay", json=_sign_offer(shop, offer), headers=as_signed_in(client, shop))
        w3.provider.make_request("anvil_dropAllTransactions", [])  # the relay is lost
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    w3.provider.make_request("evm_increaseTime", [2 * 24 * 3600])
    mint(runtime, shop.address, 1)  # a later coin event: the indexed chain is past validBefore
    Indexer(runtime).run_until_idle()
    failed = _status(client, shop_headers, offer["ref"])

    _gas(w3, shop)
    transact(runtime, shop.key, "redeem", 1000, Web3.to_bytes(hexstr=offer["ref"]))
    Indexer(runtime).run_until_idle()

    assert (failed, _row(runtime, offer["ref"]).reason) == ("failed", None)
    assert _status(client, shop_headers, offer["ref"]) == "due"
