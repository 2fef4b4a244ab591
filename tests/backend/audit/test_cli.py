"""`heitje audit list`, and the CLI's SEPA export under the four-eyes rule."""

from __future__ import annotations

from typer.testing import CliRunner

from backend.cli import app
from tests.backend.claims.helpers import Loop
from tests.backend.indexer.coin import Coin, funded_merchant
from tests.support.accounts import DEPLOYER


def use_env(runtime, monkeypatch, **extra: str) -> None:
    settings = runtime.settings
    env = {
        "HEITJE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "RPC_URL": settings.rpc_url or "",
        "DEPLOYMENTS_DIR": str(settings.deployments_dir),
        **extra,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_heitje_audit_list_prints_the_decisions_newest_first(loop: Loop, runtime, monkeypatch) -> None:
    claim_id, _ = loop.approved_claim()
    use_env(runtime, monkeypatch)
    result = CliRunner().invoke(app, ["audit", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "claim_approved" in lines[0] and f"claim:{claim_id}" in lines[0] and DEPLOYER.address in lines[0]
    assert "task_posted" in lines[1]
    csv_out = CliRunner().invoke(app, ["audit", "list", "--csv", "--action", "task_posted"])
    assert csv_out.output.splitlines()[0] == "id,at,actor,action,subject,details"
    assert len(csv_out.output.splitlines()) == 2


def test_heitje_audit_list_refuses_an_unknown_action(runtime, monkeypatch) -> None:
    use_env(runtime, monkeypatch)
    assert CliRunner().invoke(app, ["audit", "list", "--action", "anything"]).exit_code == 2


def test_the_cli_writes_no_file_for_a_sepa_export_awaiting_four_eyes(runtime, w3, deployment, tmp_path, monkeypatch):
    coin = Coin(w3, deployment)
    merchant = funded_merchant(runtime, coin, units=2500, claim=1)
    coin.redeem(merchant, 2500, 5)
    use_env(runtime, monkeypatch, SEPA_FOUR_EYES_TOTAL="20.00")
    runner = CliRunner()
    assert runner.invoke(app, ["payouts", "sync"]).exit_code == 0
    exported = runner.invoke(app, ["payouts", "export", "--out", str(tmp_path / "batch.xml")])
    assert exported.exit_code == 0, exported.output
    assert "awaits a second operator" in exported.output
    assert not (tmp_path / "batch.xml").exists()
