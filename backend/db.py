"""Database engine, sessions and the declarative base. SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Accepts plain `postgresql://` URLs and uses the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# How long a request waits for a pooled connection before the answer is 503 `overloaded` (issue 14: not
# SQLAlchemy's 30 s, after which a client has long given up). The API lets no more requests run at once
# than it has connections (backend.http.admission), so this wait means something else holds them.
POOL_TIMEOUT_SECONDS = 2.0
BUSY_SECONDS = 30.0  # how long a SQLite writer waits for the write lock ("database is locked" after)
# Connections beyond the API's threads: the workers that `heitje up` runs beside it, and the CLI.
WORKER_CONNECTIONS = 8
DEFAULT_CONNECTIONS = 24 + WORKER_CONNECTIONS


def make_engine(url: str, *, connections: int = DEFAULT_CONNECTIONS) -> Engine:
    """An engine whose pool holds at most `connections` (the API's threads plus WORKER_CONNECTIONS)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        in_memory = "///" not in url or path in ("", ":memory:")  # SQLAlchemy's own pool for those: not sized
        pool = {} if in_memory else {"pool_size": connections, "max_overflow": 0, "pool_timeout": POOL_TIMEOUT_SECONDS}
        # (a SQLite connection is a file handle: the pool keeps them all)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_SECONDS}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
            cur.close()

        writers = WriterTurns(engine)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock at BEGIN, so check-then-write (capacity, caps, nonces) is
            # serialised instead of failing late with "database is locked". Readers (GET requests) begin
            # deferred: under WAL they read a snapshot beside the one writer without waiting for it.
            if conn.get_execution_options().get("heitje_read", False):
                conn.exec_driver_sql("BEGIN")
                return
            writers.take(conn.connection)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writers.give_back(conn.connection)
                raise

        engine.dialect._heitje_sqlite = True  # type: ignore[attr-defined]
        _disable_pysqlite_begin(engine)
        return engine
    steady = min(10, connections)  # kept open; the rest are opened under load and closed after
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=steady,
        max_overflow=connections - steady,
        pool_timeout=POOL_TIMEOUT_SECONDS,
    )


class WriterTurns:
    """The threads of one process that want SQLite's write lock take turns here first.

    SQLite has one writer at a time; a connection that finds the lock taken sleeps in its busy
    handler (1, 2, 5, 10 ... 100 ms) and polls again, so under load the lock sits free while the
    next writer sleeps (measured: relayed payments went no faster with 8 clients than with one).
    A thread waiting here is woken the moment the writer before it has committed or rolled back
    (the dialect's own commit and rollback give the turn back, so also a connection the pool
    resets). Other processes (the workers, the CLI) still meet the busy handler. A turn not given
    within `busy_seconds` fails as SQLite would: "database is locked"."""

    def __init__(self, engine: Engine, busy_seconds: float = BUSY_SECONDS) -> None:
        self.busy_seconds = busy_seconds
        self._lock = threading.Lock()
        self._holder: Any = None  # the DBAPI connection whose transaction has the turn
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn: Any) -> None:
            try:
                commit(dbapi_conn)
            finally:
                self.give_back(dbapi_conn)

        def do_rollback(dbapi_conn: Any) -> None:
            try:
                rollback(dbapi_conn)
            finally:
                self.give_back(dbapi_conn)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback  # type: ignore[method-assign,assignment]
        # A connection thrown away in its transaction (invalidated, closed) gives its turn back too.
        for name in ("invalidate", "close"):
            event.listen(engine, name, lambda dbapi_conn, *_: self.give_back(dbapi_conn))

    def take(self, conn: Any) -> None:
        if not self._lock.acquire(timeout=self.busy_seconds):
            # As SQLAlchemy wraps the driver's own error (callers catch sqlalchemy.exc.OperationalError).
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        self._holder = _dbapi(conn)

    def give_back(self, conn: Any) -> None:
        """`conn`: the DBAPI connection or the pool's proxy of it (what the dialect is handed)."""
        if self._holder is not None and self._holder is _dbapi(conn):
            self._holder = None
            self._lock.release()


def _dbapi(conn: Any) -> Any:
    return getattr(conn, "dbapi_connection", conn)


def _disable_pysqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert_insert(dialect: str) -> Any:
    """The INSERT construct that knows ON CONFLICT (an atomic upsert) for the database named `dialect`
    (PostgreSQL's or SQLite's; their `on_conflict_do_update` reads the same)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with factory() as session, session.begin():
        yield session
