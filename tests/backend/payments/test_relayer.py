"""The relayer's nonces: safe across threads and processes sharing one database, and self-healing."""

from __future__ import annotations

import threading

from eth_account import Account
from web3 import Web3

from backend.chain.relayer import Relayer, RelayerNonce, Reverted
from backend.db import transaction
from backend.payments import service
from backend.payments.authorization import parse_signature
from tests.backend.payments.chain_helpers import balance, citizen_with, set_merchant, signed_transfer


def _transfer(body):
    return service.SignedTransfer(
        from_=body["from"],
        to=body["to"],
        value=body["value"],
        valid_after=body["validAfter"],
        valid_before=body["validBefore"],
        nonce=body["nonce"],
        signature=parse_signature(body["signature"], None, None, None),
    )


def test_relays_from_many_threads_each_get_their_own_nonce_and_all_land(runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    citizens = [citizen_with(runtime, 1000) for _ in range(6)]
    bodies = [signed_transfer(runtime, c, shop.address, 10) for c in citizens for _ in range(3)]
    hashes: list[str] = []
    errors: list[BaseException] = []

    def pay(body):
        try:
            with transaction(runtime.sessions) as session:
                hashes.append(service.submit(runtime, session, _transfer(body)).payment.tx_hash)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    receipts = [runtime.chain.w3.eth.wait_for_transaction_receipt(h, timeout=30) for h in hashes]
    assert all(r["status"] == 1 for r in receipts)
    nonces = {runtime.chain.w3.eth.get_transaction(h)["nonce"] for h in hashes}
    assert len(nonces) == len(bodies)
    assert balance(runtime, shop.address) == 10 * len(bodies)


def test_two_relayer_processes_sharing_the_database_do_not_collide(runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    first = Relayer(runtime.chain, runtime.settings.relayer_key)
    second = Relayer(runtime.chain, runtime.settings.relayer_key)  # another API process's relayer
    citizen = citizen_with(runtime, 1000)
    coin = runtime.chain.coin.functions
    sent = []
    for relayer in (first, second, first, second):
        body = signed_transfer(runtime, citizen, shop.address, 10)
        sig = parse_signature(body["signature"], None, None, None)
        call = coin.transferWithAuthorization(
            citizen.address,
            shop.address,
            10,
            0,
            body["validBefore"],
            Web3.to_bytes(hexstr=body["nonce"]),
            sig.v,
            sig.r,
            sig.s,
        )
        with transaction(runtime.sessions) as session:
            sent.append(relayer.send(session, call))

    nonces = [runtime.chain.w3.eth.get_transaction(h)["nonce"] for h in sent]
    assert nonces == sorted(set(nonces)) and len(nonces) == 4
    assert balance(runtime, shop.address) == 40


def test_relayer_retries_when_its_nonce_was_taken(runtime, monkeypatch):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    citizen = citizen_with(runtime, 1000)
    # Someone used the relayer key outside the backend, so the nonce our row hands out is taken.
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key)
    w3 = runtime.chain.w3
    w3.eth.send_transaction({"from": relayer.address, "to": shop.address, "value": 1})
    monkeypatch.setattr(relayer, "_next_nonce", lambda row: 0)
    body = signed_transfer(runtime, citizen, shop.address, 10)
    sig = parse_signature(body["signature"], None, None, None)
    call = runtime.chain.coin.functions.transferWithAuthorization(
        citizen.address,
        shop.address,
        10,
        0,
        body["validBefore"],
        Web3.to_bytes(hexstr=body["nonce"]),
        sig.v,
        sig.r,
        sig.s,
    )

    with transaction(runtime.sessions) as session:
        tx_hash = relayer.send(session, call)

    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    with transaction(runtime.sessions) as session:
        row = session.get(RelayerNonce, (relayer.address, runtime.chain.chain_id))
        assert row.next_nonce == w3.eth.get_transaction_count(relayer.address)


def test_a_call_the_chain_would_refuse_raises_reverted_with_the_error_name(runtime):
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key)
    call = runtime.chain.coin.functions.redeem(1, b"\x01" * 32)

    try:
        relayer.simulate(call)
    except Reverted as exc:
        assert exc.error == "LocalCoinNotMerchant"
        assert exc.args_ == (relayer.address,)
    else:
        raise AssertionError("redeem by a non-merchant was not refused")
