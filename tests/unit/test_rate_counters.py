"""The rate-limit counters are written behind (backend.http.limits.CounterStore): a client far below its
limit costs no database write per request, every hit still reaches the shared row, and near a limit
every hit is counted across processes at once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from backend import migrate
from backend.db import make_engine
from backend.http.limits import CounterStore
from backend.http.models import RateCounter

KEY = "reads:ip:198.51.100.7:1"


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}", connections=4)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _shared(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(RateCounter.hits).where(RateCounter.key == KEY)).scalar_one_or_none() or 0)


def _hit(store: CounterStore, limit: int) -> int:
    """One request's hit, as the middleware counts it."""
    counts, due = store.count([KEY], int(time.time()) + 3600, limit)
    return store.sync([KEY])[0] if due else counts[0]


def test_a_client_far_below_its_limit_writes_once_per_sync_not_per_request(engine):
    store = CounterStore(engine, sync_seconds=3600)
    counts = [_hit(store, limit=1000) for _ in range(20)]
    assert counts == list(range(1, 21))
    assert _shared(engine) == 1  # the first hit synced; the next sync is an hour away


def test_the_hits_written_behind_reach_the_shared_row_at_the_next_sync(engine):
    store = CounterStore(engine, sync_seconds=0.2)
    for _ in range(5):
        _hit(store, limit=1000)
    time.sleep(0.25)
    assert _hit(store, limit=1000) == 6
    assert _shared(engine) == 6


def test_near_its_limit_every_hit_is_counted_across_processes_at_once(engine):
    first, second = CounterStore(engine, sync_seconds=3600), CounterStore(engine, sync_seconds=3600)
    limit = 10
    assert [_hit(first, limit) for _ in range(5)] == [1, 2, 3, 4, 5]  # the fifth is at half: written
    assert _shared(engine) == 5
    # The other process sees them with its first hit, and writes each of its own from half the limit on.
    assert [_hit(second, limit) for _ in range(6)] == [6, 7, 8, 9, 10, 11]
    assert _shared(engine) == 11
    assert _hit(first, limit) == 12


def test_with_the_database_down_the_hits_stay_counted_in_the_process(engine):
    store = CounterStore(engine, sync_seconds=0)
    assert _hit(store, limit=100) == 1
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE rate_counters"))  # every write now fails
    counts, due = store.count([KEY], int(time.time()) + 3600, 100)
    assert (counts, due) == ([2], True)
    with pytest.raises(OperationalError):  # the middleware then decides on the process's own counts
        store.sync([KEY])
    assert store.count([KEY], int(time.time()) + 3600, 100)[0] == [3]  # the unsent hit was kept
