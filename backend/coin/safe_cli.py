"""`heitje coin safe ...`: the Safe multisig that holds the admin role after `heitje coin handover`."""

from __future__ import annotations

from typing import Annotated

import typer

from backend.cli_params import address_param
from backend.coin.cli_common import Yes, key_from_env, operations

app = typer.Typer(help="The Safe multisig that holds the admin role after the handover.", no_args_is_help=True)


@app.command("deploy")
def safe_deploy(
    owner: Annotated[list[str], typer.Option(help="An owner's address (repeat for each owner).")],
    threshold: Annotated[int, typer.Option(help="How many owners must sign a transaction.", min=1)],
    yes: Yes = False,
) -> None:
    """Deploy a Safe (1.4.1, from npm) with OWNERs and THRESHOLD on the configured chain. On a live
    chain, create the Safe with the Safe's own tools and pass its address to `heitje coin handover`."""
    owners = [address_param(o) for o in owner]
    if len(set(owners)) != len(owners) or threshold > len(owners):
        raise typer.BadParameter("owners must differ, and the threshold must not exceed their number")
    with operations() as ops:
        typer.echo(f"will deploy a {threshold}-of-{len(owners)} Safe owned by {', '.join(owners)}")
        if not yes:
            typer.confirm("go ahead?", abort=True)
        deployed = ops.deploy_safe(owners, threshold)
        typer.echo(f"Safe: {deployed.safe}")
        typer.echo(f"  singleton (SafeL2) {deployed.singleton}, proxy factory {deployed.factory}")
        typer.echo(f"  next: heitje coin handover {deployed.safe}")


@app.command("show")
def safe_show(safe: Annotated[str, typer.Argument(help="The Safe's address.")]) -> None:
    """A Safe's owners, threshold and nonce."""
    with operations() as ops:
        target = ops.safe(address_param(safe))
        typer.echo(f"Safe {target.address}: {target.threshold()} of {len(target.owners())}, nonce {target.nonce()}")
        for owner in target.owners():
            typer.echo(f"  owner {owner}")


@app.command("proposals")
def safe_proposals() -> None:
    """Every stored proposal: what it does, its SafeTx hash, who signed, whether it was executed."""
    from backend.coin import proposals

    with operations() as ops:
        for p in proposals.all_proposals(ops.settings.safe_proposals_dir):
            state = f"executed {p.executed_tx}" if p.executed_tx else f"{len(p.signatures)} signature(s)"
            typer.echo(f"{p.id}  Safe {p.safe} nonce {p.nonce}  {p.description}  [{state}]")
            typer.echo(f"    SafeTx hash {p.safe_tx_hash}; signed by {', '.join(p.signatures) or 'nobody yet'}")


@app.command("sign")
def safe_sign(
    proposal: Annotated[str, typer.Argument(help="The proposal's number.")],
    key_env: Annotated[str, typer.Option(help="The environment variable holding this owner's key.")] = "OWNER_KEY",
    signature: Annotated[
        str | None, typer.Option(help="An owner's signature of the SafeTx hash made elsewhere (0x...).")
    ] = None,
) -> None:
    """Add an owner's signature to a proposal (signed here with the key in --key-env, or one made with a
    hardware wallet and passed as --signature); it must recover to an owner of the Safe."""
    with operations() as ops:
        if signature:
            stored, signer = ops.add_signature(proposal, signature)
        else:
            stored, signer = ops.sign(proposal, key_from_env(key_env))
        typer.echo(f"signed by {signer}: proposal {stored.id} has {len(stored.signatures)} signature(s)")


@app.command("execute")
def safe_execute(
    proposal: Annotated[str, typer.Argument(help="The proposal's number.")],
    force: Annotated[bool, typer.Option(help="Send even short of the threshold (the Safe refuses it).")] = False,
) -> None:
    """Execute a proposal that has the threshold's signatures (execTransaction, paid by DEPLOYER_KEY)."""
    with operations() as ops:
        done = ops.execute(proposal, force=force)
        typer.echo(f"executed proposal {done.id} ({done.description}): {done.executed_tx}")
