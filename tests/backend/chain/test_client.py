"""`Chain` on a real Anvil: typed questions answered in plain values, decoded events and reverts."""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.chain import typed_data
from backend.chain.rpc import RpcError
from backend.chain.typed_data import Domain
from backend.errors import ChainUnavailable
from tests.support.coin import ADMIN_KEY, Coin, new_account, ref_bytes, ref_hex


@pytest.fixture
def coin(w3, deployment) -> Coin:
    return Coin(w3, deployment)


def test_balances_supply_and_rewarded_claims_are_plain_ints_and_bools(runtime, coin, w3):
    citizen = new_account(w3)
    coin.reward(citizen.address, 1500, 41)
    chain = runtime.chain

    assert chain.balance_of(citizen.address) == 1500
    assert chain.total_supply() >= 1500
    assert chain.is_rewarded(41) is True
    assert chain.is_rewarded(ref_hex(41)) is True
    assert chain.is_rewarded(42) is False


def test_a_merchant_is_asked_about_at_a_given_block(runtime, coin, w3):
    shop = new_account(w3)
    before = runtime.chain.latest_block()
    coin.set_merchant(shop.address)

    assert runtime.chain.is_merchant(shop.address) is True
    assert runtime.chain.is_merchant(shop.address, block=before) is False


def test_the_coins_switches_and_budget_are_read(runtime):
    chain = runtime.chain

    assert chain.paused() is False
    assert chain.open_transfers() is False
    assert chain.mint_limit_remaining() > 0
    assert chain.has_code() is True
    assert chain.node_chain_id() == 31337


def test_a_block_hash_is_the_nodes_and_none_above_the_head(runtime, w3):
    head = runtime.chain.latest_block()

    assert runtime.chain.block_hash(head) == w3.eth.get_block(head)["hash"].to_0x_hex()
    assert runtime.chain.block_hash(head + 1000) is None


def test_events_in_a_transaction_are_decoded_to_plain_values(runtime, coin, w3):
    citizen = new_account(w3)
    sent = coin.reward(citizen.address, 700, 43)
    tx_hash = sent.receipt["transactionHash"].to_0x_hex()

    events = runtime.chain.events_in(tx_hash)

    assert [e.name for e in events] == ["Transfer", "Rewarded"]
    assert events[1].args == {"claimId": ref_hex(43), "citizen": citizen.address, "amount": 700}
    assert runtime.chain.decode_receipt_events(sent.receipt) == events  # web3's formatted receipt too
    paid = runtime.chain.rewards_in(runtime.chain.receipt(tx_hash))
    assert [(p.claim_id, p.citizen, p.units, p.tx_hash) for p in paid] == [(43, citizen.address.lower(), 700, tx_hash)]


def test_logs_are_found_by_event_and_indexed_argument(runtime, coin, w3):
    citizen = new_account(w3)
    coin.reward(citizen.address, 100, 44)
    coin.reward(citizen.address, 200, 45)

    found = runtime.chain.get_logs(runtime.deployment.block, event="Rewarded", indexed={"claimId": ref_bytes(45)})

    assert [e.args["amount"] for e in found] == [200]


def test_a_used_authorization_names_the_transaction_that_used_it(runtime, coin, w3):
    payer, shop = new_account(w3), new_account(w3)
    coin.reward(payer.address, 1000, 46)
    coin.set_merchant(shop.address)
    nonce = typed_data.random_nonce()
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment), from_=payer.address, to=shop.address, value=300,
        valid_after=0, valid_before=2**40, nonce=nonce,
    )
    sig = typed_data.sign(payer.key, data)
    assert runtime.chain.authorization_state(payer.address, nonce) is False

    call = coin.contract.functions.transferWithAuthorization(
        payer.address, shop.address, 300, 0, 2**40, bytes.fromhex(nonce[2:]), sig.v, sig.r, sig.s
    )
    sent = coin.send(ADMIN_KEY, call)  # anyone may submit it

    assert runtime.chain.authorization_state(payer.address, nonce) is True
    assert runtime.chain.authorization_used(payer.address, nonce) == sent.receipt["transactionHash"].to_0x_hex()
    assert runtime.chain.authorization_cancelled(payer.address, nonce) is None
    called = runtime.chain.call_in(sent.receipt["transactionHash"].to_0x_hex())
    assert called.function == "transferWithAuthorization"
    assert (called.args["to"], called.args["value"], called.sender) == (shop.address, 300, coin.w3.eth.accounts[0])


def test_a_refused_call_is_decoded_to_the_coins_custom_error(runtime):
    citizen = Account.create()
    call = {"from": citizen.address, "to": runtime.chain.address, "data": runtime.chain.encode("redeem", 1, b"\1" * 32)}

    with pytest.raises(RpcError) as refused:
        runtime.chain.rpc.call("eth_estimateGas", [call])

    revert = runtime.chain.decode_revert(refused.value)
    assert (revert.name, revert.args) == ("LocalCoinNotMerchant", (citizen.address,))


def test_a_chain_whose_node_is_gone_is_unavailable(deployment):
    from backend.chain.client import Chain

    with pytest.raises(ChainUnavailable):
        Chain.at("http://127.0.0.1:9", deployment, timeout=0.5).balance_of(Account.create().address)


def test_a_node_taken_away_in_a_test_is_unavailable_to_every_question(runtime, monkeypatch):
    from tests.support.chain import take_node_away

    take_node_away(runtime.chain, monkeypatch)

    with pytest.raises(ChainUnavailable):
        runtime.chain.latest_block()


def test_a_transaction_is_unknown_then_confirmed_with_its_confirmations(runtime, coin, w3):
    sent = coin.reward(new_account(w3).address, 100, 47)
    coin.mine(2)
    tx_hash = sent.receipt["transactionHash"].to_0x_hex()

    status = runtime.chain.tx_status(tx_hash)

    assert (status.status, status.block_number, status.confirmations) == ("confirmed", sent.receipt["blockNumber"], 3)
    assert runtime.chain.tx_status("0x" + "12" * 32).status == "unknown"
