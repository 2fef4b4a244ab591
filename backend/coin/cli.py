"""`heitje coin ...`: see and operate the coin itself (roles, pause, mint limit, transfers, the Safe).

Every command that changes something prints what it will do and asks first (unless --yes). After the
handover to a Safe, the same commands store a Safe proposal instead; owners sign it with
`heitje coin safe sign` and anyone executes it with `heitje coin safe execute` at the threshold.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from eth_account import Account

from backend.amounts import MAX_UNITS, UNITS_PER_COIN, AmountError, format_amount, parse_amount
from backend.chain.admin import MINT_LIMIT_MAX
from backend.cli_params import address_param
from backend.coin import safe_cli
from backend.coin.cli_common import Yes, act, key_from_env, operations
from backend.coin.service import role_name
from backend.errors import KeyStillBusy

app = typer.Typer(help="See and operate the coin: roles, pause, mint limit, transfers, the Safe.", no_args_is_help=True)
roles_app = typer.Typer(help="Grant or revoke the coin's roles.", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
app.add_typer(safe_cli.app, name="safe")


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
        roles = ops.admin.role_holders(ops.settings.indexer_chunk_blocks)
        for role, holders in roles.items():
            typer.echo(f"  {role:<19} {', '.join(holders) or '(nobody)'}")
        for holder in roles["DEFAULT_ADMIN_ROLE"]:
            safe = ops.safe(holder)
            if safe.is_safe():
                typer.echo(
                    f"admin Safe      {safe.address}: {safe.threshold()} of {len(safe.owners())} owners, "
                    f"nonce {safe.nonce()} (admin actions are proposals: heitje coin safe proposals)"
                )
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
    """Every reward paid by transactions that ADDRESS signed since block --since (Rewarded events):
    `claim N` for an id under this installation's prefix, else the whole on-chain id."""
    from backend import migrate
    from backend.coin.audit import read_mints

    with operations() as ops:
        assert ops.runtime is not None
        migrate.upgrade(ops.runtime.engine)
        minted = ops.admin.minted_by(address_param(address), since, ops.settings.indexer_chunk_blocks)
        for mint in read_mints(ops.runtime, minted):
            m = mint.minted
            typer.echo(f"block {m.block}  {m.tx_hash}  {mint.label}  {m.citizen}  {format_amount(m.units)}")
        total = sum(m.units for m in minted)
        typer.echo(f"{len(minted)} reward(s), {format_amount(total)} in total, since block {since}")


@app.command("check-rewards")
def check_rewards(
    minted_by: Annotated[str | None, typer.Option(help="Also sort what this (leaked) key minted.")] = None,
    since: Annotated[int, typer.Option(help="With --minted-by: the first block to look at.")] = 0,
) -> None:
    """Compare the database's rewards with the chain: confirmed rewards the chain lacks (a deep reorg),
    and with --minted-by what a leaked key minted (ours, the thief's, or ours shadowed by the thief).
    Exits 1 when something needs the operators."""
    from backend import migrate
    from backend.coin.audit import check, installation_ids

    with operations() as ops:
        assert ops.runtime is not None
        migrate.upgrade(ops.runtime.engine)
        findings = check(ops.runtime, ops.admin, minted_by=address_param(minted_by) if minted_by else None, since=since)
        for f in findings:
            typer.echo(f"{f.label}  {f.kind:<16} {f.detail}")
        bad = [f for f in findings if f.kind in ("missing_on_chain", "shadowed")]
        foreign = sum(1 for f in findings if f.kind == "foreign_mint")
        typer.echo(f"{len(bad)} reward(s) need attention; {foreign} mint(s) were not ours")
        # Ids under our prefix that the database lacks: lost by a restore, or a thief who read the
        # prefix from the chain's Rewarded events. New claims must not be numbered into them.
        unknown = [
            f.claim_number
            for f in findings
            if f.kind == "foreign_mint" and f.claim_number is not None and f.claim_number < 2**63
        ]
        if unknown:
            ids = installation_ids(ops.runtime)
            prefix = f"0x{ids.prefix:032x}" if ids else "?"
            typer.secho(
                f"claim numbers up to {max(unknown)} are spent on chain but unknown to the database (ids under "
                f"this installation's prefix {prefix}): number new claims past it with "
                f"`heitje rewards skip-claims {max(unknown)}` before new claims are made (docs/operations.md)",
                fg="yellow",
            )
        if bad:
            raise typer.Exit(1)


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
    # The coin keeps the limit in 56 bits (it reverts SafeCastOverflowedUintDowncast above), and an
    # amount here is at most MAX_UNITS: say which bound an amount broke before anything is sent.
    largest = min(MINT_LIMIT_MAX, MAX_UNITS)
    try:
        too_large = Decimal(amount.strip()) * UNITS_PER_COIN > largest
    except InvalidOperation:
        too_large = False  # not a number: parse_amount says what is wrong with it
    if too_large:
        raise typer.BadParameter(
            f"{amount} is above the largest mint limit, {format_amount(largest)} per period "
            f"(the coin holds at most {format_amount(MINT_LIMIT_MAX)}, 2**56 - 1 units)",
            param_hint="AMOUNT",
        )
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


