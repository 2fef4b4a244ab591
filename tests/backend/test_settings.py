"""Strict settings: outside development (production, or a chain Heitje did not start itself) the public
development secrets, keys, example IBAN and a shallow confirmation depth are refused, naming the variable."""

from __future__ import annotations

import secrets

import pytest
from eth_account import Account

from backend.settings import DEV_ADDRESSES, MIN_PRODUCTION_CONFIRMATIONS, Settings, SettingsError

MNEMONIC = "test test test test test test test test test test test junk"


def _key() -> str:
    return "0x" + secrets.token_hex(32)


def production_env(**changes: str) -> dict[str, str]:
    """A complete production configuration with fresh keys; `changes` replace or (with "") drop values."""
    env = {
        "HEITJE_ENV": "production",
        "RPC_URL": "https://rpc.gnosischain.com",
        "PUBLIC_URL": "https://heitje.heerlen.nl",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEPLOYER_KEY": _key(),
        "MINTER_KEY": _key(),
        "RELAYER_KEY": _key(),
        "OPEN_DATA_SALT": secrets.token_urlsafe(20),
        "CONFIRMATIONS": str(MIN_PRODUCTION_CONFIRMATIONS),
        "CITY_IBAN": "NL02ABNA0123456789",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v != ""}


def _anvil_key(index: int) -> str:
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return "0x" + bytes(account.key).hex()


def test_a_complete_production_configuration_is_accepted() -> None:
    assert Settings.from_env(production_env()).strict


def test_a_remote_chain_without_heitje_env_starts_strict_and_names_the_secret() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"RPC_URL": "https://rpc.gnosischain.com"})


def test_a_remote_chain_with_development_set_on_purpose_is_not_strict() -> None:
    settings = Settings.from_env({"RPC_URL": "https://rpc.gnosischain.com", "HEITJE_ENV": "development"})
    assert not settings.strict


def test_the_local_anvil_heitje_starts_itself_is_not_strict() -> None:
    assert not Settings.from_env({}).strict


def test_the_development_accounts_are_the_test_mnemonics_first_twenty() -> None:
    Account.enable_unaudited_hdwallet_features()
    derived = {
        Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").address.lower() for i in range(20)
    }
    assert derived == DEV_ADDRESSES


@pytest.mark.parametrize(
    "spelling",
    [
        lambda k: k,
        lambda k: k.removeprefix("0x"),
        lambda k: k.upper().replace("0X", "0x"),
        lambda k: k.removeprefix("0x").upper(),
        lambda k: f"  {k}  ",
    ],
    ids=["plain", "no-0x", "upper", "upper-no-0x", "spaces"],
)
@pytest.mark.parametrize("index", [1, 3, 19])
def test_a_development_key_in_any_spelling_is_refused_in_production(index: int, spelling) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match="MINTER_KEY controls a public development account"):
        Settings.from_env(production_env(MINTER_KEY=spelling(_anvil_key(index))))


def test_a_key_that_is_not_a_key_is_refused_naming_its_variable() -> None:
    with pytest.raises(SettingsError, match="RELAYER_KEY is not a private key"):
        Settings.from_env(production_env(RELAYER_KEY="changeme"))


def test_a_development_account_as_operator_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="OPERATORS"):
        Settings.from_env(production_env(OPERATORS="0x70997970c51812dc3a010c7d01b50e0d17dc79c8"))


def test_production_with_one_confirmation_is_refused() -> None:
    with pytest.raises(SettingsError, match=f"CONFIRMATIONS must be at least {MIN_PRODUCTION_CONFIRMATIONS}"):
        Settings.from_env(production_env(CONFIRMATIONS="1"))


@pytest.mark.parametrize("iban", ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00"])
def test_production_with_the_example_city_iban_is_refused(iban: str) -> None:
    with pytest.raises(SettingsError, match="CITY_IBAN"):
        Settings.from_env(production_env(CITY_IBAN=iban))


def test_production_without_an_https_public_url_is_refused() -> None:
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        Settings.from_env(production_env(PUBLIC_URL="http://heitje.heerlen.nl"))


def test_the_cli_refuses_a_remote_chain_before_connecting_to_it(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import typer

    from backend import cli

    def no_network(url: str, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"connected to {url} before checking the settings")

    monkeypatch.setattr("backend.runtime.node_chain_id", no_network)
    monkeypatch.setattr("backend.cli.node_chain_id", no_network, raising=False)
    monkeypatch.delenv("HEITJE_ENV", raising=False)
    monkeypatch.setenv("RPC_URL", "http://192.0.2.1:8545")  # TEST-NET: nothing answers there
    with pytest.raises(typer.Exit) as exit_info:
        cli.cli_runtime()
    assert exit_info.value.exit_code == 2
    assert "SECRET_KEY" in capsys.readouterr().err


def test_rate_limits_in_the_wrong_shape_are_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="RATE_LIMITS"):
        Settings.from_env({"RATE_LIMITS": "sign_in=lots"})
