"""pause / unpause: in an incident no money moves; views, approvals and cancellations still work."""

import brownie
import pytest
from localcoin_helpers import claim

REF = b"\x01" * 32


@pytest.fixture(scope="module", autouse=True)
def paused(coin, admin, pay, alice, shop):
    pay(alice, 1_000)
    pay(shop, 1_000)
    coin.pause({"from": admin})


@pytest.fixture
def enforced_pause(custom_error):
    return custom_error("EnforcedPause()")


def test_pauser_pauses(coin):
    assert coin.paused()


def test_pause_stops_transfers(coin, alice, shop, enforced_pause):
    with brownie.reverts(enforced_pause):
        coin.transfer(shop, 1, {"from": alice})


def test_pause_stops_transfer_from(coin, alice, shop, stranger, enforced_pause):
    coin.approve(stranger, 1, {"from": alice})

    with brownie.reverts(enforced_pause):
        coin.transferFrom(alice, shop, 1, {"from": stranger})


def test_pause_stops_rewards(coin, minter, alice, enforced_pause):
    with brownie.reverts(enforced_pause):
        coin.reward(alice, 1, claim(1), {"from": minter})


def test_pause_stops_reward_batches(coin, minter, alice, enforced_pause):
    with brownie.reverts(enforced_pause):
        coin.rewardBatch([alice], [1], [claim(1)], {"from": minter})


def test_pause_stops_redemptions(coin, shop, enforced_pause):
    with brownie.reverts(enforced_pause):
        coin.redeem(1, REF, {"from": shop})


def test_pause_stops_transfer_with_authorization(coin, alice, shop, relayer, sign_typed, nonce, now,
                                                 enforced_pause):
    message = {"from": alice.address, "to": shop.address, "value": 1, "validAfter": 0,
               "validBefore": now + 3600, "nonce": nonce}
    v, r, s = sign_typed(alice, "TransferWithAuthorization", message)

    with brownie.reverts(enforced_pause):
        coin.transferWithAuthorization(alice, shop, 1, 0, now + 3600, nonce, v, r, s, {"from": relayer})
    assert not coin.authorizationState(alice, nonce)


def test_pause_stops_redeem_with_authorization(coin, shop, relayer, sign_typed, nonce, now, enforced_pause):
    message = {"merchant": shop.address, "amount": 1, "ref": REF, "validAfter": 0,
               "validBefore": now + 3600, "nonce": nonce}
    v, r, s = sign_typed(shop, "RedeemWithAuthorization", message)

    with brownie.reverts(enforced_pause):
        coin.redeemWithAuthorization(shop, 1, REF, 0, now + 3600, nonce, v, r, s, {"from": relayer})


def test_views_keep_working_while_paused(coin, alice):
    assert coin.balanceOf(alice) == 1_000
    assert coin.totalSupply() == 2_000
    assert not coin.isRewarded(claim(1))
    assert coin.mintLimitRemaining() > 0


def test_approve_keeps_working_while_paused(coin, alice, stranger):
    coin.approve(stranger, 5, {"from": alice})

    assert coin.allowance(alice, stranger) == 5


def test_a_holder_can_cancel_an_authorization_while_paused(coin, alice, relayer, sign_typed, nonce):
    v, r, s = sign_typed(alice, "CancelAuthorization", {"authorizer": alice.address, "nonce": nonce})

    coin.cancelAuthorization(alice, nonce, v, r, s, {"from": relayer})

    assert coin.authorizationState(alice, nonce)


def test_unpause_lets_money_move_again(coin, admin, alice, shop):
    tx = coin.unpause({"from": admin})

    coin.transfer(shop, 1, {"from": alice})
    assert not coin.paused()
    assert "Unpaused" in tx.events


def test_pausing_twice_reverts(coin, admin, enforced_pause):
    with brownie.reverts(enforced_pause):
        coin.pause({"from": admin})


def test_unpausing_when_not_paused_reverts(coin, admin, custom_error):
    coin.unpause({"from": admin})

    with brownie.reverts(custom_error("ExpectedPause()")):
        coin.unpause({"from": admin})
