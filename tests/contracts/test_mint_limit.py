"""The mint limit: a stolen minter key can mint at most the limit in any span of one period.

The contract counts each mint in a slice of a third of the period (rounded up) and checks the current
slice with the three before it, so a mint counts for more than one period and about four thirds of one at most."""

import brownie
from brownie import chain
from localcoin_helpers import DAY, DEFAULT_MINT_LIMIT, claim

HOUR = 3_600


def _start_of_next_window(period=DAY):
    """Moves the node's clock just past the next multiple of `period` (where a fixed window would
    start afresh). Counted from the last block, not from chain.time(), which can drift from the node's
    clock under load."""
    last = chain[-1].timestamp
    chain.sleep(period - last % period + 1)
    chain.mine()


def _mine_at(timestamp):
    """Mines a block at about `timestamp` (the node's clock may add a second or two)."""
    chain.sleep(timestamp - chain[-1].timestamp)
    chain.mine()


def test_a_new_coin_may_mint_100000_coins_a_day(coin):
    assert [int(x) for x in coin.mintLimit()] == [DEFAULT_MINT_LIMIT, DAY]
    assert coin.mintLimitRemaining() == DEFAULT_MINT_LIMIT


def test_a_reward_uses_up_the_budget(coin, pay, alice):
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


def test_a_mint_still_counts_just_before_a_period_has_passed(coin, pay, alice):
    minted = pay(alice, DEFAULT_MINT_LIMIT)

    _mine_at(minted.timestamp + DAY - 3)

    assert chain[-1].timestamp < minted.timestamp + DAY
    assert coin.mintLimitRemaining() == 0


def test_the_whole_limit_is_back_four_thirds_of_a_period_after_it_was_minted(coin, pay, alice):
    minted = pay(alice, DEFAULT_MINT_LIMIT)

    _mine_at(minted.timestamp + DAY * 4 // 3)

    assert coin.mintLimitRemaining() == DEFAULT_MINT_LIMIT
    pay(alice, DEFAULT_MINT_LIMIT)
    assert coin.balanceOf(alice) == 2 * DEFAULT_MINT_LIMIT


def test_older_mints_stop_counting_before_newer_ones(coin, admin, pay, alice):
    coin.setMintLimit(1_000, HOUR, {"from": admin})
    _start_of_next_window(HOUR // 3)  # the start of a slice of 1,200 s
    start = chain[-1].timestamp - 1
    pay(alice, 600)
    _mine_at(start + HOUR // 3 + 1)
    pay(alice, 400)

    _mine_at(start + 4 * HOUR // 3 + 1)
    assert coin.mintLimitRemaining() == 600
    _mine_at(start + 5 * HOUR // 3 + 1)
    assert coin.mintLimitRemaining() == 1_000


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


def test_a_shorter_period_frees_the_budget_sooner(coin, admin, pay, alice):
    coin.setMintLimit(1_000, HOUR, {"from": admin})
    minted = pay(alice, 1_000)

    _mine_at(minted.timestamp + HOUR * 4 // 3)

    assert coin.mintLimitRemaining() == 1_000


def test_what_was_minted_still_counts_for_a_new_period_after_the_period_changes(coin, admin, pay, alice):
    pay(alice, 4_000)
    changed = coin.setMintLimit(10_000, HOUR, {"from": admin})

    _mine_at(changed.timestamp + HOUR - 3)
    assert coin.mintLimitRemaining() == 6_000
    _mine_at(changed.timestamp + HOUR * 4 // 3)
    assert coin.mintLimitRemaining() == 10_000


def test_a_zero_period_reverts(coin, admin, custom_error):
    with brownie.reverts(custom_error("LocalCoinZeroMintPeriod()")):
        coin.setMintLimit(1_000, 0, {"from": admin})


def test_a_limit_of_2_pow_56_minus_1_units_is_accepted(coin, admin):
    coin.setMintLimit(2**56 - 1, DAY, {"from": admin})

    assert coin.mintLimitRemaining() == 2**56 - 1


def test_a_limit_above_2_pow_56_minus_1_units_reverts(coin, admin, custom_error):
    with brownie.reverts(custom_error("SafeCastOverflowedUintDowncast(uint8,uint256)", 56, 2**56)):
        coin.setMintLimit(2**56, DAY, {"from": admin})


# -- the limit holds over any span of one period, not only within fixed windows ------------------------


def test_minting_the_limit_on_both_sides_of_an_hour_boundary_reverts(coin, admin, pay, alice, custom_error):
    """10.00 an hour: 10.00 two seconds before the clock turns the hour and 10.00 one second after
    would be 20.00 in three seconds."""
    coin.setMintLimit(1_000, HOUR, {"from": admin})
    boundary = (chain[-1].timestamp // HOUR + 2) * HOUR
    _mine_at(boundary - 3)
    before = pay(alice, 1_000)
    assert before.timestamp < boundary
    _mine_at(boundary + 1)

    with brownie.reverts(custom_error("LocalCoinMintLimitExceeded(uint256,uint256)", 1_000, 0)):
        pay(alice, 1_000)
    assert chain[-1].timestamp - before.timestamp < HOUR
    assert coin.balanceOf(alice) == 1_000
