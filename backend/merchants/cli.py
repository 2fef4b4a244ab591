"""`heitje merchant ...`: the registry from the command line (the on-chain part is queued for the sender)."""

from __future__ import annotations

from typing import Annotated

import typer

from backend import cli_params, paging
from backend.cli_params import address_param
from backend.db import transaction
from backend.errors import HeitjeError

app = typer.Typer(
    help="Register and deactivate merchants (shops that accept the coin).", no_args_is_help=True
)



@app.command("add")
def add(
    address: Annotated[str, typer.Argument(help="The merchant's wallet address.")],
    name: Annotated[str, typer.Option(help="The shop's name, as citizens see it.")],
    iban: Annotated[str, typer.Option(help="Where its euros are paid (validated).")],
) -> None:
    """Register a merchant; `heitje up` / `heitje worker` then sends setMerchant(address, true)."""
    from backend.merchants import service

    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            merchant = service.register(session, address=address_param(address), name=name, iban=iban)
            typer.echo(
                f"registered {merchant.address} ({merchant.name}, {merchant.iban}); "
                "setMerchant is queued for the sender"
            )
    except HeitjeError as exc:
        typer.secho(f"{exc.code}: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


@app.command("deactivate")
def deactivate(address: Annotated[str, typer.Argument(help="The merchant's wallet address.")]) -> None:
    """Deactivate a merchant; the sender then sends setMerchant(address, false)."""
    from backend.merchants import service

    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            merchant = service.deactivate(session, address_param(address))
            typer.echo(f"deactivated {merchant.address} ({merchant.name})")
    except HeitjeError as exc:
        typer.secho(f"{exc.code}: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


@app.command("list")
def list_merchants() -> None:
    """Every merchant in the registry, with its chain state."""
    from backend.merchants import service

    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            registry = paging.every(lambda cursor: service.list_all(session, limit=paging.MAX_LIMIT, cursor=cursor))
            for m in registry:
                state = "active  " if m.active else "inactive"
                typer.echo(f"{m.address}  {state}  {m.chain_status:<9}  {m.iban}  {m.name}")
    finally:
        runtime.close()
