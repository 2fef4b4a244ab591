"""Fixtures for `heitje coin ...`: the CLI run against the test Anvil and the coin deployed on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from backend.chain.admin import CoinAdmin
from backend.cli import app
from backend.runtime import Runtime


@pytest.fixture
def coin_env(runtime: Runtime, tmp_path: Path) -> dict[str, str]:
    s = runtime.settings
    return {
        "RPC_URL": s.rpc_url or "",
        "DATABASE_URL": s.database_url,
        "DEPLOYMENTS_DIR": str(s.deployments_dir),
        "SAFE_PROPOSALS_DIR": str(tmp_path / "proposals"),
        "HEITJE_ENV": "test",
    }


@pytest.fixture
def heitje(coin_env: dict[str, str]) -> Callable[..., Result]:
    """`heitje("coin", "pause", "--yes", env={...})`: runs the CLI with the test configuration."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env={**coin_env, **(env or {})}, input=input)

    return run


@pytest.fixture
def admin(runtime: Runtime) -> CoinAdmin:
    return CoinAdmin.connect(runtime.settings.effective_rpc_url, runtime.deployment)
