"""The indexer over an in-memory node and database: it records events and hands them to the handlers
domains registered, and on a reorg calls their reorg handlers with the fork block."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from backend.chain.events import REDEEMED, REWARDED
from backend.indexer.handlers import Chunk, Handlers
from backend.indexer.models import ChainEvent
from backend.indexer.service import Indexer
from tests.support.logs import BLOCK_TIME0, FakeLogSource, redeemed_log, rewarded_log
from tests.unit.helpers import citizen


def indexer(runtime, source, handlers, confirmations=1):
    settings = runtime.settings.model_copy(update={"confirmations": confirmations})
    return Indexer(runtime, source=source, settings=settings, handlers=handlers)


def recorded(runtime):
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(ChainEvent))


def test_handlers_get_the_events_of_their_kind_in_the_transaction_that_records_them(runtime):
    seen, source, handlers = [], FakeLogSource(), Handlers()

    def on_redeemed(session, events, settings):
        seen.append(([e["amount"] for e in events], session.scalar(select(func.count()).select_from(ChainEvent))))
        return len(events)

    handlers.on_event(REDEEMED, "test", on_redeemed)
    shop = citizen()
    source.add(rewarded_log, shop, 1500, 1)
    source.add(redeemed_log, shop, 500, b"\1" * 32)

    steps = indexer(runtime, source, handlers).run_until_idle()

    assert seen == [([500], 2)]  # both events are already recorded when the handler runs
    assert sum(s.payouts for s in steps) == 1


def test_a_chunk_handler_is_called_for_every_chunk_with_its_last_block_and_time_even_without_events(runtime):
    seen, source, handlers = [], FakeLogSource(), Handlers()
    handlers.on_chunk(
        "test", lambda session, by_kind, settings, chunk: seen.append((by_kind, chunk)) or 0, kinds=[REDEEMED]
    )
    source.mine(3)

    indexer(runtime, source, handlers).run_until_idle()

    assert seen == [({REDEEMED: []}, Chunk(4, datetime.fromtimestamp(BLOCK_TIME0 + 4, UTC)))]


def test_an_unconfirmed_block_is_not_read_and_no_handler_is_called(runtime):
    seen, source, handlers = [], FakeLogSource(), Handlers()
    handlers.on_event(REWARDED, "test", lambda session, events, settings: seen.append(events) or 0)
    source.add(rewarded_log, citizen(), 1500, 1)

    indexer(runtime, source, handlers, confirmations=3).run_until_idle()

    assert (seen, recorded(runtime)) == ([], 0)


def test_a_failing_handler_leaves_neither_the_events_nor_the_checkpoint_behind(runtime):
    source, handlers = FakeLogSource(), Handlers()

    def broken(session, events, settings):
        raise RuntimeError("the domain's handler failed")

    handlers.on_event(REWARDED, "test", broken)
    source.add(rewarded_log, citizen(), 1500, 1)
    step_of = indexer(runtime, source, handlers)

    try:
        step_of.step()
    except RuntimeError:
        pass

    assert recorded(runtime) == 0
    assert step_of.checkpoint()[0] == runtime.deployment.block - 1


def test_a_reorg_removes_the_events_above_the_fork_and_calls_the_reorg_handlers_with_it(runtime):
    forks, source, handlers = [], FakeLogSource(), Handlers()
    handlers.on_reorg("test", lambda session, fork: forks.append(fork) or (1, 0))
    who = citizen()
    source.add(rewarded_log, who, 100, 1)
    source.add(rewarded_log, who, 200, 2)
    the_indexer = indexer(runtime, source, handlers)
    the_indexer.run_until_idle()
    fork = source.head_block - 1

    source.reorg(fork)
    source.mine(2)
    steps = the_indexer.run_until_idle()

    assert forks == [fork]
    assert [s.kind for s in steps][0] == "reorg"
    assert recorded(runtime) == 1
