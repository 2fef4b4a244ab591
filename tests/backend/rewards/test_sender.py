"""The reward sender on a real Anvil: batches, confirmations, exactly once, reconciliation."""

from __future__ import annotations

from eth_account import Account
from sqlalchemy import select

from backend.chain.ledger import ChainTx
from backend.rewards.sender import make_sender
from tests.backend.claims.helpers import Loop, rewards_by_claim, run_sender
from tests.backend.rewards.chain_helpers import onchain_id
from tests.support.chain import coin_of, web3_of


def _txs(runtime) -> list[ChainTx]:
    with runtime.sessions() as session:
        return list(session.scalars(select(ChainTx).order_by(ChainTx.nonce)))


def test_approved_reward_is_minted_and_confirmed(loop: Loop, runtime) -> None:
    claim_id, citizen = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    reward = rewards_by_claim(runtime)[claim_id]
    assert reward.status == "confirmed"
    assert reward.tx_hash and reward.tx_hash.startswith("0x")
    assert runtime.chain.balance_of(citizen.address) == 1500
    assert runtime.chain.is_rewarded(onchain_id(runtime, claim_id))


def test_pending_rewards_go_out_in_batches_of_the_configured_size(loop: Loop, runtime) -> None:
    task_id = loop.create_task(capacity=7)
    citizens = [Account.create() for _ in range(7)]
    for citizen in citizens:
        claim_id = loop.claim(citizen, task_id)
        loop.prove(citizen, claim_id)
        assert loop.approve(claim_id).status_code == 200
    settings = runtime.settings
    object.__setattr__(settings, "reward_batch_size", 3)  # frozen settings; restored below
    try:
        run_sender(runtime, until_confirmed=7)
    finally:
        object.__setattr__(settings, "reward_batch_size", 100)
    txs = _txs(runtime)
    assert [len(tx.ref_list) for tx in txs] == [3, 3, 1]
    assert all(tx.function == "rewardBatch" and tx.status == "confirmed" for tx in txs)
    assert [runtime.chain.balance_of(c.address) for c in citizens] == [1500] * 7


def test_nonces_are_allocated_in_sequence_and_persisted(loop: Loop, runtime) -> None:
    for _ in range(2):
        loop.approved_claim()
        run_sender(runtime, until_confirmed=len(rewards_by_claim(runtime)))
    txs = _txs(runtime)
    assert txs[1].nonce == txs[0].nonce + 1
    assert web3_of(runtime.chain).eth.get_transaction_count(txs[0].key_address) == txs[1].nonce + 1


def _pay_directly(runtime, w3, citizen, claim_id: int) -> str:
    """Another process pays the claim (e.g. the database lost the sender's record of doing so)."""
    from tests.support.accounts import MINTER

    coin = coin_of(runtime.chain)
    tx = coin.functions.reward(citizen.address, 1500, onchain_id(runtime, claim_id)).transact(
        {"from": MINTER.address}
    )
    w3.eth.wait_for_transaction_receipt(tx)
    return tx.to_0x_hex()


def test_reward_sent_before_a_restart_and_paid_is_reconciled_without_a_new_transaction(
    loop: Loop, runtime, w3
) -> None:
    from backend.db import transaction
    from backend.rewards.models import Reward

    claim_id, citizen = loop.approved_claim()
    paid_by = _pay_directly(runtime, w3, citizen, claim_id)
    with transaction(runtime.sessions) as session:  # it was in a transaction whose record is gone
        session.get(Reward, claim_id).tx_hash = paid_by
    run_sender(runtime, until_confirmed=1)
    assert rewards_by_claim(runtime)[claim_id].tx_hash == paid_by
    assert runtime.chain.balance_of(citizen.address) == 1500
    assert _txs(runtime) == []


def test_reward_the_chain_paid_unknown_to_the_database_is_skipped_not_paid_twice(
    loop: Loop, runtime, w3
) -> None:
    claim_id, citizen = loop.approved_claim()
    other_id, other = loop.approved_claim()
    paid_by = _pay_directly(runtime, w3, citizen, claim_id)
    run_sender(runtime, until_confirmed=2)
    rewards = rewards_by_claim(runtime)
    assert rewards[claim_id].tx_hash == paid_by  # the transaction that really paid it
    assert rewards[other_id].tx_hash == _txs(runtime)[0].tx_hash
    assert runtime.chain.balance_of(citizen.address) == 1500
    assert runtime.chain.balance_of(other.address) == 1500


def test_confirmed_waits_for_the_configured_confirmations(loop: Loop, runtime, w3) -> None:
    claim_id, _ = loop.approved_claim()
    object.__setattr__(runtime.settings, "confirmations", 3)
    worker = make_sender(runtime)
    try:
        for _ in range(5):
            worker.tick()
        assert rewards_by_claim(runtime)[claim_id].status == "sent"
        w3.provider.make_request("anvil_mine", [2])
        worker.tick()
        assert rewards_by_claim(runtime)[claim_id].status == "confirmed"
    finally:
        worker.close()
        object.__setattr__(runtime.settings, "confirmations", 1)


def test_only_one_sender_per_key_runs_at_a_time(loop: Loop, runtime) -> None:
    claim_id, _ = loop.approved_claim()
    first, second = make_sender(runtime), make_sender(runtime)
    try:
        assert first.tick() is not None
        assert second.lock.acquire() is False
        assert second.tick() is False
    finally:
        first.close()
        second.close()


def test_stuck_transaction_is_replaced_with_higher_fees(loop: Loop, runtime, w3) -> None:
    claim_id, citizen = loop.approved_claim()
    w3.provider.make_request("evm_setAutomine", [False])
    object.__setattr__(runtime.settings, "stuck_tx_seconds", 0.01)
    worker = make_sender(runtime)
    try:
        worker.tick()  # sends; stays in the mempool
        first = _txs(runtime)[0]
        import time

        time.sleep(0.05)
        worker.tick()  # stuck: replaced
        replaced = _txs(runtime)[0]
        assert len(replaced.hash_list) == 2
        assert int(replaced.max_fee) * 100 >= int(first.max_fee) * 110
        assert int(replaced.priority_fee) * 100 >= int(first.priority_fee) * 110
        w3.provider.make_request("evm_setAutomine", [True])
        w3.provider.make_request("evm_mine", [])
        object.__setattr__(runtime.settings, "stuck_tx_seconds", 30.0)
        for _ in range(5):
            worker.tick()
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
        object.__setattr__(runtime.settings, "stuck_tx_seconds", 30.0)
        worker.close()
    assert rewards_by_claim(runtime)[claim_id].status == "confirmed"
    assert runtime.chain.balance_of(citizen.address) == 1500
