"""A payment's lifecycle: sent -> confirmed when its authorization (payer, nonce) was used on chain,
by anyone's transaction; failed only when it can no longer be used (cancelled, or expired unused).
The state comes from what the indexer recorded: GET /payments/{tx_hash} only reads."""

from __future__ import annotations

import time

from eth_account import Account
from sqlalchemy import select

from backend.chain.typed_data import split_signature
from backend.indexer.service import Indexer
from backend.payments.models import Payment
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.indexer.coin import Coin
from tests.backend.payments.chain_helpers import (
    balance,
    cancel,
    citizen_with,
    set_merchant,
    settled,
    signed_transfer,
)
from tests.support.api import as_signed_in

URL = "/api/v1/payments"
WATCHER = Account.from_key(ANVIL_TEST_KEYS["deployer"])  # another Anvil account, not our relayer


def _shop(runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    return shop


def _rpc(w3, method, params):
    return w3.provider.make_request(method, params)


def _submit_as_watcher(w3, deployment, body, gas_price):
    """A mempool watcher sends the citizen's signed authorization itself (not waiting for it)."""
    sig = split_signature(body["signature"])
    call = Coin(w3, deployment).contract.functions.transferWithAuthorization(
        body["from"], body["to"], body["value"], body["validAfter"], body["validBefore"],
        bytes.fromhex(body["nonce"][2:]), sig.v, sig.r, sig.s,
    )
    tx = call.build_transaction({
        "from": WATCHER.address,
        "nonce": w3.eth.get_transaction_count(WATCHER.address, "pending"),
        "gas": 200_000,
        "gasPrice": gas_price,
    })
    signed = WATCHER.sign_transaction(tx)
    return "0x" + bytes(w3.eth.send_raw_transaction(signed.raw_transaction)).hex()


def _index(runtime):
    Indexer(runtime).run_until_idle()


def _stored(runtime, tx_hash):
    with runtime.sessions() as session:
        return session.scalar(select(Payment).where(Payment.tx_hash == tx_hash))


def test_payment_front_run_by_a_mempool_watcher_is_confirmed(client, runtime, w3, deployment):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    _rpc(w3, "evm_setAutomine", [False])
    try:
        relayed = client.post(URL, json=body, headers=as_signed_in(client, citizen))
        # It saw the relay in the mempool and outbids it: its transaction is mined first.
        watcher_tx = _submit_as_watcher(w3, deployment, body, w3.eth.gas_price * 10)
        _rpc(w3, "evm_mine", [])
    finally:
        _rpc(w3, "evm_setAutomine", [True])
    assert relayed.status_code == 201, relayed.text
    ours = relayed.json()["tx_hash"]
    assert w3.eth.get_transaction_receipt(ours)["status"] == 0  # our relay reverted
    assert w3.eth.get_transaction_receipt(watcher_tx)["status"] == 1

    _index(runtime)
    response = client.get(f"{URL}/{ours}")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert balance(runtime, shop.address) == 100


def test_looking_a_payment_up_does_not_write_its_state(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    tx_hash = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 100), headers=as_signed_in(client, citizen)
    ).json()["tx_hash"]

    response = client.get(f"{URL}/{tx_hash}")

    assert response.json()["status"] == "sent"  # mined, but the indexer has not recorded it yet
    assert _stored(runtime, tx_hash).status == "sent"


def test_payment_is_confirmed_once_the_indexer_saw_its_authorization_used(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    tx_hash = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 100), headers=as_signed_in(client, citizen)
    ).json()["tx_hash"]
    settled(runtime)  # the answer can come back before Anvil has mined the relay (a busy machine)

    _index(runtime)

    assert client.get(f"{URL}/{tx_hash}").json()["status"] == "confirmed"
    assert _stored(runtime, tx_hash).block_number is not None


def test_payment_whose_authorization_was_cancelled_is_failed(client, runtime, w3):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    _rpc(w3, "evm_setAutomine", [False])
    try:
        relayed = client.post(URL, json=body, headers=as_signed_in(client, citizen))
        _rpc(w3, "anvil_dropAllTransactions", [])  # the relay is lost (pool eviction)
        _rpc(w3, "evm_setAutomine", [True])
        cancel(runtime, citizen, body["nonce"])
    finally:
        _rpc(w3, "evm_setAutomine", [True])

    _index(runtime)

    assert client.get(f"{URL}/{relayed.json()['tx_hash']}").json()["status"] == "failed"
    assert balance(runtime, citizen.address) == 1000


