"""The unit tier's parts: an in-memory SQLite database with every table, and a runtime whose chain
is a `FakeChain` (no Anvil, no network, no files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from backend import models_registry  # noqa: F401 - every domain's tables in Base.metadata
from backend.chain.deployment import Deployment
from backend.db import Base, make_session_factory
from backend.settings import Settings
from tests.support.fake_chain import FakeChain


def memory_engine() -> Engine:
    """One in-memory SQLite database shared by every thread (one connection, StaticPool), with the
    backend's transaction behaviour: writers BEGIN IMMEDIATE, foreign keys on."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("heitje_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    engine.dialect._heitje_sqlite = True  # type: ignore[attr-defined]
    Base.metadata.create_all(engine)
    return engine


def unit_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": "sqlite://",
        "rpc_url": "http://127.0.0.1:9",
        "host": "testserver",
        "port": 80,
        "public_url": "http://testserver",
    }
    return Settings(**{**values, **overrides})


@dataclass
class UnitRuntime:
    """What `backend.runtime.Runtime` offers, around an in-memory database and a FakeChain."""

    settings: Settings = field(default_factory=unit_settings)
    chain: FakeChain = field(default_factory=FakeChain)
    engine: Engine = field(default_factory=memory_engine)
    sessions: sessionmaker[Session] = field(init=False)
    read_sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)
        self.read_sessions = make_session_factory(self.engine.execution_options(heitje_read=True))

    @property
    def deployment(self) -> Deployment:
        return self.chain.deployment

    def close(self) -> None:
        self.engine.dispose()
