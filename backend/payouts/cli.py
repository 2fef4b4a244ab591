"""`heitje payouts ...`: the operator's payout commands (the same service the API uses)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from backend import cli_params, paging
from backend.amounts import format_amount
from backend.audit import service as audit
from backend.db import transaction
from backend.errors import HeitjeError
from backend.payouts import service
from backend.runtime import Runtime

app = typer.Typer(
    help="Euro payouts for merchants' redemptions: list, export to SEPA, mark paid.", no_args_is_help=True
)


@contextmanager
def _runtime() -> Iterator[Runtime]:
    runtime = cli_params.cli_runtime()
    try:
        yield runtime
    finally:
        runtime.close()


@app.command("list")
def list_(status: Annotated[str | None, typer.Option(help="due, exported or paid")] = None) -> None:
    """List payouts."""
    with _runtime() as runtime, transaction(runtime.sessions) as session:
        views = paging.every(
            lambda cursor: service.list_payouts(session, status=status, limit=paging.MAX_LIMIT, cursor=cursor)
        )
        for view in views:
            p = view.payout
            flag = "  REORGED: check with the bank" if p.reorged_at else ""
            typer.echo(
                f"{p.id:>6}  {p.status:<8}  EUR {format_amount(p.amount_cents):>10}  "
                f"{view.merchant_name or p.merchant}  batch {p.batch_id or '-'}{flag}"
            )


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write the pain.001 XML")] = Path(
        "payouts.xml"
    ),
    operator: Annotated[str, typer.Option(help="recorded as the batch's creator")] = "cli",
) -> None:
    """Export every due payout into one SEPA pain.001 file and mark them exported."""
    try:
        with _runtime() as runtime, transaction(runtime.sessions) as session:
            result = service.export_due(session, runtime.settings, operator=operator)
            batch = result.batch
            held = audit.is_held(session, batch.id)
            if not held:
                out.write_text(batch.xml, encoding="utf-8")
    except HeitjeError as exc:
        typer.secho(exc.message, fg="yellow", err=True)
        raise typer.Exit(1) from exc
    if held:  # four eyes: the file is written once another operator confirmed it (then download it)
        typer.echo(f"batch {batch.id}: EUR {format_amount(batch.total_cents)} awaits a second operator")
        return
    typer.echo(
        f"batch {batch.id}: {batch.payout_count} payouts, EUR {format_amount(batch.total_cents)} -> {out}"
    )
    if result.skipped:
        typer.secho(
            f"{len(result.skipped)} due payouts skipped (no merchant record): {result.skipped}", fg="yellow"
        )


@app.command()
def paid(
    batch: Annotated[int | None, typer.Option(help="mark every payout of this batch paid")] = None,
    payout: Annotated[int | None, typer.Option(help="mark this one payout paid")] = None,
) -> None:
    """Mark a batch (or one payout) paid once the bank has executed it."""
    if (batch is None) == (payout is None):
        raise typer.BadParameter("give exactly one of --batch or --payout")
    try:
        with _runtime() as runtime, transaction(runtime.sessions) as session:
            if batch is not None:
                service.mark_batch_paid(session, batch, city=runtime.settings.city_name)
            else:
                service.mark_paid(session, payout, city=runtime.settings.city_name)  # type: ignore[arg-type]
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo("marked paid")


@app.command()
def sync() -> None:
    """Run the indexer until it has read every confirmed block (the worker does this continuously)."""
    from backend.indexer.service import Indexer

    with _runtime() as runtime:
        steps = Indexer(runtime).run_until_idle()
    events = sum(s.events for s in steps if s.kind == "read")
    created = sum(s.payouts for s in steps if s.kind == "read")
    typer.echo(f"indexed {events} events, {created} new payouts; checkpoint at block {steps[-1].last}")
