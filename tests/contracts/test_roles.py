"""Roles: who may do what. The constructor hands them out; every guarded function checks its role."""

import brownie
import pytest
from eth_utils import keccak
from localcoin_helpers import DAY, claim

MINTER = keccak(text="MINTER_ROLE")
REGISTRAR = keccak(text="REGISTRAR_ROLE")
PAUSER = keccak(text="PAUSER_ROLE")
ADMIN = b"\0" * 32

GUARDED = {
    "reward": (MINTER, lambda c, who: c.reward(who, 1, claim(1), {"from": who})),
    "rewardBatch": (MINTER, lambda c, who: c.rewardBatch([who], [1], [claim(1)], {"from": who})),
    "setMintLimit": (ADMIN, lambda c, who: c.setMintLimit(1, DAY, {"from": who})),
    "setMerchant": (REGISTRAR, lambda c, who: c.setMerchant(who, True, {"from": who})),
    "setOpenTransfers": (ADMIN, lambda c, who: c.setOpenTransfers(True, {"from": who})),
    "pause": (PAUSER, lambda c, who: c.pause({"from": who})),
    "unpause": (PAUSER, lambda c, who: c.unpause({"from": who})),
    "grantRole": (ADMIN, lambda c, who: c.grantRole(MINTER, who, {"from": who})),
}


def test_role_constants_are_the_hashes_of_their_names(coin):
    constants = (coin.MINTER_ROLE(), coin.REGISTRAR_ROLE(), coin.PAUSER_ROLE(), coin.DEFAULT_ADMIN_ROLE())
    assert constants == tuple("0x" + r.hex() for r in (MINTER, REGISTRAR, PAUSER, ADMIN))


@pytest.mark.parametrize("role", [ADMIN, REGISTRAR, PAUSER], ids=["admin", "registrar", "pauser"])
def test_the_admin_gets_admin_registrar_and_pauser_roles(coin, admin, role):
    assert coin.hasRole(role, admin)


def test_the_admin_is_not_a_minter(coin, admin):
    assert not coin.hasRole(MINTER, admin)


def test_the_minter_gets_only_the_minter_role(coin, minter):
    roles = [coin.hasRole(r, minter) for r in (MINTER, ADMIN, REGISTRAR, PAUSER)]
    assert roles == [True, False, False, False]


@pytest.mark.parametrize("function", GUARDED)
def test_a_caller_without_the_role_is_refused(coin, stranger, custom_error, function):
    role, call = GUARDED[function]

    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount(address,bytes32)", stranger, role)):
        call(coin, stranger)


def test_the_admin_can_grant_the_minter_role(coin, admin, stranger, alice):
    coin.grantRole(MINTER, stranger, {"from": admin})

    coin.reward(alice, 1, claim(1), {"from": stranger})
    assert coin.balanceOf(alice) == 1


def test_the_admin_can_revoke_a_stolen_minter_key(coin, admin, minter, alice, custom_error):
    coin.revokeRole(MINTER, minter, {"from": admin})

    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount(address,bytes32)", minter, MINTER)):
        coin.reward(alice, 1, claim(1), {"from": minter})