@app.command("rotate-minter")
def rotate_minter(
    new_address: Annotated[str, typer.Argument(help="The new minter key's address.")],
    finish: Annotated[
        bool, typer.Option(help="Second step, after MINTER_KEY names the new key: drain the old key, revoke it.")
    ] = False,
    old_key_env: Annotated[
        str, typer.Option(help="With --finish: the variable holding the old key.")
    ] = "OLD_MINTER_KEY",
    wait: Annotated[float, typer.Option(help="With --finish: seconds to wait for the old key's transactions.")] = 120.0,
    yes: Yes = False,
) -> None:
    """Move the reward sender to a new key, nothing sent twice and nothing forgotten. Step 1 grants
    MINTER_ROLE and REGISTRAR_ROLE to NEW_ADDRESS; then set MINTER_KEY to the new key and restart the
    workers; step 2 (--finish) settles the old key's transactions in flight and revokes its roles."""
    from backend import migrate
    from backend.coin.rotation import drain_key

    new = address_param(new_address)
    with operations() as ops:
        if not finish:
            for role in ("MINTER_ROLE", "REGISTRAR_ROLE"):
                act(ops, ops.admin.grant_role(role, new), "DEFAULT_ADMIN_ROLE", yes)
            typer.echo("next: set MINTER_KEY to the new key, restart `heitje up` / `heitje worker`, then")
            typer.echo(f"      heitje coin rotate-minter {new} --finish --old-key-env OLD_MINTER_KEY")
            return
        current = Account.from_key(ops.settings.minter_key).address
        if current != new:
            typer.secho(
                f"MINTER_KEY is still {current}: switch it to {new} (and restart the workers) first", fg="red", err=True
            )
            raise typer.Exit(1)
        old_key = key_from_env(old_key_env)
        old = Account.from_key(old_key).address
        assert ops.runtime is not None
        migrate.upgrade(ops.runtime.engine)
        typer.echo(f"settling the transactions {old} still has in flight (up to {wait:.0f} s)...")
        drained = drain_key(ops.runtime, old_key, wait_seconds=wait)
        typer.echo(f"  {drained} transaction(s) settled; the rest of its work waits for {new}")
        for role in ("MINTER_ROLE", "REGISTRAR_ROLE"):
            act(ops, ops.admin.revoke_role(role, old), "DEFAULT_ADMIN_ROLE", yes)


@app.command("rotate-relayer")
def rotate_relayer(
    new_address: Annotated[str, typer.Argument(help="The new relayer key's address (RELAYER_KEY names it).")],
    old_key_env: Annotated[str, typer.Option(help="The variable holding the old relayer key.")] = "OLD_RELAYER_KEY",
    wait: Annotated[float, typer.Option(help="Seconds to wait for the old key's payments in flight.")] = 120.0,
    yes: Yes = False,
) -> None:
    """After RELAYER_KEY names the new key (and the API restarted): wait until the old key's payments
    in flight are mined, then sweep its ETH to the new key."""
    import time

    new = address_param(new_address)
    with operations() as ops:
        current = Account.from_key(ops.settings.relayer_key).address
        if current != new:
            typer.secho(
                f"RELAYER_KEY is still {current}: switch it to {new} (and restart the API) first", fg="red", err=True
            )
            raise typer.Exit(1)
        old_key = key_from_env(old_key_env)
        old = Account.from_key(old_key).address
        deadline = time.monotonic() + wait
        while (left := ops.admin.in_flight(old)) and time.monotonic() < deadline:
            time.sleep(0.5)
        if left:
            raise KeyStillBusy(old, left)
        typer.echo(f"will move all ETH of {old} (no payments in flight) to {new}")
        if not yes:
            typer.confirm("go ahead?", abort=True)
        tx_hash, wei = ops.admin.sweep(old_key, new)
        typer.echo(
            f"moved {Decimal(wei) / 10**18} ETH: {tx_hash}" if tx_hash else "nothing to move (no ETH above the fee)"
        )


# --- the Safe ---------------------------------------------------------------------------------------


@app.command()
def handover(
    safe: Annotated[str, typer.Argument(help="The Safe that takes DEFAULT_ADMIN_ROLE and PAUSER_ROLE.")],
    yes: Yes = False,
) -> None:
    """Grant DEFAULT_ADMIN_ROLE and PAUSER_ROLE to the Safe and renounce them from the operator's key.
    Afterwards every admin action is a Safe proposal that the owners sign."""
    with operations() as ops:
        target = ops.safe(address_param(safe))
        if not target.is_safe():
            typer.secho(f"{target.address} is not a Safe (no owners or threshold answer there)", fg="red", err=True)
            raise typer.Exit(1)
        typer.echo(
            f"will hand DEFAULT_ADMIN_ROLE and PAUSER_ROLE to the Safe {target.address} "
            f"({target.threshold()} of {len(target.owners())}: {', '.join(target.owners())}) "
            f"and renounce both from {ops.operator}; this key can then no longer pause, set limits or grant roles"
        )
        if not yes:
            typer.confirm("go ahead?", abort=True)
        for tx_hash in ops.handover(target.address):
            typer.echo(f"  {tx_hash}")
        typer.echo("done: the Safe holds the admin and pauser roles")
