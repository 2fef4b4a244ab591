"""The indexer on a real Anvil: what it records, when (confirmations), and after restarts."""

from __future__ import annotations

from sqlalchemy import func, select, update

from backend.chain.logs import LogSource
from backend.chain.rpc import RpcError
from backend.db import transaction
from backend.indexer.models import ChainEvent, IndexerCheckpoint
from backend.indexer.service import Indexer
from backend.indexer.worker import make_worker
from backend.payouts.models import Payout
from backend.wiring import WORKER_FACTORIES, load_workers
from tests.support.coin import funded_merchant, new_account, ref_hex


def events(runtime, kind=None):
    with runtime.sessions() as session:
        query = select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index)
        if kind:
            query = query.where(ChainEvent.kind == kind)
        return list(session.scalars(query))


def count(runtime, model):
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_fresh_checkpoint_indexes_every_coin_event_since_the_deployment(runtime, coin, make_indexer, w3):
    citizen = new_account(w3)
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    coin.reward(citizen.address, 1500, 2)
    coin.transfer(citizen, merchant.address, 700)
    redeemed = coin.redeem(merchant, 1000, 77)

    make_indexer().run_until_idle()

    assert [(e.account, e.accepted) for e in events(runtime, "merchant_set")] == [(merchant.address, True)]
    assert [(e.account, e.amount, e.ref) for e in events(runtime, "rewarded")] == [
        (merchant.address, 500, ref_hex(1)),
        (citizen.address, 1500, ref_hex(2)),
    ]
    transfers = [(e.account, e.counterparty, e.amount) for e in events(runtime, "transfer")]
    zero = "0x0000000000000000000000000000000000000000"
    assert transfers == [
        (zero, merchant.address, 500),
        (zero, citizen.address, 1500),
        (citizen.address, merchant.address, 700),
        (merchant.address, zero, 1000),
    ]
    [redemption] = events(runtime, "redeemed")
    assert (redemption.account, redemption.amount, redemption.ref) == (merchant.address, 1000, ref_hex(77))
    block = w3.eth.get_block(redeemed.receipt["blockNumber"])
    assert redemption.block_number == block["number"]
    assert redemption.block_hash == "0x" + bytes(block["hash"]).hex()
    assert redemption.tx_hash == "0x" + bytes(redeemed.receipt["transactionHash"]).hex()
    assert redemption.block_time.timestamp() == block["timestamp"]


def test_a_block_is_recorded_only_once_it_has_the_configured_confirmations(runtime, coin, make_indexer, w3):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=3)
    indexer.run_until_idle()
    coin.redeem(merchant, 200, 5)  # now the head: 1 confirmation

    indexer.run_until_idle()
    coin.mine(1)  # 2 confirmations
    indexer.run_until_idle()
    assert events(runtime, "redeemed") == []

    coin.mine(1)  # 3 confirmations
    indexer.run_until_idle()
    assert len(events(runtime, "redeemed")) == 1
    assert indexer.checkpoint()[0] == coin.head() - 2


def test_a_restarted_indexer_resumes_from_its_checkpoint_without_duplicates(runtime, coin, make_indexer, w3):
    citizen = new_account(w3)
    coin.reward(citizen.address, 100, 1)
    make_indexer().run_until_idle()
    before = make_indexer().checkpoint()

    coin.reward(citizen.address, 200, 2)
    restarted = make_indexer()  # a new process: nothing in memory
    assert restarted.checkpoint() == before
    steps = restarted.run_until_idle()

    assert steps[0].first == before[0] + 1
    assert [e.amount for e in events(runtime, "rewarded")] == [100, 200]


def test_reading_blocks_again_after_a_lost_checkpoint_records_no_log_twice(runtime, coin, make_indexer, w3):
    merchant = funded_merchant(runtime, coin, units=900, claim=1)
    coin.redeem(merchant, 300, 9)
    make_indexer().run_until_idle()
    recorded, payouts = count(runtime, ChainEvent), count(runtime, Payout)

    with transaction(runtime.sessions) as session:  # as if the checkpoint were restored from an old backup
        session.execute(
            update(IndexerCheckpoint).values(block_number=runtime.deployment.block - 1, block_hash=None)
        )
    make_indexer().run_until_idle()

    assert (count(runtime, ChainEvent), count(runtime, Payout)) == (recorded, payouts)


def test_events_on_chunk_boundaries_are_each_recorded_once(runtime, coin, make_indexer, w3):
    citizen = new_account(w3)
    for claim in range(1, 8):  # one reward per block: 7 blocks, read 3 at a time
        coin.reward(citizen.address, claim * 10, claim)
    start = runtime.deployment.block
    indexer = make_indexer(indexer_chunk_blocks=3)

    steps = indexer.run_until_idle()

    reads = [s for s in steps if s.kind == "read"]
    assert [(s.first, s.last) for s in reads][0] == (start, start + 2)
    assert all(s.last - s.first + 1 <= 3 for s in reads)
    assert all(b.first == a.last + 1 for a, b in zip(reads, reads[1:], strict=False))
    assert [e.amount for e in events(runtime, "rewarded")] == [claim * 10 for claim in range(1, 8)]


def test_the_worker_wired_into_the_workers_reads_until_it_is_caught_up(runtime, coin, w3):
    citizen = new_account(w3)
    coin.reward(citizen.address, 100, 1)
    assert make_worker in WORKER_FACTORIES
    worker = make_worker(runtime)

    while worker.tick():
        pass

    assert [e.amount for e in events(runtime, "rewarded")] == [100]
    workers = load_workers(runtime)
    assert any(w.name == "indexer" for w in workers)
    for w in workers:
        w.close()
    worker.close()


def test_an_indexer_caught_up_with_the_chain_does_nothing(runtime, coin, make_indexer):
    indexer: Indexer = make_indexer()
    indexer.run_until_idle()
    assert indexer.step().kind == "idle"


class PickyNode(LogSource):
    """A node like many public ones: refuses log queries over 2 blocks and leaves blockTimestamp out."""

    def logs(self, start, end):
        if end - start + 1 > 2:
            raise RpcError("eth_getLogs", -32005, "query exceeds max block range 2")
        return [{k: v for k, v in log.items() if k != "blockTimestamp"} for log in super().logs(start, end)]


def test_a_node_that_caps_log_ranges_and_omits_block_times_is_still_read_completely(runtime, coin, w3):
    citizen = new_account(w3)
    for claim in range(1, 6):
        coin.reward(citizen.address, claim, claim)
    indexer = Indexer(runtime, source=PickyNode(runtime.chain.rpc, runtime.deployment.address))

    indexer.run_until_idle()

    rewarded = events(runtime, "rewarded")
    assert [e.amount for e in rewarded] == [1, 2, 3, 4, 5]
    assert rewarded[-1].block_time.timestamp() == w3.eth.get_block(rewarded[-1].block_number)["timestamp"]
