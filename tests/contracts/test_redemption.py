"""redeem: merchants burn coins to be paid out in euros."""

import brownie
from localcoin_helpers import ZERO_ADDRESS

REF = b"SEPA-2026-0001".ljust(32, b"\0")


def test_merchant_redeems_and_the_coins_are_burnt(coin, pay, shop):
    pay(shop, 1_000)

    tx = coin.redeem(400, REF, {"from": shop})

    assert coin.balanceOf(shop) == 600
    assert coin.totalSupply() == 600
    assert tx.events["Redeemed"][0] == {"merchant": shop, "amount": 400, "ref": "0x" + REF.hex()}
    assert tx.events["Transfer"][0] == {"from": shop, "to": ZERO_ADDRESS, "value": 400}


def test_citizen_cannot_redeem(coin, pay, alice, custom_error):
    pay(alice, 1_000)

    with brownie.reverts(custom_error("LocalCoinNotMerchant(address)", alice)):
        coin.redeem(400, REF, {"from": alice})


def test_redeeming_zero_reverts(coin, shop, custom_error):
    with brownie.reverts(custom_error("LocalCoinZeroRedemption(bytes32)", REF)):
        coin.redeem(0, REF, {"from": shop})


def test_redeeming_more_than_the_balance_reverts(coin, pay, shop, custom_error):
    pay(shop, 100)

    with brownie.reverts(custom_error("ERC20InsufficientBalance(address,uint256,uint256)", shop, 100, 101)):
        coin.redeem(101, REF, {"from": shop})
