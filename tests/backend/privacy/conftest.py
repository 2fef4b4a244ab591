from __future__ import annotations

import pytest
from typer.testing import CliRunner

from backend import cli, cli_params
from tests.backend.claims.helpers import Loop


@pytest.fixture
def loop(client, sign_in) -> Loop:
    return Loop(client, sign_in)


@pytest.fixture
def heitje(runtime, monkeypatch: pytest.MonkeyPatch):
    """`heitje("privacy", "export", address)`: the CLI against the test's runtime."""
    monkeypatch.setattr(cli_params, "cli_runtime", lambda: runtime)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args))
