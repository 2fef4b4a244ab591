from __future__ import annotations

from collections.abc import Callable

import pytest
from web3 import Web3

from backend.chain.deployment import Deployment
from backend.indexer.service import Indexer
from backend.runtime import Runtime
from tests.support.coin import Coin


@pytest.fixture
def coin(w3: Web3, deployment: Deployment) -> Coin:
    return Coin(w3, deployment)


@pytest.fixture
def make_indexer(runtime: Runtime) -> Callable[..., Indexer]:
    """`make_indexer(confirmations=3, indexer_chunk_blocks=2)`: an indexer with those settings."""

    def _make(**overrides: object) -> Indexer:
        return Indexer(runtime, settings=runtime.settings.model_copy(update=overrides))

    return _make
