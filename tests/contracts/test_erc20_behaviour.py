"""The ERC-20 behaviours OpenZeppelin checks on its own token (shouldBehaveLikeERC20), run against
LocalCoin with person-to-person transfers opened, and against a plain OpenZeppelin ERC-20 to show the
suite itself is generic: both tokens must pass exactly the same checks."""

import brownie
import pytest
from localcoin_helpers import ZERO_ADDRESS, claim

INITIAL = 10_000
MAX_UINT = 2**256 - 1


@pytest.fixture(scope="module", params=["LocalCoin", "BaselineToken"])
def token(request, coin, admin, minter, alice, BaselineToken):
    """The token under test, with `alice` holding INITIAL units and transfers open."""
    if request.param == "LocalCoin":
        coin.setOpenTransfers(True, {"from": admin})
        coin.reward(alice, INITIAL, claim(1), {"from": minter})
        return coin
    baseline = BaselineToken.deploy({"from": admin})
    baseline.batchMint([alice], [INITIAL], {"from": admin})
    return baseline


@pytest.fixture(scope="module")
def holder(alice):
    return alice


@pytest.fixture(scope="module")
def recipient(bob):
    return bob


@pytest.fixture(scope="module")
def spender(stranger):
    return stranger


# -- totalSupply / balanceOf ---------------------------------------------------------------------------


def test_total_supply_is_what_was_minted(token):
    assert token.totalSupply() == INITIAL


def test_balance_of_an_account_without_tokens_is_zero(token, recipient):
    assert token.balanceOf(recipient) == 0


def test_balance_of_the_holder_is_what_it_was_given(token, holder):
    assert token.balanceOf(holder) == INITIAL


# -- transfer ------------------------------------------------------------------------------------------


def test_transfer_moves_the_amount(token, holder, recipient):
    token.transfer(recipient, INITIAL, {"from": holder})

    assert token.balanceOf(holder) == 0
    assert token.balanceOf(recipient) == INITIAL


def test_transfer_emits_a_transfer_event(token, holder, recipient):
    tx = token.transfer(recipient, 1, {"from": holder})

    assert tx.events["Transfer"][0] == {"from": holder, "to": recipient, "value": 1}


def test_transfer_returns_true(token, holder, recipient):
    assert token.transfer.call(recipient, 1, {"from": holder}) is True


def test_transfer_of_more_than_the_balance_reverts(token, holder, recipient, custom_error):
    with brownie.reverts(
        custom_error("ERC20InsufficientBalance(address,uint256,uint256)", holder, INITIAL, INITIAL + 1)
    ):
        token.transfer(recipient, INITIAL + 1, {"from": holder})


def test_transfer_of_zero_succeeds_and_emits(token, holder, recipient):
    tx = token.transfer(recipient, 0, {"from": holder})

    assert tx.events["Transfer"][0]["value"] == 0
    assert token.balanceOf(holder) == INITIAL


def test_transfer_to_oneself_keeps_the_balance(token, holder):
    token.transfer(holder, INITIAL, {"from": holder})

    assert token.balanceOf(holder) == INITIAL


def test_transfer_to_the_zero_address_reverts(token, holder, custom_error):
    with brownie.reverts(custom_error("ERC20InvalidReceiver(address)", ZERO_ADDRESS)):
        token.transfer(ZERO_ADDRESS, 1, {"from": holder})


# -- approve / allowance -------------------------------------------------------------------------------


def test_allowance_starts_at_zero(token, holder, spender):
    assert token.allowance(holder, spender) == 0


def test_approve_sets_the_allowance_and_emits_approval(token, holder, spender):
    tx = token.approve(spender, 500, {"from": holder})

    assert token.allowance(holder, spender) == 500
    assert tx.events["Approval"][0] == {"owner": holder, "spender": spender, "value": 500}


def test_approve_replaces_an_earlier_allowance(token, holder, spender):
    token.approve(spender, 500, {"from": holder})
    token.approve(spender, 20, {"from": holder})

    assert token.allowance(holder, spender) == 20


def test_approve_of_more_than_the_balance_is_allowed(token, holder, spender):
    token.approve(spender, INITIAL * 10, {"from": holder})

    assert token.allowance(holder, spender) == INITIAL * 10


def test_approve_returns_true(token, holder, spender):
    assert token.approve.call(spender, 1, {"from": holder}) is True


def test_approve_for_the_zero_address_reverts(token, holder, custom_error):
    with brownie.reverts(custom_error("ERC20InvalidSpender(address)", ZERO_ADDRESS)):
        token.approve(ZERO_ADDRESS, 1, {"from": holder})


# -- transferFrom --------------------------------------------------------------------------------------


def test_transfer_from_moves_the_amount_and_spends_the_allowance(token, holder, recipient, spender):
    token.approve(spender, 600, {"from": holder})

    tx = token.transferFrom(holder, recipient, 400, {"from": spender})

    assert token.balanceOf(recipient) == 400
    assert token.balanceOf(holder) == INITIAL - 400
    assert token.allowance(holder, spender) == 200
    assert tx.events["Transfer"][0] == {"from": holder, "to": recipient, "value": 400}


def test_transfer_from_returns_true(token, holder, recipient, spender):
    token.approve(spender, 1, {"from": holder})

    assert token.transferFrom.call(holder, recipient, 1, {"from": spender}) is True


def test_transfer_from_beyond_the_allowance_reverts(token, holder, recipient, spender, custom_error):
    token.approve(spender, 99, {"from": holder})

    with brownie.reverts(
        custom_error("ERC20InsufficientAllowance(address,uint256,uint256)", spender, 99, 100)
    ):
        token.transferFrom(holder, recipient, 100, {"from": spender})


def test_transfer_from_beyond_the_balance_reverts(token, holder, recipient, spender, custom_error):
    token.approve(spender, MAX_UINT, {"from": holder})

    with brownie.reverts(
        custom_error("ERC20InsufficientBalance(address,uint256,uint256)", holder, INITIAL, INITIAL + 1)
    ):
        token.transferFrom(holder, recipient, INITIAL + 1, {"from": spender})


def test_transfer_from_with_an_infinite_allowance_leaves_it_infinite(token, holder, recipient, spender):
    token.approve(spender, MAX_UINT, {"from": holder})

    token.transferFrom(holder, recipient, 100, {"from": spender})

    assert token.allowance(holder, spender) == MAX_UINT


def test_transfer_from_to_the_zero_address_reverts(token, holder, spender, custom_error):
    token.approve(spender, 100, {"from": holder})

    with brownie.reverts(custom_error("ERC20InvalidReceiver(address)", ZERO_ADDRESS)):
        token.transferFrom(holder, ZERO_ADDRESS, 100, {"from": spender})


def test_transfer_from_the_zero_address_reverts(token, recipient, spender, custom_error):
    with brownie.reverts(custom_error("ERC20InsufficientAllowance(address,uint256,uint256)", spender, 0, 1)):
        token.transferFrom(ZERO_ADDRESS, recipient, 1, {"from": spender})


# -- metadata (LocalCoin only) -------------------------------------------------------------------------


def test_local_coin_has_its_name_symbol_and_two_decimals(coin):
    assert (coin.name(), coin.symbol(), coin.decimals()) == ("Heitje", "HTJ", 2)
