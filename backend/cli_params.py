"""Parsing of command-line values shared by the `heitje` sub-commands (typer's BadParameter on bad input)."""

from __future__ import annotations

import typer

from backend.amounts import AddressError, parse_address


def address_param(text: str) -> str:
    """The checksummed address, or a usage error naming what is wrong with it."""
    try:
        return parse_address(text)
    except AddressError as exc:
        raise typer.BadParameter(str(exc)) from exc
