"""`heitje operator add|remove|list`: the city's staff who may post tasks and review claims."""

from __future__ import annotations

from typing import Annotated

import typer

from backend import cli_params
from backend.accounts import service
from backend.cli_params import address_param
from backend.db import transaction
from backend.errors import HeitjeError

app = typer.Typer(
    help="Operators: who may post tasks, review claims and register merchants.", no_args_is_help=True
)



@app.command("add")
def add(address: Annotated[str, typer.Argument(help="The operator's wallet address")]) -> None:
    """Give ADDRESS the operator role."""
    runtime = cli_params.cli_runtime()
    checksummed = address_param(address)
    try:
        with transaction(runtime.sessions) as session:
            service.add_operator(session, address=checksummed, added_by="cli")
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"operator added: {checksummed}")


@app.command("remove")
def remove(address: Annotated[str, typer.Argument(help="The operator's wallet address")]) -> None:
    """Take the operator role from ADDRESS (configured operators and the admin stay)."""
    runtime = cli_params.cli_runtime()
    checksummed = address_param(address)
    try:
        with transaction(runtime.sessions) as session:
            service.remove_operator(session, checksummed)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"operator removed: {checksummed}")


@app.command("list")
def list_() -> None:
    """Every operator: the deployment's admin, configured ones (OPERATORS) and added ones."""
    runtime = cli_params.cli_runtime()
    with transaction(runtime.sessions) as session:
        for address in service.list_operators(session, runtime):
            typer.echo(address)
