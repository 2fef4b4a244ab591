"""`heitje rewards flagged|skip-claims` and the flagged reward in `heitje claims list`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from backend.cli import app
from backend.rewards.startup import check_database_not_behind_chain
from tests.backend.claims.helpers import Loop, run_sender
from tests.backend.rewards.chain_helpers import restore_backup_taken_before, settled, tick_until


@pytest.fixture
def cli_env(runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = runtime.settings
    for name, value in {
        "HEITJE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "RPC_URL": str(settings.rpc_url),
        "DEPLOYMENTS_DIR": str(settings.deployments_dir),
        "PHOTO_DIR": str(settings.photo_dir),
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def flagged(loop: Loop, runtime, cli_env):
    """A claim whose number the chain paid (15.00) to another citizen before a database restore."""
    first, paid = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    restore_backup_taken_before(runtime, first)
    again, citizen = loop.approved_claim(reward="12.00")
    tick_until(runtime, settled)
    return again, citizen, paid


def test_heitje_rewards_flagged_lists_whom_the_chain_paid_instead(flagged) -> None:
    claim_id, citizen, paid = flagged
    result = CliRunner().invoke(app, ["rewards", "flagged"])
    assert result.exit_code == 0, result.output
    assert f"claim {claim_id:>6}  owed 12.00 to {citizen.address}; chain paid 15.00 to {paid.address}" in result.output
    assert "1 flagged rewards" in result.output


def test_heitje_claims_list_shows_a_flagged_reward_with_its_evidence(flagged) -> None:
    _, _, paid = flagged
    result = CliRunner().invoke(app, ["claims", "list"])
    assert result.exit_code == 0, result.output
    assert "12.00 flagged" in result.output
    assert "FLAGGED: claim id 0x" in result.output and paid.address in result.output


def test_heitje_rewards_skip_claims_lets_a_database_behind_the_chain_start(loop: Loop, runtime, cli_env) -> None:
    first, _ = loop.approved_claim()
    second, _ = loop.approved_claim()
    run_sender(runtime, until_confirmed=2)
    restore_backup_taken_before(runtime, first)
    result = CliRunner().invoke(app, ["rewards", "skip-claims", str(second), "--yes"])
    assert result.exit_code == 0, result.output
    check_database_not_behind_chain(runtime)
    assert loop.approved_claim()[0] == second + 1
