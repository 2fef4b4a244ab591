"""`heitje claims list|approve|reject`: review claims from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from backend import cli_params, paging
from backend.claims import service
from backend.claims.models import CLAIM_STATUSES
from backend.db import transaction, utcnow
from backend.errors import HeitjeError

app = typer.Typer(help="Claims: review citizens' proof.", no_args_is_help=True)


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option(help="claimed, submitted, approved, rejected or expired")
    ] = None,
    task: Annotated[int | None, typer.Option(help="Only this task's claims")] = None,
) -> None:
    """List claims, newest first."""

    if status is not None and status not in CLAIM_STATUSES:
        raise typer.BadParameter(f"status is one of {', '.join(CLAIM_STATUSES)}", param_hint="--status")
    runtime = cli_params.cli_runtime()
    with transaction(runtime.sessions) as session:
        claims = paging.every(
            lambda cursor: service.list_claims(
                session, citizen=None, status=status, task_id=task, limit=paging.MAX_LIMIT, cursor=cursor  # type: ignore[arg-type]
            )
        )
        for out in service.with_rewards(session, claims):
            reward = f"{out.reward.amount} {out.reward.status}" if out.reward else ""
            line = f"{out.id:>6}  task {out.task_id:<5} {out.status:<9}  {out.citizen}  {reward}"
            typer.echo(f"{line}  {out.note or ''}")
            if out.reward and out.reward.status in ("flagged", "pending") and out.reward.error:
                flagged = out.reward.status == "flagged"
                label = "FLAGGED: " if flagged else ""
                typer.secho(f"        {label}{out.reward.error}", fg="red" if flagged else None)


@app.command("expire")
def expire() -> None:
    """Record as expired every claim without proof whose time is up (the API already treats them so)."""
    runtime = cli_params.cli_runtime()
    with transaction(runtime.sessions) as session:
        count = service.record_expiry(session, utcnow())
    typer.echo(f"{count} claim(s) expired")


@app.command("approve")
def approve(claim_id: Annotated[int, typer.Argument()]) -> None:
    """Approve a submitted claim (its reward is queued for the sender)."""

    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            service.approve(session, runtime.settings, claim_id=claim_id, operator=runtime.deployment.admin)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"claim {claim_id} approved; its reward is queued")


@app.command("reject")
def reject(claim_id: Annotated[int, typer.Argument()], reason: Annotated[str, typer.Option()]) -> None:
    """Reject a claim with a reason the citizen reads."""

    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            service.reject(session, claim_id=claim_id, operator=runtime.deployment.admin, reason=reason)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"claim {claim_id} rejected")
