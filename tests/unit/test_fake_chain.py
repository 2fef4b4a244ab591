"""The FakeChain answers every question the real Chain does, and keeps the coin's rules services rely on."""

import inspect

import pytest

from backend.chain.client import Chain
from tests.support.fake_chain import CoinRefused, FakeChain
from tests.unit.helpers import citizen

# The questions services ask. A method added to Chain for a service belongs here and in FakeChain.
QUESTIONS = (
    "chain_id", "address", "latest_block", "block_hash", "latest_block_time", "has_code", "node_chain_id",
    "native_balance", "gas_price",
    "balance_of", "total_supply", "is_rewarded", "is_merchant", "open_transfers", "paused",
    "mint_limit_remaining", "authorization_state", "authorization_used", "authorization_cancelled",
    "get_logs", "receipt", "tx_status", "decode_receipt_events", "rewards_in", "events_in", "call_in", "decode_revert",
    "mint_limit", "rewards_paid", "rewards_with_prefix",
    "transfer_with_authorization", "redeem_with_authorization", "burns_in",
)


def parameters(cls, name):
    member = inspect.getattr_static(cls, name)
    if isinstance(member, property):
        return "property"
    return list(inspect.signature(getattr(cls, name)).parameters)


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_fake_answers_the_question_with_the_same_parameters_as_the_real_chain(name):
    assert parameters(FakeChain, name) == parameters(Chain, name)


def test_a_claim_id_is_rewarded_once():
    chain, who = FakeChain(), citizen()
    chain.reward(who, 1500, 7)

    with pytest.raises(CoinRefused, match="AlreadyRewarded"):
        chain.reward(who, 1500, 7)
    assert chain.is_rewarded(7) and chain.balance_of(who) == 1500


def test_a_merchant_registration_is_seen_from_its_block_on():
    chain, shop = FakeChain(), citizen()
    before = chain.latest_block()
    chain.set_merchant(shop)

    assert chain.is_merchant(shop) and not chain.is_merchant(shop, block=before)


def test_a_used_authorization_names_its_transaction():
    chain, payer, shop = FakeChain(), citizen(), citizen()
    chain.reward(payer, 1000, 1)
    chain.set_merchant(shop)

    tx = chain.use_authorization(payer, b"\x01" * 32, to=shop, value=400)

    assert chain.authorization_state(payer, b"\x01" * 32)
    assert chain.authorization_used(payer, "0x" + "01" * 32) == tx
    assert [e.name for e in chain.events_in(tx)] == ["Transfer", "AuthorizationUsed"]
