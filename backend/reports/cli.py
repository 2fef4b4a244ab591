"""`heitje reports ...`: the operator's report commands."""

from __future__ import annotations

import typer

from backend.db import transaction
from backend.reports import totals

app = typer.Typer(help="Reports: rebuild the running totals the summary reads.", no_args_is_help=True)


@app.command()
def rebuild() -> None:
    """Recount every report figure from the records and replace the running totals (closed months too)."""
    from backend.cli_params import cli_runtime

    runtime = cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            rows = totals.rebuild(session, runtime.settings.city_name)
    finally:
        runtime.close()
    typer.echo(f"rebuilt {rows} rows of running totals for {runtime.settings.city_name}")


@app.command()
def check() -> None:
    """Compare the running totals with a full recount; exit 1 and list the differences if they differ."""
    from backend.cli_params import cli_runtime

    runtime = cli_runtime()
    try:
        with runtime.read_sessions() as session:
            stored, counted = totals.stored(session, runtime.settings.city_name), totals.recount(session)
    finally:
        runtime.close()
    differ = sorted(set(stored) | set(counted))
    differ = [key for key in differ if stored.get(key) != counted.get(key)]
    for month, district in differ:
        typer.echo(
            f"{month} {district}: running {stored.get((month, district))} recount {counted.get((month, district))}"
        )
    if differ:
        raise typer.Exit(1)
    typer.echo("running totals equal the recount")
