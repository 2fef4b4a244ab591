"""`heitje rewards flagged|skip-claims`: what operators do about rewards the chain disagrees with."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from backend import cli_params
from backend.amounts import format_amount
from backend.errors import DatabaseBehindChain
from backend.rewards.models import Reward
from backend.runtime import Runtime

app = typer.Typer(help="Rewards: flagged payments and recovery after a database restore.", no_args_is_help=True)


@app.command("flagged")
def flagged() -> None:
    """List rewards the chain paid to another citizen or amount (never confirmed), with the evidence."""
    runtime = cli_params.cli_runtime()
    with runtime.sessions() as session:
        rows = session.scalars(select(Reward).where(Reward.status == "flagged").order_by(Reward.claim_id)).all()
        for r in rows:
            paid = format_amount(r.paid_units) if r.paid_units is not None else "?"
            typer.echo(
                f"claim {r.claim_id:>6}  owed {format_amount(r.amount_units)} to {r.citizen}; "
                f"chain paid {paid} to {r.paid_citizen} in {r.tx_hash}"
            )
        typer.echo(f"{len(rows)} flagged rewards")


@app.command("skip-claims")
def skip_claims(
    past: Annotated[int, typer.Argument(help="The highest claim number the chain paid (from the start-up message)")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask")] = False,
) -> None:
    """After restoring an older database with no newer backup: number new claims after PAST, so none
    reuses a claim id the chain already paid."""
    from backend.rewards.startup import skip_claim_numbers_past

    if past < 1:
        raise typer.BadParameter("a claim number is 1 or more", param_hint="PAST")
    if not yes:
        typer.confirm(f"New claims will be numbered after {past}. Continue?", abort=True)
    runtime = cli_params.cli_runtime()
    skip_claim_numbers_past(runtime, past)
    typer.echo(f"new claims are numbered after {past}")


def refuse_if_database_behind_chain(runtime: Runtime) -> None:
    """For `heitje up` and `heitje worker`: stops start-up (exit 2, the reason and the way out on
    stderr) when the chain paid claims this database does not know (backend.rewards.startup)."""
    from backend.rewards.startup import check_database_not_behind_chain

    try:
        check_database_not_behind_chain(runtime)
    except DatabaseBehindChain as exc:
        typer.secho(exc.message, fg="red", err=True)
        runtime.close()
        raise typer.Exit(2) from exc
