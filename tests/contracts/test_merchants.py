"""Merchants and the closed loop: coins move only to or from a registered merchant, unless opened."""

import brownie
import pytest


@pytest.fixture(scope="module", autouse=True)
def balances(pay, alice, shop):
    pay(alice, 1_000)
    pay(shop, 1_000)


def test_registrar_registers_a_merchant(coin, admin, bob):
    tx = coin.setMerchant(bob, True, {"from": admin})

    assert coin.isMerchant(bob)
    assert tx.events["MerchantSet"][0] == {"account": bob, "accepted": True}


def test_registrar_deregisters_a_merchant(coin, admin, shop):
    tx = coin.setMerchant(shop, False, {"from": admin})

    assert not coin.isMerchant(shop)
    assert tx.events["MerchantSet"][0] == {"account": shop, "accepted": False}


def test_a_citizen_is_not_a_merchant(coin, alice):
    assert not coin.isMerchant(alice)


def test_transfers_start_closed(coin):
    assert not coin.openTransfers()


def test_citizen_pays_a_merchant(coin, alice, shop):
    coin.transfer(shop, 300, {"from": alice})

    assert coin.balanceOf(shop) == 1_300
    assert coin.balanceOf(alice) == 700


def test_merchant_pays_a_citizen(coin, alice, shop):
    coin.transfer(alice, 300, {"from": shop})

    assert coin.balanceOf(alice) == 1_300


def test_citizen_to_citizen_transfer_reverts_while_closed(coin, alice, bob, custom_error):
    with brownie.reverts(custom_error("LocalCoinTransferNotAllowed(address,address)", alice, bob)):
        coin.transfer(bob, 300, {"from": alice})


def test_citizen_to_citizen_transfer_from_reverts_while_closed(coin, alice, bob, stranger, custom_error):
    coin.approve(stranger, 300, {"from": alice})

    with brownie.reverts(custom_error("LocalCoinTransferNotAllowed(address,address)", alice, bob)):
        coin.transferFrom(alice, bob, 300, {"from": stranger})


def test_spender_moves_a_citizens_coins_to_a_merchant(coin, alice, shop, stranger):
    coin.approve(stranger, 300, {"from": alice})

    coin.transferFrom(alice, shop, 300, {"from": stranger})

    assert coin.balanceOf(shop) == 1_300


def test_a_deregistered_merchant_cannot_be_paid(coin, admin, alice, shop, custom_error):
    coin.setMerchant(shop, False, {"from": admin})

    with brownie.reverts(custom_error("LocalCoinTransferNotAllowed(address,address)", alice, shop)):
        coin.transfer(shop, 300, {"from": alice})


def test_admin_opens_person_to_person_transfers(coin, admin, alice, bob):
    tx = coin.setOpenTransfers(True, {"from": admin})

    coin.transfer(bob, 300, {"from": alice})
    assert coin.openTransfers()
    assert coin.balanceOf(bob) == 300
    assert tx.events["OpenTransfersSet"][0] == {"open": True}


def test_admin_closes_transfers_again(coin, admin, alice, bob, custom_error):
    coin.setOpenTransfers(True, {"from": admin})
    coin.setOpenTransfers(False, {"from": admin})

    with brownie.reverts(custom_error("LocalCoinTransferNotAllowed(address,address)", alice, bob)):
        coin.transfer(bob, 300, {"from": alice})
