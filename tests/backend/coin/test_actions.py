"""`heitje coin pause|unpause|mint-limit|open-transfers|roles` from the operator's key, on Anvil."""

from __future__ import annotations

from eth_account import Account

from backend.settings import ANVIL_TEST_KEYS

MINTER = Account.from_key(ANVIL_TEST_KEYS["minter"]).address


def test_pause_asks_first_and_does_nothing_when_refused(heitje, admin):
    result = heitje("coin", "pause", input="n\n")

    assert "will pause the coin" in result.output
    assert result.exit_code == 1
    assert admin.state().paused is False


def test_pause_after_confirmation_pauses_the_coin(heitje, admin):
    result = heitje("coin", "pause", input="y\n")

    assert result.exit_code == 0, result.output
    assert admin.state().paused is True


def test_unpause_with_yes_unpauses_without_asking(heitje, admin):
    heitje("coin", "pause", "--yes")

    result = heitje("coin", "unpause", "--yes")

    assert result.exit_code == 0, result.output
    assert "go ahead?" not in result.output
    assert admin.state().paused is False


def test_unpause_of_a_running_coin_is_refused_with_the_coins_reason(heitje):
    result = heitje("coin", "unpause", "--yes")

    assert result.exit_code == 1
    assert "admin_call_refused" in result.output
    assert "ExpectedPause" in result.output


def test_mint_limit_sets_the_amount_per_period(heitje, admin):
    result = heitje("coin", "mint-limit", "2500.50", "--period", "3600", "--yes")

    assert result.exit_code == 0, result.output
    state = admin.state()
    assert (state.mint_limit, state.mint_period_seconds, state.mint_remaining) == (250_050, 3600, 250_050)


def test_mint_limit_refuses_an_amount_with_three_decimals(heitje, admin):
    result = heitje("coin", "mint-limit", "1.005", "--yes")

    assert result.exit_code == 2
    assert admin.state().mint_limit == 100_000_00


def test_mint_limit_refuses_an_amount_above_the_largest_limit_and_names_it(heitje, admin):
    result = heitje("coin", "mint-limit", "720575940379279.36", "--yes")  # 2**56 units: the coin would revert

    assert result.exit_code == 2
    output = " ".join(result.output.replace("│", " ").split())  # typer wraps the error in a box
    assert "above the largest mint limit, 10000000000000.00 per period" in output
    assert "the coin holds at most 720575940379279.35, 2**56 - 1 units" in output
    assert admin.state().mint_limit == 100_000_00


def test_mint_limit_takes_the_largest_limit(heitje, admin):
    result = heitje("coin", "mint-limit", "10000000000000.00", "--yes")

    assert result.exit_code == 0, result.output
    assert admin.state().mint_limit == 10**15


def test_open_transfers_on_then_off(heitje, admin):
    heitje("coin", "open-transfers", "on", "--yes")
    assert admin.state().open_transfers is True

    result = heitje("coin", "open-transfers", "off", "--yes")

    assert result.exit_code == 0, result.output
    assert admin.state().open_transfers is False


def test_roles_grant_gives_the_role(heitje, admin):
    newcomer = Account.create().address

    result = heitje("coin", "roles", "grant", "MINTER_ROLE", newcomer, "--yes")

    assert result.exit_code == 0, result.output
    assert admin.has_role("MINTER_ROLE", newcomer)


def test_roles_revoke_takes_the_role_away(heitje, admin):
    result = heitje("coin", "roles", "revoke", "minter", MINTER, "--yes")

    assert result.exit_code == 0, result.output
    assert not admin.has_role("MINTER_ROLE", MINTER)


def test_roles_grant_of_an_unknown_role_fails_with_the_code(heitje):
    result = heitje("coin", "roles", "grant", "OWNER_ROLE", Account.create().address, "--yes")

    assert result.exit_code == 1
    assert "unknown_role" in result.output


def test_a_key_without_the_role_is_refused_before_anything_is_sent(heitje, admin):
    outsider = Account.create()

    result = heitje("coin", "pause", "--yes", env={"DEPLOYER_KEY": outsider.key.hex()})

    assert result.exit_code == 1
    assert "not_role_holder" in result.output
    assert admin.state().paused is False
