"""Deploy LocalCoin with brownie, on any network, and write deployments/<chain-id>.json.

    brownie run scripts/deploy.py                        # development: Anvil started on demand
    brownie run scripts/deploy.py --network gnosis       # a live network (see README)

Configuration comes from the environment (or .env): COIN_NAME, COIN_SYMBOL, COIN_ADMIN and
COIN_MINTER (addresses; default: the deployer and Anvil's account 1 in development),
DEPLOYER_KEY (required on live networks; Anvil's PUBLIC test key #0 in development).
The deployment itself is backend.chain.deploy.deploy_coin, the same code `heitje up` runs.
"""

import os
from pathlib import Path

from brownie import network, web3
from eth_account import Account

from backend.chain.deploy import deploy_coin
from backend.settings import ANVIL_TEST_KEYS

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    development = network.show_active() in ("development", "anvil")
    key = os.environ.get("DEPLOYER_KEY") or (ANVIL_TEST_KEYS["deployer"] if development else "")
    if not key:
        raise SystemExit("DEPLOYER_KEY is not set: a live deployment needs the deployer's key in the environment")
    deployer = Account.from_key(key).address
    default_minter = Account.from_key(ANVIL_TEST_KEYS["minter"]).address if development else deployer
    minter = os.environ.get("COIN_MINTER") or default_minter
    deployment = deploy_coin(
        web3,
        deployer_key=key,
        name=os.environ.get("COIN_NAME", "Heerlens Heitje"),
        symbol=os.environ.get("COIN_SYMBOL", "HEIT"),
        admin=os.environ.get("COIN_ADMIN") or deployer,
        minter=minter,
        registrars=(minter,),
        deployments_dir=Path(os.environ.get("DEPLOYMENTS_DIR", ROOT / "deployments")),
    )
    print(f"LocalCoin deployed at {deployment.address} on chain {deployment.chain_id} (block {deployment.block})")
    print(f"record: deployments/{deployment.chain_id}.json")
