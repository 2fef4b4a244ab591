"""The indexer's handler registry: domains register, the indexer calls, no domain is imported."""

from backend.chain.events import AUTH_CANCELED, AUTH_USED, MERCHANT_SET, REDEEMED, REWARDED, TRANSFER
from backend.indexer.handlers import REGISTRY, Chunk, Handlers
from backend.wiring import register_indexer_handlers
from tests.support.unit import unit_settings


def test_handlers_are_called_with_the_events_of_their_kind_only():
    seen = []
    handlers = Handlers()
    handlers.on_event(REDEEMED, "test", lambda session, events, settings: seen.append(events) or len(events))

    made = handlers.handle(None, {REDEEMED: [{"n": 1}], REWARDED: [{"n": 2}]}, unit_settings())

    assert (made, seen) == (1, [[{"n": 1}]])
    assert handlers.kinds() == {REDEEMED}


def test_registering_a_name_again_replaces_the_handler():
    handlers = Handlers()
    handlers.on_event(REDEEMED, "test", lambda *_: 1)
    handlers.on_event(REDEEMED, "test", lambda *_: 5)

    assert handlers.handle(None, {REDEEMED: [{}]}, unit_settings()) == 5


def test_a_reorg_adds_up_what_every_domain_removed_and_flagged():
    handlers = Handlers()
    handlers.on_reorg("a", lambda session, fork: (2, 0))
    handlers.on_reorg("b", lambda session, fork: (1, fork))

    assert handlers.rollback(None, 3) == (3, 3)


def test_a_chunk_handler_is_called_for_every_chunk_with_the_kinds_it_asked_for():
    seen = []
    handlers = Handlers()
    handlers.on_chunk(
        "test", lambda session, by_kind, settings, chunk: seen.append((by_kind, chunk)) or 2, kinds=[REDEEMED]
    )
    chunk = Chunk(7, None)

    made = handlers.handle(None, {REWARDED: [{"n": 2}]}, unit_settings(), chunk)

    assert (made, seen) == (2, [({REDEEMED: []}, chunk)])
    assert handlers.kinds() == {REDEEMED} and handlers.wants_chunks()


def test_the_wiring_registers_the_money_handlers_once():
    register_indexer_handlers()
    register_indexer_handlers()

    # money's handlers, and the reports' running totals (issue 16)
    assert REGISTRY.kinds() == {REDEEMED, AUTH_USED, AUTH_CANCELED, REWARDED, TRANSFER, MERCHANT_SET}
    assert list(REGISTRY._chunks) == ["redemptions", "payments", "report_months"]
    assert list(REGISTRY._reorgs) == ["payouts", "redemptions", "payments", "balances"]
    assert list(REGISTRY._reorgs_with_settings) == ["report_totals"]
