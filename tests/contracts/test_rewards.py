"""reward / rewardBatch / isRewarded: every claim pays once, ever."""

import brownie
import pytest
from localcoin_helpers import ZERO_ADDRESS, claim


def test_reward_pays_the_citizen_and_marks_the_claim(coin, minter, alice):
    tx = coin.reward(alice, 250, claim(7), {"from": minter})

    assert coin.balanceOf(alice) == 250
    assert coin.totalSupply() == 250
    assert coin.isRewarded(claim(7))
    assert tx.events["Rewarded"][0] == {"claimId": "0x" + claim(7).hex(), "citizen": alice, "amount": 250}
    assert tx.events["Transfer"][0] == {"from": ZERO_ADDRESS, "to": alice, "value": 250}


def test_an_unpaid_claim_is_not_rewarded(coin):
    assert not coin.isRewarded(claim(7))


def test_second_reward_for_same_claim_reverts(coin, minter, alice, bob, custom_error):
    coin.reward(alice, 250, claim(7), {"from": minter})

    with brownie.reverts(custom_error("LocalCoinAlreadyRewarded(bytes32)", claim(7))):
        coin.reward(bob, 100, claim(7), {"from": minter})
    assert coin.balanceOf(bob) == 0


def test_rewarding_a_claim_leaves_its_neighbours_in_the_bitmap_unpaid(coin, minter, alice):
    coin.reward(alice, 1, claim(256), {"from": minter})

    assert [coin.isRewarded(claim(n)) for n in (0, 255, 256, 257, 512)] == [False, False, True, False, False]


def test_the_largest_claim_id_can_be_rewarded(coin, minter, alice):
    top = b"\xff" * 32
    coin.reward(alice, 1, top, {"from": minter})

    assert coin.isRewarded(top)
    assert not coin.isRewarded(b"\xff" * 31 + b"\xfe")


def test_reward_of_zero_units_reverts(coin, minter, alice, custom_error):
    with brownie.reverts(custom_error("LocalCoinZeroReward(bytes32)", claim(7))):
        coin.reward(alice, 0, claim(7), {"from": minter})


def test_reward_to_the_zero_address_reverts(coin, minter, custom_error):
    with brownie.reverts(custom_error("ERC20InvalidReceiver(address)", ZERO_ADDRESS)):
        coin.reward(ZERO_ADDRESS, 100, claim(7), {"from": minter})
    assert not coin.isRewarded(claim(7))


def test_batch_pays_every_new_claim(coin, minter, alice, bob):
    claims = [claim(1), claim(2), claim(3)]
    tx = coin.rewardBatch([alice, bob, alice], [100, 200, 300], claims, {"from": minter})

    assert coin.balanceOf(alice) == 400
    assert coin.balanceOf(bob) == 200
    assert all(coin.isRewarded(claim(n)) for n in (1, 2, 3))
    assert [e["amount"] for e in tx.events["Rewarded"]] == [100, 200, 300]


def test_batch_skips_claims_rewarded_before(coin, minter, alice, bob):
    coin.reward(alice, 100, claim(2), {"from": minter})

    tx = coin.rewardBatch([alice, bob], [100, 200], [claim(1), claim(2)], {"from": minter})

    assert coin.balanceOf(bob) == 0
    assert coin.balanceOf(alice) == 200
    assert [e["claimId"] for e in tx.events["Rewarded"]] == ["0x" + claim(1).hex()]


def test_batch_pays_a_claim_repeated_inside_it_once(coin, minter, alice, bob):
    tx = coin.rewardBatch([alice, bob], [100, 200], [claim(5), claim(5)], {"from": minter})

    assert coin.balanceOf(alice) == 100
    assert coin.balanceOf(bob) == 0
    assert len(tx.events["Rewarded"]) == 1


def test_resending_a_batch_pays_nothing_more(coin, minter, alice, bob):
    batch = ([alice, bob], [100, 200], [claim(1), claim(2)])
    coin.rewardBatch(*batch, {"from": minter})

    tx = coin.rewardBatch(*batch, {"from": minter})

    assert coin.totalSupply() == 300
    assert "Rewarded" not in tx.events


def test_batch_handles_claims_that_alternate_between_bitmap_words(coin, minter, alice):
    ids = [claim(1), claim(300), claim(2), claim(301), claim(1), claim(300)]

    tx = coin.rewardBatch([alice] * 6, [1, 10, 100, 1_000, 10_000, 100_000], ids, {"from": minter})

    assert coin.balanceOf(alice) == 1_111
    assert len(tx.events["Rewarded"]) == 4
    assert all(coin.isRewarded(claim(n)) for n in (1, 2, 300, 301))
    assert not coin.isRewarded(claim(3))


def test_claims_of_an_earlier_batch_are_skipped_in_a_later_mixed_batch(coin, minter, alice):
    coin.rewardBatch([alice] * 3, [1, 1, 1], [claim(n) for n in (10, 11, 12)], {"from": minter})

    coin.rewardBatch([alice] * 4, [5, 5, 5, 5], [claim(n) for n in (11, 13, 12, 14)], {"from": minter})

    assert coin.balanceOf(alice) == 3 + 10


@pytest.mark.parametrize("lengths", [(2, 1, 1), (1, 2, 1), (1, 1, 2)], ids=["citizens", "amounts", "claims"])
def test_batch_with_arrays_of_different_lengths_reverts(coin, minter, alice, custom_error, lengths):
    citizens, amounts, claims = [alice] * lengths[0], [1] * lengths[1], [claim(n) for n in range(lengths[2])]

    with brownie.reverts(custom_error("LocalCoinLengthMismatch(uint256,uint256,uint256)", *lengths)):
        coin.rewardBatch(citizens, amounts, claims, {"from": minter})


def test_batch_with_a_zero_amount_reverts_and_pays_nobody(coin, minter, alice, bob, custom_error):
    with brownie.reverts(custom_error("LocalCoinZeroReward(bytes32)", claim(2))):
        coin.rewardBatch([alice, bob], [100, 0], [claim(1), claim(2)], {"from": minter})
    assert coin.totalSupply() == 0
    assert not coin.isRewarded(claim(1))


def test_batch_with_the_zero_address_reverts(coin, minter, alice, custom_error):
    with brownie.reverts(custom_error("ERC20InvalidReceiver(address)", ZERO_ADDRESS)):
        coin.rewardBatch([alice, ZERO_ADDRESS], [100, 100], [claim(1), claim(2)], {"from": minter})


def test_empty_batch_pays_nothing(coin, minter):
    tx = coin.rewardBatch([], [], [], {"from": minter})

    assert "Rewarded" not in tx.events
    assert coin.totalSupply() == 0
