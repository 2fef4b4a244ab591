"""Shared set-up for the LocalCoin tests: a real Anvil chain (brownie's development network), one
deployment per module, each test isolated by a chain snapshot (fn_isolation).

Helpers are fixtures, so every test module reaches them the same way whatever the import mode:
- `custom_error("LocalCoinAlreadyRewarded(bytes32)", claim_id)` is the revert string brownie reports
  for that error with those arguments, built from the signature, never pasted hex;
- `sign_typed(account, primary_type, message, ...)` signs EIP-712 data with eth-account against the
  coin's domain (name, version "1", chain id, contract), or a deliberately wrong one.
"""

from __future__ import annotations

import itertools
import os
import sys
from types import SimpleNamespace

import brownie.network.rpc  # noqa: F401 (loads the module patched below)
import pytest
from brownie import accounts, chain
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from localcoin_helpers import NAME, SYMBOL, TYPES, build_custom_error, claim

# -- speed -------------------------------------------------------------------------------------------


class _CallerOnlyInspect:
    """Stands in for `inspect` inside brownie.network.rpc, whose deprecation guard calls
    `inspect.stack()[1].frame` on every snapshot and revert: the full stack with source lines costs
    ~50 ms a call under pytest, most of this suite's run time. Only the caller's frame is ever read."""

    @staticmethod
    def stack():
        return [None, SimpleNamespace(frame=sys._getframe(2))]


# `brownie.network.rpc` is shadowed by an Rpc instance; the module is reached through sys.modules.
sys.modules["brownie.network.rpc"].inspect = _CallerOnlyInspect


# -- accounts ----------------------------------------------------------------------------------------


def _keyed_account(label: str):
    """A deterministic account with a private key (for signing), funded to send its own transactions."""
    account = accounts.add(keccak(text=f"heitje-test-{label}"))
    if account.balance() == 0:
        accounts[9].transfer(account, "10 ether", silent=True)
    return account


@pytest.fixture(scope="module")
def admin():
    return accounts[0]


@pytest.fixture(scope="module")
def minter():
    return accounts[1]


@pytest.fixture(scope="module")
def stranger():
    """Holds no role."""
    return accounts[2]


@pytest.fixture(scope="module")
def relayer():
    """Submits other people's signed authorizations (the backend, in production)."""
    return accounts[3]


@pytest.fixture(scope="module")
def alice():
    return _keyed_account("alice")


@pytest.fixture(scope="module")
def bob():
    return _keyed_account("bob")


@pytest.fixture(scope="module")
def shop():
    """A registered merchant with a key of its own."""
    return _keyed_account("shop")


# -- deployments -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def coin(LocalCoin, admin, minter, shop):
    """A fresh LocalCoin with `shop` registered as a merchant; transfers closed, as deployed."""
    token = LocalCoin.deploy(NAME, SYMBOL, admin, minter, {"from": admin})
    token.setMerchant(shop, True, {"from": admin})
    return token


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="module")
def claim_numbers():
    """Fresh claim numbers, unique within a module."""
    return itertools.count(1_000_000)


@pytest.fixture(scope="module")
def pay(coin, minter, claim_numbers):
    """Rewards `citizen` with `amount` units under a fresh claim; returns the transaction."""

    def pay(citizen, amount):
        return coin.reward(citizen, amount, claim(next(claim_numbers)), {"from": minter})

    return pay


# -- errors and signatures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def custom_error():
    return build_custom_error


@pytest.fixture(scope="module")
def domain(coin):
    return {"name": NAME, "version": "1", "chainId": chain.id, "verifyingContract": coin.address}


@pytest.fixture(scope="module")
def sign_typed(domain):
    """Signs `message` of `primary_type` for `account`; `**wrong_domain` replaces domain fields."""

    def sign(account, primary_type, message, **wrong_domain):
        signed = Account.sign_typed_data(
            account.private_key, {**domain, **wrong_domain}, {primary_type: TYPES[primary_type]}, message
        )
        return signed.v, signed.r, signed.s

    return sign


@pytest.fixture(scope="module")
def recover_typed(domain):
    """The address ecrecover yields for a signature over `message` (what the contract will see)."""

    def recover(primary_type, message, vrs):
        signable = encode_typed_data(domain, {primary_type: TYPES[primary_type]}, message)
        return Account.recover_message(signable, vrs=vrs)

    return recover


@pytest.fixture
def nonce():
    return os.urandom(32)


@pytest.fixture
def now():
    return chain.time()
