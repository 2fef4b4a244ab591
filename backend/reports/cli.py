"""`heitje reports ...`: the operator's report commands."""

from __future__ import annotations

import typer

from backend.db import transaction
from backend.reports import open_data, totals

app = typer.Typer(help="Reports: rebuild the running totals the summary reads.", no_args_is_help=True)


@app.command()
def rebuild() -> None:
    """Recount every report figure from the records and replace the running totals (closed months too);
    the closed months' open-data files are deleted, to be built again when next asked for."""
    from backend.cli_params import cli_runtime

    runtime = cli_runtime()
    settings = runtime.settings
    try:
        with transaction(runtime.sessions) as session:
            rows = totals.rebuild(session, settings.city_name)
    finally:
        runtime.close()
    files = open_data.MonthFiles(settings.open_data_dir, settings.city_name, settings.open_data_min_citizens)
    gone = files.remove_all()
    typer.echo(f"rebuilt {rows} rows of running totals for {settings.city_name}; {gone} open-data files to build again")


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
