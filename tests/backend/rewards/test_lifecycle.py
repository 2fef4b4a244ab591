"""A reward is confirmed only when a `Rewarded` event for its claim id pays its citizen its amount;
anything else is flagged for operators with the evidence, never shown as confirmed."""

from __future__ import annotations

from eth_account import Account

from tests.backend.claims.helpers import Loop, rewards_by_claim, run_sender
from tests.backend.rewards.chain_helpers import restore_backup_taken_before, settled, tick_until, tx_hashes
from tests.support.chain import coin_of


def test_claim_reusing_a_number_paid_before_a_database_restore_is_flagged_not_confirmed(
    loop: Loop, runtime
) -> None:
    first, paid = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    paid_by = rewards_by_claim(runtime)[first].tx_hash
    restore_backup_taken_before(runtime, first)

    citizen = Account.create()
    again, _ = loop.approved_claim(citizen, reward="12.00")
    assert again == first  # the restored database hands out the same number again
    tick_until(runtime, settled)

    reward = loop.client.get(f"/api/v1/claims/{again}", headers=loop.operator).json()["reward"]
    assert reward["status"] == "flagged"
    assert reward["tx_hash"] == paid_by
    assert paid.address in reward["error"] and "15.00" in reward["error"]
    assert runtime.chain.balance_of(citizen.address) == 0


def test_flagged_reward_records_who_the_chain_paid_and_how_much(loop: Loop, runtime) -> None:
    first, paid = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    restore_backup_taken_before(runtime, first)
    again, _ = loop.approved_claim(reward="12.00")
    tick_until(runtime, settled)
    reward = rewards_by_claim(runtime)[again]
    assert (reward.status, reward.paid_citizen, reward.paid_units) == ("flagged", paid.address, 1500)


def test_flagged_reward_is_never_sent_again(loop: Loop, runtime) -> None:
    first, _ = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    restore_backup_taken_before(runtime, first)
    loop.approved_claim(reward="12.00")
    tick_until(runtime, settled)
    sent = tx_hashes(runtime)
    tick_until(runtime, settled)
    assert tx_hashes(runtime) == sent


def test_reward_paid_to_its_citizen_for_another_amount_is_flagged(loop: Loop, runtime, w3) -> None:
    from tests.backend.rewards.chain_helpers import onchain_id
    from tests.support.accounts import MINTER

    claim_id, citizen = loop.approved_claim()  # owed 15.00
    coin = coin_of(runtime.chain)
    w3.eth.wait_for_transaction_receipt(
        coin.functions.reward(citizen.address, 1, onchain_id(runtime, claim_id)).transact({"from": MINTER.address})
    )
    tick_until(runtime, settled)
    reward = rewards_by_claim(runtime)[claim_id]
    assert (reward.status, reward.paid_citizen, reward.paid_units) == ("flagged", citizen.address, 1)
