"""The one-sender-per-key lock when PostgreSQL ends the lock's connection (the lock dies with it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from backend.chain.ledger import ChainTx, SenderLock
from backend.rewards.sender import make_sender
from backend.runtime import Runtime
from tests.backend.claims.helpers import Loop, rewards_by_claim


@pytest.fixture
def pg_runtime(runtime: Runtime) -> Iterator[Runtime]:
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; run with DATABASE_URL=postgresql://...")
    yield runtime


def _terminate_lock_connection(runtime: Runtime, lock: SenderLock) -> None:
    """What an administrator, a failover or a network cut does: ends the session holding the lock."""
    key = lock._lock_id() & 0xFFFF_FFFF_FFFF_FFFF
    where = (
        " FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"
    )
    params = {"hi": key >> 32, "lo": key & 0xFFFF_FFFF}
    with runtime.engine.connect() as admin:
        ended = admin.execute(text("SELECT pg_terminate_backend(pid)" + where), params).scalars().all()
        assert ended == [True]
        # pg_terminate_backend only signals the backend: wait until it has exited and its lock is gone.
        deadline = time.monotonic() + 10
        while admin.execute(text("SELECT count(*)" + where), params).scalar_one() and time.monotonic() < deadline:
            admin.rollback()
            time.sleep(0.05)


def test_a_lock_whose_connection_was_terminated_is_lost_to_the_process_that_takes_it_next(
    pg_runtime: Runtime,
) -> None:
    first = SenderLock(pg_runtime.engine, "0x000000000000000000000000000000000000dEaD")
    second = SenderLock(pg_runtime.engine, "0x000000000000000000000000000000000000dEaD")
    try:
        assert first.acquire() is True
        _terminate_lock_connection(pg_runtime, first)

        assert second.acquire() is True
        assert first.acquire() is False
        assert first.held is False
    finally:
        first.release()
        second.release()


def test_a_lock_whose_connection_was_terminated_is_taken_again_when_nobody_else_has_it(
    pg_runtime: Runtime,
) -> None:
    lock = SenderLock(pg_runtime.engine, "0x000000000000000000000000000000000000dEaD")
    other = SenderLock(pg_runtime.engine, "0x000000000000000000000000000000000000dEaD")
    try:
        assert lock.acquire() is True
        _terminate_lock_connection(pg_runtime, lock)

        assert lock.acquire() is True
        assert lock.acquisitions == 2
        assert other.acquire() is False  # really held again, not just believed to be
    finally:
        lock.release()
        other.release()


def test_a_sender_that_lost_its_lock_to_another_sends_nothing_and_the_new_holder_sends_once(
    loop: Loop, pg_runtime: Runtime
) -> None:
    first, second = make_sender(pg_runtime), make_sender(pg_runtime)
    try:
        first.tick()
        _terminate_lock_connection(pg_runtime, first.lock)
        assert second.lock.acquire() is True
        claim_id, citizen = loop.approved_claim()

        assert first.tick() is False
        with pg_runtime.sessions() as session:
            assert session.scalars(select(ChainTx)).all() == []

        for _ in range(20):
            second.tick()
            if rewards_by_claim(pg_runtime)[claim_id].status == "confirmed":
                break
        assert rewards_by_claim(pg_runtime)[claim_id].status == "confirmed"
        with pg_runtime.sessions() as session:
            assert len(session.scalars(select(ChainTx)).all()) == 1
        assert pg_runtime.chain.balance_of(citizen.address) == 1500
    finally:
        first.close()
        second.close()
