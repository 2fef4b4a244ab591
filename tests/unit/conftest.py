"""Unit tier fixtures: services and rules against a FakeChain and an in-memory SQLite (no Anvil)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy.orm import Session

from backend.db import transaction
from tests.support.fake_chain import FakeChain
from tests.support.unit import UnitRuntime


@pytest.fixture
def runtime() -> Iterator[UnitRuntime]:
    runtime = UnitRuntime()
    yield runtime
    runtime.close()


@pytest.fixture
def chain(runtime: UnitRuntime) -> FakeChain:
    return runtime.chain


@pytest.fixture
def session(runtime: UnitRuntime) -> Iterator[Session]:
    """One transaction per test, committed at the end (services flush; tests read back)."""
    with transaction(runtime.sessions) as session:
        yield session


# Property tests have no time limit per example: a loaded 2-core CI machine is not a failure (speed is
# measured by `make bench`, never by a test).
settings.register_profile("heitje-unit", deadline=None)
settings.load_profile("heitje-unit")
