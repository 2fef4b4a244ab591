"""`heitje coin status`: what the chain says about the coin, its roles and the keys' gas money."""

from __future__ import annotations

from eth_account import Account

from backend.settings import ANVIL_TEST_KEYS

DEPLOYER = Account.from_key(ANVIL_TEST_KEYS["deployer"]).address
MINTER = Account.from_key(ANVIL_TEST_KEYS["minter"]).address


def _role_line(output: str, role: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(role))


def test_status_lists_the_role_holders_from_the_role_events(heitje, admin):
    newcomer = Account.create().address
    admin.send_call(admin.grant_role("PAUSER_ROLE", newcomer), ANVIL_TEST_KEYS["deployer"])

    result = heitje("coin", "status")

    assert result.exit_code == 0, result.output
    assert _role_line(result.output, "PAUSER_ROLE").split(None, 1)[1] == f"{DEPLOYER}, {newcomer}"
    assert _role_line(result.output, "MINTER_ROLE").split(None, 1)[1] == MINTER


def test_status_drops_a_revoked_holder(heitje, admin):
    admin.send_call(admin.revoke_role("REGISTRAR_ROLE", MINTER), ANVIL_TEST_KEYS["deployer"])

    result = heitje("coin", "status")

    assert _role_line(result.output, "REGISTRAR_ROLE").split(None, 1)[1] == DEPLOYER


def test_status_shows_the_switches_the_mint_budget_and_the_supply(heitje, admin):
    admin.send_call(admin.set_mint_limit(500_00, 3600), ANVIL_TEST_KEYS["deployer"])

    result = heitje("coin", "status")

    assert "paused          no" in result.output
    assert "open transfers  no (closed loop)" in result.output
    assert "mint limit      500.00 per 3600 s; left in this window 500.00" in result.output
    assert "total supply    0.00" in result.output


def test_status_warns_when_a_key_has_less_gas_money_than_the_floor(heitje):
    result = heitje("coin", "status", env={"GAS_BALANCE_FLOOR_ETH": "1000000"})

    warnings = [line for line in result.output.splitlines() if "WARNING: below the floor" in line]
    assert [line.split()[0] for line in warnings] == ["minter", "relayer"]


def test_status_does_not_warn_above_the_floor(heitje):
    result = heitje("coin", "status")

    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
