"""`heitje coin ...`: see and operate the coin itself (roles, pause, mint limit, transfers, the Safe).

Every command that changes something prints what it will do and asks first (unless --yes). After the
handover to a Safe, the same commands store a Safe proposal instead; owners sign it with
`heitje coin safe sign` and anyone executes it with `heitje coin safe execute` at the threshold.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from backend.amounts import AmountError, format_amount, parse_amount
from backend.chain.admin import Call
from backend.cli_params import address_param
from backend.coin.service import CoinOps, Done, role_name
from backend.errors import HeitjeError

app = typer.Typer(help="See and operate the coin: roles, pause, mint limit, transfers, the Safe.", no_args_is_help=True)
roles_app = typer.Typer(help="Grant or revoke the coin's roles.", no_args_is_help=True)
safe_app = typer.Typer(help="The Safe multisig that holds the admin role after the handover.", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
app.add_typer(safe_app, name="safe")

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]


@contextmanager
def operations() -> Iterator[CoinOps]:
    """The configured coin's operations; a rule broken on the way is printed with its code (exit 1)."""
    from backend.cli import load_settings  # late: backend.cli imports this module
    from backend.runtime import NotDeployed, Runtime

    settings = load_settings()
    try:
        runtime = Runtime.from_settings(settings)
    except (NotDeployed, HeitjeError, OSError) as exc:
        typer.secho(f"cannot reach the chain or find the deployment: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    try:
        yield CoinOps(settings, runtime.deployment)
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


# --- seeing --------------------------------------------------------------------------------------


@app.command()
def status() -> None:
    """Role holders (from the chain's role events), pause, transfers, mint budget, supply, gas money."""
    with operations() as ops:
        state = ops.admin.state()
        d = ops.deployment
        typer.echo(f"coin            {d.address} ({d.symbol}) on chain {d.chain_id}")
        typer.echo(f"paused          {'YES' if state.paused else 'no'}")
        typer.echo(f"open transfers  {'yes' if state.open_transfers else 'no (closed loop)'}")
        typer.echo(
            f"mint limit      {format_amount(state.mint_limit)} per {state.mint_period_seconds} s; "
            f"left in this window {format_amount(state.mint_remaining)}"
        )
        typer.echo(f"total supply    {format_amount(state.total_supply)}")
        typer.echo("roles (from RoleGranted/RoleRevoked events)")
        for role, holders in ops.admin.role_holders(ops.settings.indexer_chunk_blocks).items():
            typer.echo(f"  {role:<19} {', '.join(holders) or '(nobody)'}")
        typer.echo(f"gas money (floor {ops.settings.gas_balance_floor_eth} ETH)")
        for key in ops.key_balances():
            line = f"  {key.name:<8} {key.address}  {key.eth:.6f} ETH"
            if key.low:
                line += "  WARNING: below the floor, top it up"
            typer.secho(line, fg="yellow" if key.low else None)


@app.command("minted-by")
def minted_by(
    address: Annotated[str, typer.Argument(help="The (minter) key's address.")],
    since: Annotated[int, typer.Option(help="First block to look at.")] = 0,
) -> None:
    """Every reward paid by transactions that ADDRESS signed since block --since (Rewarded events)."""
    with operations() as ops:
        minted = ops.admin.minted_by(address_param(address), since, ops.settings.indexer_chunk_blocks)
        for m in minted:
            typer.echo(f"block {m.block}  {m.tx_hash}  claim {m.claim_number}  {m.citizen}  {format_amount(m.units)}")
        total = sum(m.units for m in minted)
        typer.echo(f"{len(minted)} reward(s), {format_amount(total)} in total, since block {since}")


# --- acting --------------------------------------------------------------------------------------


@app.command()
def pause(yes: Yes = False) -> None:
    """Pause the coin: transfers, rewards and redemptions stop (PAUSER_ROLE)."""
    with operations() as ops:
        act(ops, ops.admin.pause(), "PAUSER_ROLE", yes)


@app.command()
def unpause(yes: Yes = False) -> None:
    """Unpause the coin (PAUSER_ROLE)."""
    with operations() as ops:
        act(ops, ops.admin.unpause(), "PAUSER_ROLE", yes)


@app.command("mint-limit")
def mint_limit(
    amount: Annotated[str, typer.Argument(help='Coins per period, e.g. "5000.00".')],
    period: Annotated[int, typer.Option(help="The period in seconds.", min=1)] = 86400,
    yes: Yes = False,
) -> None:
    """Set how much may be minted per period (DEFAULT_ADMIN_ROLE)."""
    try:
        units = parse_amount(amount)
    except AmountError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with operations() as ops:
        act(ops, ops.admin.set_mint_limit(units, period), "DEFAULT_ADMIN_ROLE", yes)


@app.command("open-transfers")
def open_transfers(
    state: Annotated[str, typer.Argument(help="on (person-to-person allowed) or off (closed loop).")],
    yes: Yes = False,
) -> None:
    """Open or close person-to-person transfers (DEFAULT_ADMIN_ROLE)."""
    if state not in ("on", "off"):
        raise typer.BadParameter("say on or off")
    with operations() as ops:
        act(ops, ops.admin.set_open_transfers(state == "on"), "DEFAULT_ADMIN_ROLE", yes)


@roles_app.command("grant")
def grant(
    role: Annotated[str, typer.Argument(help="MINTER_ROLE, REGISTRAR_ROLE, PAUSER_ROLE or DEFAULT_ADMIN_ROLE.")],
    address: Annotated[str, typer.Argument(help="Who receives it.")],
    yes: Yes = False,
) -> None:
    """Grant a role (DEFAULT_ADMIN_ROLE)."""
    with operations() as ops:
        act(ops, ops.admin.grant_role(role_name(role), address_param(address)), "DEFAULT_ADMIN_ROLE", yes)


@roles_app.command("revoke")
def revoke(
    role: Annotated[str, typer.Argument(help="MINTER_ROLE, REGISTRAR_ROLE, PAUSER_ROLE or DEFAULT_ADMIN_ROLE.")],
    address: Annotated[str, typer.Argument(help="Who loses it.")],
    yes: Yes = False,
) -> None:
    """Revoke a role (DEFAULT_ADMIN_ROLE)."""
    with operations() as ops:
        act(ops, ops.admin.revoke_role(role_name(role), address_param(address)), "DEFAULT_ADMIN_ROLE", yes)


def key_from_env(name: str) -> str:
    key = os.environ.get(name, "")
    if not key:
        raise typer.BadParameter(f"the environment variable {name} holds no key")
    return key
