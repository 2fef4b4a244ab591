"""Operate the coin with brownie, on any network: the same actions as `heitje coin ...`.

    brownie run scripts/coin_admin.py status --network gnosis
    brownie run scripts/coin_admin.py pause --network gnosis
    brownie run scripts/coin_admin.py unpause --network gnosis
    brownie run scripts/coin_admin.py mint_limit 5000.00 86400 --network gnosis
    brownie run scripts/coin_admin.py open_transfers on --network gnosis
    brownie run scripts/coin_admin.py grant MINTER_ROLE 0xNEW... --network gnosis
    brownie run scripts/coin_admin.py revoke MINTER_ROLE 0xOLD... --network gnosis

Each prints what it will do and asks; a last argument `yes` (or COIN_ADMIN_YES=1) skips the question.
The key is DEPLOYER_KEY (Anvil's PUBLIC test key #0 in development), the coin is the deployment record
in DEPLOYMENTS_DIR (default deployments/). After the handover to a Safe, an action becomes a Safe
proposal, exactly as with `heitje coin` (sign and execute it with `heitje coin safe ...`).
"""

import os
from pathlib import Path

from brownie import web3

from backend.amounts import format_amount, parse_amount
from backend.chain.admin import Call, CoinAdmin
from backend.chain.deployment import load_deployment
from backend.coin.service import CoinOps, role_name
from backend.settings import ANVIL_TEST_KEYS, Settings

ROOT = Path(__file__).resolve().parent.parent


def _ops() -> CoinOps:
    development = int(web3.eth.chain_id) in (31337, 1337)  # Anvil's or Ganache's: a local chain
    key = os.environ.get("DEPLOYER_KEY") or (ANVIL_TEST_KEYS["deployer"] if development else "")
    if not key:
        raise SystemExit("DEPLOYER_KEY is not set: a live network needs the operator's key in the environment")
    settings = Settings.from_env(deployer_key=key)
    directory = Path(os.environ.get("DEPLOYMENTS_DIR", ROOT / "deployments"))
    deployment = load_deployment(directory, int(web3.eth.chain_id))
    if deployment is None:
        raise SystemExit(f"no deployment record for chain {web3.eth.chain_id} in {directory}")
    return CoinOps(settings, deployment, admin=CoinAdmin(web3, deployment))


def _act(ops: CoinOps, call: Call, role: str, yes: str) -> str:
    plan = ops.plan(call, role)
    print(f"will {plan.describe()}")
    if yes != "yes" and os.environ.get("COIN_ADMIN_YES") != "1":
        if input("go ahead? [y/N] ").strip().lower() not in ("y", "yes"):
            raise SystemExit("aborted")
    done = ops.carry_out(plan)
    if done.proposal:
        p = done.proposal
        print(f"proposal {p.id} for Safe {p.safe}; owners sign SafeTx hash {p.safe_tx_hash}")
        return p.safe_tx_hash
    print(f"done: {done.tx_hash}")
    return str(done.tx_hash)


def status() -> None:
    ops = _ops()
    state = ops.admin.state()
    print(f"coin {ops.deployment.address} paused={state.paused} open_transfers={state.open_transfers}")
    print(
        f"mint limit {format_amount(state.mint_limit)} per {state.mint_period_seconds} s, "
        f"left {format_amount(state.mint_remaining)}; supply {format_amount(state.total_supply)}"
    )
    for role, holders in ops.admin.role_holders().items():
        print(f"{role}: {', '.join(holders) or '(nobody)'}")


def pause(yes: str = "") -> str:
    ops = _ops()
    return _act(ops, ops.admin.pause(), "PAUSER_ROLE", yes)


def unpause(yes: str = "") -> str:
    ops = _ops()
    return _act(ops, ops.admin.unpause(), "PAUSER_ROLE", yes)


def mint_limit(amount: str, period_seconds: str = "86400", yes: str = "") -> str:
    ops = _ops()
    return _act(ops, ops.admin.set_mint_limit(parse_amount(amount), int(period_seconds)), "DEFAULT_ADMIN_ROLE", yes)


def open_transfers(state: str, yes: str = "") -> str:
    if state not in ("on", "off"):
        raise SystemExit("say on or off")
    ops = _ops()
    return _act(ops, ops.admin.set_open_transfers(state == "on"), "DEFAULT_ADMIN_ROLE", yes)


def grant(role: str, address: str, yes: str = "") -> str:
    ops = _ops()
    return _act(ops, ops.admin.grant_role(role_name(role), address), "DEFAULT_ADMIN_ROLE", yes)


def revoke(role: str, address: str, yes: str = "") -> str:
    ops = _ops()
    return _act(ops, ops.admin.revoke_role(role_name(role), address), "DEFAULT_ADMIN_ROLE", yes)
