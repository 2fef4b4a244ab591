"""The relayer's nonces: safe across threads and processes sharing one database, and self-healing."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from eth_account import Account
from web3 import Web3

from backend.chain.relayer import Relayer, RelayerNonce, Reverted
from backend.db import transaction
from backend.payments import service
from backend.payments.authorization import parse_signature
from tests.backend.payments.chain_helpers import balance, citizen_with, set_merchant, signed_transfer, transfer_of
from tests.support.chain import coin_of, web3_of


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
                hashes.append(service.submit(runtime, session, transfer_of(body)).payment.tx_hash)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    receipts = [web3_of(runtime.chain).eth.wait_for_transaction_receipt(h, timeout=30) for h in hashes]
    assert all(r["status"] == 1 for r in receipts)
    nonces = {web3_of(runtime.chain).eth.get_transaction(h)["nonce"] for h in hashes}
    assert len(nonces) == len(bodies)
    assert balance(runtime, shop.address) == 10 * len(bodies)


def test_two_relayer_processes_sharing_the_database_do_not_collide(runtime):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    first = Relayer(runtime.chain, runtime.settings.relayer_key)
    second = Relayer(runtime.chain, runtime.settings.relayer_key)  # another API process's relayer
    citizen = citizen_with(runtime, 1000)
    coin = coin_of(runtime.chain).functions
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

    nonces = [web3_of(runtime.chain).eth.get_transaction(h)["nonce"] for h in sent]
    assert nonces == sorted(set(nonces)) and len(nonces) == 4
    assert balance(runtime, shop.address) == 40


def test_relayer_retries_when_its_nonce_was_taken(runtime, monkeypatch):
    shop = Account.create()
    set_merchant(runtime, shop.address)
    citizen = citizen_with(runtime, 1000)
    # Someone used the relayer key outside the backend, so the nonce our row hands out is taken.
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key)
    w3 = web3_of(runtime.chain)
    w3.eth.send_transaction({"from": relayer.address, "to": shop.address, "value": 1})
    monkeypatch.setattr(relayer, "_next_nonce", lambda row: 0)
    body = signed_transfer(runtime, citizen, shop.address, 10)
    sig = parse_signature(body["signature"], None, None, None)
    call = coin_of(runtime.chain).functions.transferWithAuthorization(
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
    call = coin_of(runtime.chain).functions.redeem(1, b"\x01" * 32)

    try:
        relayer.simulate(call)
    except Reverted as exc:
        assert exc.error == "LocalCoinNotMerchant"
        assert exc.args_ == (relayer.address,)
    else:
        raise AssertionError("redeem by a non-merchant was not refused")


def _transfer_call(runtime, citizen, shop: str):
    body = signed_transfer(runtime, citizen, shop, 10)
    sig = parse_signature(body["signature"], None, None, None)
    return coin_of(runtime.chain).functions.transferWithAuthorization(
        citizen.address, shop, 10, 0, body["validBefore"], Web3.to_bytes(hexstr=body["nonce"]), sig.v, sig.r, sig.s
    )


@contextmanager
def _automine_off(w3):
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])


@pytest.fixture
def pool_emptied_after(runtime):
    """A test that fails can leave relays queued behind a gap; they must not meet the next test."""
    yield
    web3_of(runtime.chain).provider.make_request("anvil_dropAllTransactions", [])


def _relay_then_drop(runtime, relayer: Relayer, citizen, shop: str) -> int:
    """Relays a payment that the chain then loses (a reorg the node does not re-broadcast); returns
    the nonce it had, which is free again."""
    w3 = web3_of(runtime.chain)
    with _automine_off(w3):
        with transaction(runtime.sessions) as session:
            lost = relayer.send(session, _transfer_call(runtime, citizen, shop))
        nonce = w3.eth.get_transaction(lost)["nonce"]
        assert w3.provider.make_request("anvil_dropTransaction", [lost]).get("error") is None
    assert w3.eth.get_transaction_count(relayer.address, "pending") == nonce
    return nonce


def test_a_relay_after_the_last_relayed_transaction_was_dropped_takes_the_freed_nonce_and_is_mined(
    runtime, pool_emptied_after
):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizen = citizen_with(runtime, 1000)
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key, stale_after=30)
    freed = _relay_then_drop(runtime, relayer, citizen, shop)

    with transaction(runtime.sessions) as session:
        tx_hash = relayer.send(session, _transfer_call(runtime, citizen, shop))

    w3 = web3_of(runtime.chain)
    assert w3.eth.get_transaction(tx_hash)["nonce"] == freed
    assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)["status"] == 1
    assert balance(runtime, shop) == 10


def test_a_relay_while_the_node_has_not_counted_the_last_one_yet_keeps_the_next_nonce(
    runtime, pool_emptied_after, monkeypatch
):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizen = citizen_with(runtime, 1000)
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key, stale_after=30)
    w3 = web3_of(runtime.chain)
    with _automine_off(w3):
        with transaction(runtime.sessions) as session:
            first = relayer.send(session, _transfer_call(runtime, citizen, shop))
        lagging = w3.eth.get_transaction(first)["nonce"]
        # A load-balanced RPC whose other node has not seen the first relay yet.
        monkeypatch.setattr(relayer, "_pending", lambda: lagging)
        with transaction(runtime.sessions) as session:
            second = relayer.send(session, _transfer_call(runtime, citizen, shop))

    assert w3.eth.get_transaction(second)["nonce"] == lagging + 1
    w3.provider.make_request("anvil_mine", [1])
    assert [w3.eth.wait_for_transaction_receipt(h, timeout=10)["status"] for h in (first, second)] == [1, 1]


def test_another_process_stops_trusting_the_row_once_the_node_stays_behind_it_while_relays_go_on(
    runtime, monkeypatch, pool_emptied_after
):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizen = citizen_with(runtime, 1000)
    first = Relayer(runtime.chain, runtime.settings.relayer_key, stale_after=30)
    freed = _relay_then_drop(runtime, first, citizen, shop)
    other = Relayer(runtime.chain, runtime.settings.relayer_key, stale_after=30)  # knows nothing of the drop
    w3 = web3_of(runtime.chain)
    with transaction(runtime.sessions) as session:
        queued = other.send(session, _transfer_call(runtime, citizen, shop))  # keeps the row fresh
    started = time.monotonic()
    # The node stays behind for 31 s (raising=False: the test must fail, not error, without the clock).
    monkeypatch.setattr(other, "_clock", lambda: started + 31, raising=False)

    with transaction(runtime.sessions) as session:
        healing = other.send(session, _transfer_call(runtime, citizen, shop))

    assert w3.eth.get_transaction(healing)["nonce"] == freed
    assert [w3.eth.wait_for_transaction_receipt(h, timeout=10)["status"] for h in (healing, queued)] == [1, 1]
    assert balance(runtime, shop) == 20


def test_a_batch_of_relays_is_sent_with_consecutive_nonces_under_one_row_lock(runtime):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizen = citizen_with(runtime, 1000)
    relayer = Relayer(runtime.chain, runtime.settings.relayer_key)
    calls = [_transfer_call(runtime, citizen, shop) for _ in range(4)]
    batch = [(call._encode_transaction_data(), relayer.simulate(call)) for call in calls]

    with transaction(runtime.sessions) as session:
        hashes = relayer.send_batch(session, batch)

    w3 = web3_of(runtime.chain)
    nonces = [w3.eth.get_transaction(h)["nonce"] for h in hashes]
    assert nonces == list(range(nonces[0], nonces[0] + 4))
    assert [w3.eth.wait_for_transaction_receipt(h, timeout=10)["status"] for h in hashes] == [1] * 4
    with transaction(runtime.sessions) as session:
        assert session.get(RelayerNonce, (relayer.address, runtime.chain.chain_id)).next_nonce == nonces[-1] + 1
    assert balance(runtime, shop) == 40


def test_the_same_authorization_posted_from_many_threads_at_once_is_relayed_once(runtime):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizen = citizen_with(runtime, 1000)
    transfer = transfer_of(signed_transfer(runtime, citizen, shop, 10))
    answers: list[tuple[str, bool]] = []
    errors: list[BaseException] = []

    def pay():
        try:
            with transaction(runtime.sessions) as session:
                relayed = service.submit(runtime, session, transfer)
                answers.append((relayed.payment.tx_hash, relayed.created))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pay) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One relays it; each other one is answered with that payment (found in the database, in its
    # batch, or behind the relayer's lock after its check found the authorization used on chain).
    assert errors == []
    assert [created for _, created in answers].count(True) == 1
    assert len({tx_hash for tx_hash, _ in answers}) == 1
    assert balance(runtime, shop) == 10
