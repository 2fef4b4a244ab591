"""Backend test fixtures: a real Anvil, the real coin deployed on it, a real database.

The database is SQLite in a temporary file, or the one in DATABASE_URL (CI runs the suite a
second time against PostgreSQL). Every test starts from an empty database and a chain snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from web3 import Web3

from backend import migrate
from backend.app import create_app
from backend.audit import guard as audit_guard
from backend.audit import service as audit_service
from backend.chain import anvil
from backend.chain.client import connect
from backend.chain.deploy import deploy_coin
from backend.chain.deployment import Deployment
from backend.db import Base, make_engine, normalise_url
from backend.indexer.service import Indexer
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS, Settings
from tests.support.accounts import DEPLOYER, MINTER, RELAYER, sign_message, siwe_message
from tests.support.api import sign_in as api_sign_in
from tests.support.coin import Coin

# Re-exported for the tests that still import them from here (new tests use tests.support).
__all__ = ["DEPLOYER", "MINTER", "RELAYER", "sign_message", "siwe_message"]


@pytest.fixture(scope="session")
def anvil_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = anvil.free_port()
    proc = anvil.start_anvil(port, log_path=tmp_path_factory.mktemp("anvil") / "anvil.log")
    yield port
    anvil.stop(proc)


@pytest.fixture(scope="session")
def w3(anvil_port: int) -> Web3:
    return connect(f"http://127.0.0.1:{anvil_port}")


@pytest.fixture(scope="session")
def deployments_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="session")
def deployment(w3: Web3, deployments_dir: Path) -> Deployment:
    return deploy_coin(
        w3,
        deployer_key=ANVIL_TEST_KEYS["deployer"],
        name="Heerlens Heitje",
        symbol="HEIT",
        admin=DEPLOYER.address,
        minter=MINTER.address,
        registrars=(MINTER.address,),
        deployments_dir=deployments_dir,
    )


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = normalise_url(url)
        if url.startswith("postgresql"):
            _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'heitje.db'}"


@pytest.fixture(scope="session")
def settings(
    anvil_port: int, deployments_dir: Path, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        rpc_url=f"http://127.0.0.1:{anvil_port}",
        deployments_dir=deployments_dir,
        photo_dir=tmp_path_factory.mktemp("photos"),
        open_data_dir=tmp_path_factory.mktemp("open-data"),
        host="testserver",
        port=80,
        public_url="http://testserver",
        worker_poll_seconds=0.05,
        # Domain tests post tasks of any reward without minutes; tests/backend/tasks/test_hourly_rate.py
        # checks the hourly-rate rule with it switched on.
        max_hourly_rate=None,
    )


@pytest.fixture(scope="session")
def session_runtime(settings: Settings, deployment: Deployment) -> Iterator[Runtime]:
    runtime = Runtime(settings=settings, deployment=deployment)
    migrate.upgrade(runtime.engine)
    yield runtime
    runtime.close()


def _empty_tables(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn, audit_guard.lifted(conn):  # the audit trail refuses DELETE otherwise
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    audit_service.forget_counted_months(runtime.engine)  # the appendix's months that are over: gone with it
    for built in runtime.settings.open_data_dir.glob("*/open-data-*.csv"):  # closed months' files of a test
        built.unlink()


@pytest.fixture
def runtime(session_runtime: Runtime, w3: Web3) -> Iterator[Runtime]:
    """The runtime with an empty database and the chain as it was before the test."""
    _empty_tables(session_runtime)
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    yield session_runtime
    w3.provider.make_request("evm_revert", [snapshot])
    _empty_tables(session_runtime)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, web_dir=None)) as test_client:
        yield test_client


@pytest.fixture
def sign_in():
    """`sign_in(client, account) -> headers` (tests.support.api.sign_in)."""
    return api_sign_in


@pytest.fixture
def coin(w3: Web3, deployment: Deployment) -> Coin:
    """The coin's moves on the test Anvil (shared by the indexer, payouts, reports and security tests)."""
    return Coin(w3, deployment)


@pytest.fixture
def make_indexer(runtime: Runtime) -> Callable[..., Indexer]:
    """`make_indexer(confirmations=3, indexer_chunk_blocks=2)`: an indexer with those settings."""

    def _make(**overrides: object) -> Indexer:
        return Indexer(runtime, settings=runtime.settings.model_copy(update=overrides))

    return _make
