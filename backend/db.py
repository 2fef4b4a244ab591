"""Database engine, sessions and the declarative base. SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock at BEGIN, so check-then-write (capacity, caps, nonces) is
            # serialised instead of failing late with "database is locked". Readers (GET requests) begin
            # deferred: under WAL they read a snapshot beside the one writer without waiting for it.
            read_only = conn.get_execution_options().get("heitje_read", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

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
