"""What the `heitje` sub-commands share: parsing of command-line values (typer's BadParameter on bad
input), the settings and the runtime of a one-off command. Domain CLI groups import this module,
never backend.cli (the entry point that wires them)."""

from __future__ import annotations

import typer

from backend import migrate
from backend.amounts import AddressError, parse_address
from backend.runtime import Runtime
from backend.settings import Settings, SettingsError


def address_param(text: str) -> str:
    """The checksummed address, or a usage error naming what is wrong with it."""
    try:
        return parse_address(text)
    except AddressError as exc:
        raise typer.BadParameter(str(exc)) from exc


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


def cli_runtime() -> Runtime:
    """The runtime for a one-off command: settings, deployment record, database (migrated)."""
    settings = load_settings()
    try:
        runtime = Runtime.from_settings(settings)
    except Exception as exc:  # noqa: BLE001 - every failure here is a set-up problem to report plainly
        typer.secho(f"cannot reach the chain or find the deployment: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    migrate.upgrade(runtime.engine)
    return runtime
