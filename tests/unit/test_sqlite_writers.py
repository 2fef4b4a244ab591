"""SQLite writers of one process take turns (backend.db.WriterTurns): each waits for the one before it
to commit or roll back and is woken then, instead of polling in SQLite's busy handler; every way a
transaction ends gives the turn back."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from backend.db import WriterTurns, make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}", connections=4)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_second_writer_waits_for_the_first_to_commit_and_then_writes(engine):
    first_in = threading.Event()
    let_go = threading.Event()
    order: list[str] = []

    def first() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            first_in.set()
            let_go.wait(10)
            order.append("first commits")

    def second() -> None:
        first_in.wait(10)
        with engine.begin() as conn:
            order.append("second writes")
            conn.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_in.wait(10)
    threads[1].join(0.3)
    assert threads[1].is_alive(), "the second writer went ahead while the first held the write lock"
    let_go.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second writes"]
    assert _count(engine) == 2


@pytest.mark.parametrize("ending", ["commit", "rollback", "error", "close"])
def test_every_way_a_write_transaction_ends_gives_the_turn_back(engine, ending):
    conn = engine.connect()
    conn.begin()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    if ending == "commit":
        conn.commit()
    elif ending == "rollback":
        conn.rollback()
    elif ending == "error":
        with pytest.raises(OperationalError):
            conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
        conn.rollback()
    conn.close()  # "close": returned to the pool in its transaction (the pool rolls it back)

    done = threading.Event()

    def write() -> None:
        with engine.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(5), f"the turn was not given back after {ending}"


def test_readers_take_no_turn(engine):
    with engine.begin() as writer:
        writer.execute(text("INSERT INTO t VALUES (1)"))
        reader = engine.connect().execution_options(heitje_read=True)
        with reader.begin():
            assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # the committed snapshot
        reader.close()


def test_a_turn_not_given_in_time_fails_as_sqlite_would(engine):
    turns = WriterTurns(engine, busy_seconds=0.2)
    turns.take("somebody")
    with pytest.raises(OperationalError, match="database is locked"):
        turns.take("somebody else")
    turns.give_back("somebody")
    turns.take("somebody else")
