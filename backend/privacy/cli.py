"""`heitje privacy export|erase|statement|sweep`: a citizen's data rights, run by an operator on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from backend import cli_params
from backend.cli_params import address_param
from backend.db import transaction
from backend.errors import HeitjeError
from backend.privacy import retention, service
from backend.privacy.page import export_html
from backend.privacy.statement import LANGUAGES, render_pdf, yearly_statement

app = typer.Typer(help="Privacy: a citizen's data export, erasure and yearly statement.", no_args_is_help=True)
Address = Annotated[str, typer.Argument(parser=address_param, help="The citizen's wallet address")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout")]


@app.command("export")
def export(
    address: Address, html: Annotated[bool, typer.Option(help="A readable HTML page")] = False, output: Output = None
) -> None:
    """Everything Heitje holds about ADDRESS, as JSON (or HTML)."""
    runtime = cli_params.cli_runtime()
    with transaction(runtime.read_sessions) as session:
        data = service.export(session, runtime.settings, address, contract=runtime.deployment.address)
    text = export_html(data) if html else json.dumps(data, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"written to {output}")


@app.command("erase")
def erase(address: Address, yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False) -> None:
    """Erase ADDRESS's personal data: photos, notes and sign-ins deleted, claims kept as pseudonymous
    amounts for the books. The chain is not touched."""
    if not yes:
        typer.confirm(f"Erase the personal data of {address}? This cannot be undone", abort=True)
    runtime = cli_params.cli_runtime()
    try:
        result = service.erase_address(runtime, address)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"erased {address}: {result.claims} claims kept without the address, {result.photos} photos and "
        f"{result.notes} notes deleted, {result.sign_ins} sign-ins deleted, {result.payments} payments "
        f"pseudonymised; {result.rewards_kept_for_cap} rewards of this year keep the address until 31 December "
        "(yearly cap)"
    )


@app.command("statement")
def statement(
    address: Address,
    year: Annotated[int, typer.Argument(min=2000, max=2200)],
    lang: Annotated[str, typer.Option(help="nl or en")] = "nl",
    output: Output = None,
) -> None:
    """Write ADDRESS's yearly statement for YEAR as a PDF."""
    if lang not in LANGUAGES:
        raise typer.BadParameter("lang is nl or en", param_hint="--lang")
    runtime = cli_params.cli_runtime()
    with transaction(runtime.read_sessions) as session:
        result = yearly_statement(
            session, runtime.settings, address=address, year=year, contract=runtime.deployment.address
        )
    path = output or Path(f"heitje-statement-{year}-{address[:10]}-{lang}.pdf")
    path.write_bytes(render_pdf(result, lang))
    typer.echo(f"written to {path}")


@app.command("sweep")
def sweep() -> None:
    """Run the retention sweep once (the worker does this by itself)."""
    runtime = cli_params.cli_runtime()
    total = retention.Swept()
    while True:
        result = retention.run_once(runtime)
        for name in ("photos", "notes", "nonces", "sign_ins", "rewards_pseudonymised"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        if not result.more:
            break
    typer.echo(
        f"removed {total.photos} photos, {total.notes} notes, {total.nonces} expired sign-in nonces, "
        f"{total.sign_ins} sign-in times"
    )
