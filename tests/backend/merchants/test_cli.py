"""`heitje merchant add|deactivate|list` against the configured chain and database."""

from __future__ import annotations

from eth_account import Account
from typer.testing import CliRunner

from backend.cli import app
from backend.db import transaction
from backend.merchants.models import Merchant


def _env(runtime) -> dict[str, str]:
    s = runtime.settings
    return {
        "RPC_URL": s.rpc_url or "",
        "DATABASE_URL": s.database_url,
        "DEPLOYMENTS_DIR": str(s.deployments_dir),
        "HEITJE_ENV": "test",
    }


def test_merchant_add_registers_with_a_normalised_iban(runtime):
    shop = Account.create().address

    result = CliRunner().invoke(
        app,
        ["merchant", "add", shop, "--name", "Bakkerij Pelzer", "--iban", "NL91 ABNA 0417 1643 00"],
        env=_env(runtime),
    )

    assert result.exit_code == 0, result.output
    with transaction(runtime.sessions) as session:
        merchant = session.get(Merchant, shop)
        assert (merchant.name, merchant.iban, merchant.chain_status) == (
            "Bakkerij Pelzer",
            "NL91ABNA0417164300",
            "pending",
        )


def test_merchant_add_with_a_bad_iban_fails_with_the_code(runtime):
    result = CliRunner().invoke(
        app,
        ["merchant", "add", Account.create().address, "--name", "Shop", "--iban", "NL00ABNA0417164300"],
        env=_env(runtime),
    )

    assert result.exit_code == 1
    assert "invalid_iban" in result.output


def test_merchant_deactivate_marks_the_merchant_inactive(runtime):
    shop = Account.create().address
    runner = CliRunner()
    runner.invoke(
        app, ["merchant", "add", shop, "--name", "Shop", "--iban", "NL91ABNA0417164300"], env=_env(runtime)
    )

    result = runner.invoke(app, ["merchant", "deactivate", shop], env=_env(runtime))

    assert result.exit_code == 0, result.output
    with transaction(runtime.sessions) as session:
        assert session.get(Merchant, shop).active is False
