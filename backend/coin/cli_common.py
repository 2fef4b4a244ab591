"""What every `heitje coin ...` command shares: the configured coin's operations, asking before acting,
and reporting a transaction or a Safe proposal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from backend.chain.admin import Call
from backend.coin.service import CoinOps, Done
from backend.errors import HeitjeError

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]


@contextmanager
def operations() -> Iterator[CoinOps]:
    """The configured coin's operations; a rule broken on the way is printed with its code (exit 1)."""
    from backend.cli_params import load_settings
    from backend.runtime import NotDeployed, Runtime

    settings = load_settings()
    try:
        runtime = Runtime.from_settings(settings)
    except (NotDeployed, HeitjeError, OSError) as exc:
        typer.secho(f"cannot reach the chain or find the deployment: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    try:
        yield CoinOps(settings, runtime.deployment, runtime=runtime)
    except HeitjeError as exc:
        typer.secho(f"{exc.code}: {exc.message}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


def report(done: Done) -> None:
    if done.tx_hash:
        typer.echo(f"done: {done.tx_hash}")
    elif done.proposal:
        p = done.proposal
        typer.echo(f"proposal {p.id} for Safe {p.safe} (nonce {p.nonce}): {p.description}")
        typer.echo(f"  SafeTx hash (EIP-712) each owner signs: {p.safe_tx_hash}")
        typer.echo(f"  sign:    heitje coin safe sign {p.id} --key-env OWNER_KEY")
        typer.echo(f"  execute: heitje coin safe execute {p.id}")


def act(ops: CoinOps, call: Call, role: str, yes: bool) -> None:
    plan = ops.plan(call, role)
    typer.echo(f"will {plan.describe()}")
    if not yes:
        typer.confirm("go ahead?", abort=True)
    report(ops.carry_out(plan))


def key_from_env(name: str) -> str:
    key = os.environ.get(name, "")
    if not key:
        raise typer.BadParameter(f"the environment variable {name} holds no key")
    return key
