"""scripts/coin_admin.py, the brownie script, against the test Anvil through brownie's own web3."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture
def script(runtime, monkeypatch, tmp_path):
    brownie = pytest.importorskip("brownie")
    brownie.web3.connect(runtime.settings.effective_rpc_url)
    monkeypatch.setenv("DEPLOYMENTS_DIR", str(runtime.settings.deployments_dir))
    monkeypatch.setenv("SAFE_PROPOSALS_DIR", str(tmp_path / "proposals"))
    monkeypatch.setenv("RPC_URL", runtime.settings.effective_rpc_url)
    monkeypatch.setenv("HEITJE_ENV", "test")
    yield importlib.import_module("scripts.coin_admin")
    brownie.web3.disconnect()


def test_the_pause_script_pauses_the_coin_after_yes(script, admin):
    script.pause("yes")

    assert admin.state().paused is True


def test_the_mint_limit_script_refuses_without_a_yes(script, admin, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")

    with pytest.raises(SystemExit, match="aborted"):
        script.mint_limit("10.00", "60")

    assert admin.state().mint_limit == 100_000_00
