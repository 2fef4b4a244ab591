"""The FakeChain answers every question the real Chain does, and keeps the coin's rules services rely on."""

import inspect

import pytest

from backend.chain.client import Chain
from tests.support.fake_chain import CoinRefused, FakeChain
from tests.unit.helpers import citizen

# Chain's public names that unit tests have no use for: construction, raw access for the chain
# package's own modules, and the transitional web3 objects (going away).
NOT_FAKED = {"at", "rpc", "encode", "log_source", "w3", "coin"}


def public_names(cls):
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


def test_the_fake_offers_every_question_of_the_real_chain():
    assert public_names(Chain) - NOT_FAKED <= public_names(FakeChain)


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