def test_payment_whose_authorization_expired_unused_is_failed(client, runtime, w3):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100, valid_before=int(time.time()) + 60)
    _rpc(w3, "evm_setAutomine", [False])
    try:
        relayed = client.post(URL, json=body, headers=as_signed_in(client, citizen))
        _rpc(w3, "anvil_dropAllTransactions", [])
    finally:
        _rpc(w3, "evm_setAutomine", [True])
    tx_hash = relayed.json()["tx_hash"]
    _rpc(w3, "evm_increaseTime", [3600])
    citizen_with(runtime, 1)  # any later coin event: the indexed chain is past validBefore

    _index(runtime)

    assert client.get(f"{URL}/{tx_hash}").json()["status"] == "failed"


def test_payment_still_usable_stays_sent(client, runtime, w3):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    _rpc(w3, "evm_setAutomine", [False])
    try:
        relayed = client.post(URL, json=body, headers=as_signed_in(client, citizen))
        _rpc(w3, "anvil_dropAllTransactions", [])
    finally:
        _rpc(w3, "evm_setAutomine", [True])
    citizen_with(runtime, 1)

    _index(runtime)

    assert client.get(f"{URL}/{relayed.json()['tx_hash']}").json()["status"] == "sent"


def test_payment_looked_up_by_the_transaction_that_used_its_authorization(client, runtime, w3, deployment):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    _rpc(w3, "evm_setAutomine", [False])
    try:
        ours = client.post(URL, json=body, headers=as_signed_in(client, citizen)).json()["tx_hash"]
        watcher_tx = _submit_as_watcher(w3, deployment, body, w3.eth.gas_price * 10)
        _rpc(w3, "evm_mine", [])
    finally:
        _rpc(w3, "evm_setAutomine", [True])

    _index(runtime)
    response = client.get(f"{URL}/{watcher_tx}")

    assert (response.json()["tx_hash"], response.json()["status"]) == (ours, "confirmed")


def test_a_reorg_that_removes_the_use_puts_the_payment_back_to_sent(client, runtime, w3, deployment):
    coin = Coin(w3, deployment)
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    before = coin.snapshot()
    tx_hash = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 100), headers=as_signed_in(client, citizen)
    ).json()["tx_hash"]
    _index(runtime)
    assert _stored(runtime, tx_hash).status == "confirmed"

    coin.revert(before)
    coin.mine(3)  # another branch, longer than the one that carried the payment
    _index(runtime)

    assert _stored(runtime, tx_hash).status == "sent"


def test_payment_above_what_an_amount_can_hold_is_refused_before_sending(client, runtime):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)

    response = client.post(
        URL, json=signed_transfer(runtime, citizen, shop.address, 10**16), headers=as_signed_in(client, citizen)
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_a_payment_relayed_elsewhere_and_already_indexed_is_confirmed_when_posted(client, runtime, w3, deployment):
    shop = _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    watcher_tx = _submit_as_watcher(w3, deployment, body, w3.eth.gas_price * 2)
    w3.eth.wait_for_transaction_receipt(watcher_tx)
    _index(runtime)

    response = client.post(URL, json=body, headers=as_signed_in(client, citizen))

    assert response.status_code == 200, response.text
    assert (response.json()["tx_hash"], response.json()["status"]) == (watcher_tx, "confirmed")


def test_payment_whose_nonce_was_used_by_another_transfer_is_failed_not_confirmed(client, runtime, w3, deployment):
    shop, elsewhere = _shop(runtime), _shop(runtime)
    citizen = citizen_with(runtime, 1000)
    body = signed_transfer(runtime, citizen, shop.address, 100)
    # The payer signs the same nonce again, for someone else, and gets that one mined first.
    other = signed_transfer(runtime, citizen, elsewhere.address, 50, nonce=body["nonce"])
    _rpc(w3, "evm_setAutomine", [False])
    try:
        ours = client.post(URL, json=body, headers=as_signed_in(client, citizen)).json()["tx_hash"]
        _submit_as_watcher(w3, deployment, other, w3.eth.gas_price * 10)
        _rpc(w3, "evm_mine", [])
    finally:
        _rpc(w3, "evm_setAutomine", [True])

    _index(runtime)

    assert client.get(f"{URL}/{ours}").json()["status"] == "failed"
    assert balance(runtime, shop.address) == 0
