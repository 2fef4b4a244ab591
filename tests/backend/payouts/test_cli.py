"""`heitje payouts ...` on the same database and chain as the API."""

from __future__ import annotations

import xmlschema
from typer.testing import CliRunner

from backend.cli import app
from backend.payouts.sepa import SCHEMA_PATH
from tests.backend.indexer.coin import funded_merchant


def env_for(settings) -> dict[str, str]:
    return {
        "HEITJE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "RPC_URL": settings.rpc_url,
        "DEPLOYMENTS_DIR": str(settings.deployments_dir),
    }


def test_heitje_payouts_sync_then_export_writes_a_valid_sepa_file(runtime, coin, tmp_path, monkeypatch):
    merchant = funded_merchant(runtime, coin, units=1200, claim=1)
    coin.redeem(merchant, 1200, 5)
    for name, value in env_for(runtime.settings).items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    synced = runner.invoke(app, ["payouts", "sync"])
    exported = runner.invoke(app, ["payouts", "export", "--out", str(tmp_path / "batch.xml")])
    again = runner.invoke(app, ["payouts", "export", "--out", str(tmp_path / "again.xml")])

    assert synced.exit_code == 0, synced.output
    assert "1 new payouts" in synced.output
    assert exported.exit_code == 0, exported.output
    assert "1 payouts, EUR 12.00" in exported.output
    xmlschema.XMLSchema(str(SCHEMA_PATH)).validate(str(tmp_path / "batch.xml"))
    assert again.exit_code == 1 and not (tmp_path / "again.xml").exists()


def test_heitje_payouts_paid_needs_exactly_one_target(runtime, monkeypatch):
    for name, value in env_for(runtime.settings).items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(app, ["payouts", "paid"])

    assert result.exit_code == 2
