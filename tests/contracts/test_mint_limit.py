"""The mint limit: a stolen minter key can mint at most the window's budget."""

import brownie
from brownie import chain
from localcoin_helpers import DAY, DEFAULT_MINT_LIMIT, claim


def _start_of_next_window(period=DAY):
    """Moves the node's clock into the next mint window. Counted from the last block, not from
    chain.time(), which can drift from the node's clock under load."""
    last = chain[-1].timestamp
    chain.sleep(period - last % period + 1)
    chain.mine()


def test_a_new_coin_may_mint_100000_coins_a_day(coin):
    assert [int(x) for x in coin.mintLimit()] == [DEFAULT_MINT_LIMIT, DAY]
    assert coin.mintLimitRemaining() == DEFAULT_MINT_LIMIT


def test_a_reward_uses_up_the_window_budget(coin, pay, alice):
    pay(alice, 1_500)

    assert coin.mintLimitRemaining() == DEFAULT_MINT_LIMIT - 1_500


def test_reward_over_the_remaining_budget_reverts(coin, minter, pay, alice, custom_error):
    _start_of_next_window()
    pay(alice, DEFAULT_MINT_LIMIT - 10)

    with brownie.reverts(custom_error("LocalCoinMintLimitExceeded(uint256,uint256)", 11, 10)):
        coin.reward(alice, 11, claim(1), {"from": minter})
    assert not coin.isRewarded(claim(1))


def test_reward_of_exactly_the_remaining_budget_succeeds(coin, pay, alice):
    _start_of_next_window()
    pay(alice, DEFAULT_MINT_LIMIT)

    assert coin.mintLimitRemaining() == 0


def test_the_budget_is_whole_again_in_the_next_window(coin, pay, alice):
    _start_of_next_window()
    pay(alice, DEFAULT_MINT_LIMIT)

    _start_of_next_window()

    assert coin.mintLimitRemaining() == DEFAULT_MINT_LIMIT
    pay(alice, DEFAULT_MINT_LIMIT)
    assert coin.balanceOf(alice) == 2 * DEFAULT_MINT_LIMIT


def test_batch_over_the_budget_reverts_and_pays_nobody(coin, minter, alice, bob, custom_error):
    _start_of_next_window()
    half = DEFAULT_MINT_LIMIT // 2

    with brownie.reverts(
        custom_error("LocalCoinMintLimitExceeded(uint256,uint256)", 2 * half + 1, DEFAULT_MINT_LIMIT)
    ):
        coin.rewardBatch([alice, bob], [half, half + 1], [claim(1), claim(2)], {"from": minter})
    assert coin.totalSupply() == 0


def test_batch_counts_only_the_claims_it_pays_against_the_budget(coin, minter, alice, bob):
    _start_of_next_window()
    coin.reward(alice, DEFAULT_MINT_LIMIT - 100, claim(1), {"from": minter})

    coin.rewardBatch([alice, bob], [DEFAULT_MINT_LIMIT, 100], [claim(1), claim(2)], {"from": minter})

    assert coin.balanceOf(bob) == 100
    assert coin.mintLimitRemaining() == 0


def test_admin_sets_a_new_limit_and_period(coin, admin):
    tx = coin.setMintLimit(5_000, 3_600, {"from": admin})

    assert [int(x) for x in coin.mintLimit()] == [5_000, 3_600]
    assert coin.mintLimitRemaining() == 5_000
    assert tx.events["MintLimitSet"][0] == {"amountPerPeriod": 5_000, "periodSeconds": 3_600}


def test_what_the_window_minted_still_counts_after_the_limit_changes(coin, admin, pay, alice):
    _start_of_next_window()
    pay(alice, 4_000)

    coin.setMintLimit(10_000, DAY, {"from": admin})

    assert coin.mintLimitRemaining() == 6_000


def test_lowering_the_limit_below_what_was_minted_leaves_nothing_to_mint(coin, admin, minter, pay, alice,
                                                                         custom_error):
    _start_of_next_window()
    pay(alice, 4_000)
    coin.setMintLimit(1_000, DAY, {"from": admin})

    assert coin.mintLimitRemaining() == 0
    with brownie.reverts(custom_error("LocalCoinMintLimitExceeded(uint256,uint256)", 1, 0)):
        coin.reward(alice, 1, claim(1), {"from": minter})


def test_a_shorter_period_starts_fresh_windows_sooner(coin, admin, pay, alice):
    coin.setMintLimit(1_000, 3_600, {"from": admin})
    _start_of_next_window(3_600)
    pay(alice, 1_000)

    _start_of_next_window(3_600)

    assert coin.mintLimitRemaining() == 1_000


def test_a_zero_period_reverts(coin, admin, custom_error):
    with brownie.reverts(custom_error("LocalCoinZeroMintPeriod()")):
        coin.setMintLimit(1_000, 0, {"from": admin})


def test_a_limit_above_2_pow_128_reverts(coin, admin, custom_error):
    with brownie.reverts(custom_error("SafeCastOverflowedUintDowncast(uint8,uint256)", 128, 2**128)):
        coin.setMintLimit(2**128, DAY, {"from": admin})
