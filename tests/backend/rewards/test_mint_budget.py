"""The sender fits its batches to the coin's mint budget (`mintLimitRemaining`): it pays what fits
and keeps the rest waiting, with a reason operators can see; no reward blocks the others."""

from __future__ import annotations

from tests.backend.claims.helpers import Loop, rewards_by_claim
from tests.backend.rewards.chain_helpers import set_mint_budget, tick_until

WAITING = "waiting for the mint limit window"


def _confirmed(count: int):
    return lambda rewards: sum(r.status == "confirmed" for r in rewards.values()) >= count


def test_rewards_that_fit_the_mint_budget_are_paid_and_the_rest_wait_with_a_reason(
    loop: Loop, runtime, w3
) -> None:
    claims = [loop.approved_claim() for _ in range(3)]  # 15.00 each
    set_mint_budget(runtime, w3, 3000)
    tick_until(runtime, _confirmed(2))
    rewards = rewards_by_claim(runtime)
    assert [rewards[c].status for c, _ in claims] == ["confirmed", "confirmed", "pending"]
    assert rewards[claims[2][0]].error == WAITING
    assert [runtime.chain.balance_of(citizen.address) for _, citizen in claims] == [1500, 1500, 0]


def test_a_reward_too_large_for_the_budget_does_not_block_smaller_ones_after_it(
    loop: Loop, runtime, w3
) -> None:
    loop.approved_claim(reward="25.00")
    set_mint_budget(runtime, w3, 5000)
    tick_until(runtime, _confirmed(1))  # 25.00 of the window's 50.00 left
    large, _ = loop.approved_claim(reward="30.00")
    small, citizen = loop.approved_claim(reward="15.00")
    tick_until(runtime, _confirmed(2))
    rewards = rewards_by_claim(runtime)
    assert (rewards[large].status, rewards[large].error) == ("pending", WAITING)
    assert rewards[small].status == "confirmed"
    assert runtime.chain.balance_of(citizen.address) == 1500


def test_a_reward_larger_than_the_whole_window_limit_says_the_limit_must_be_raised(
    loop: Loop, runtime, w3
) -> None:
    huge, _ = loop.approved_claim(reward="40.00")
    small, _ = loop.approved_claim(reward="15.00")
    set_mint_budget(runtime, w3, 3000)
    limit = runtime.chain.mint_limit()[0]
    tick_until(runtime, _confirmed(1))
    reward = rewards_by_claim(runtime)[huge]
    assert reward.status == "pending"
    assert reward.error == (
        f"waiting for a higher mint limit: 40.00 is more than the coin mints in a whole window "
        f"({limit // 100}.{limit % 100:02d})"
    )


def test_a_limit_smaller_than_one_batch_still_pays_rewards_as_the_budget_allows(
    loop: Loop, runtime, w3
) -> None:
    claims = [loop.approved_claim() for _ in range(3)]
    set_mint_budget(runtime, w3, 1500)
    tick_until(runtime, _confirmed(1))
    set_mint_budget(runtime, w3, 1500)  # the next window's budget
    tick_until(runtime, _confirmed(2))
    rewards = rewards_by_claim(runtime)
    assert [rewards[c].status for c, _ in claims] == ["confirmed", "confirmed", "pending"]
    assert [runtime.chain.balance_of(citizen.address) for _, citizen in claims] == [1500, 1500, 0]
