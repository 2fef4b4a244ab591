"""Deploys LocalCoin with web3.py from the compiled artifact and writes the deployment record.

Used by `heitje up` (local Anvil) and by scripts/deploy.py (brownie, any network), so there is one
way to deploy and one record format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from web3 import Web3
from web3.types import TxParams

from backend.chain.artifacts import load_artifact
from backend.chain.client import connect
from backend.chain.deployment import Deployment, save_deployment

ROLE_NAMES = ("DEFAULT_ADMIN_ROLE", "MINTER_ROLE", "REGISTRAR_ROLE", "PAUSER_ROLE")


def _send(w3: Web3, key: str, tx: dict) -> dict:
    account = Account.from_key(key)
    tx.setdefault("from", account.address)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    tx.setdefault("chainId", w3.eth.chain_id)
    # build_transaction fills in the bare estimate, which can fall short (the constructor ran out of gas
    # at exactly its estimate on Anvil): always re-estimate and keep a 20% margin.
    estimate = w3.eth.estimate_gas(cast(TxParams, {k: v for k, v in tx.items() if k != "gas"}))
    tx["gas"] = max(int(tx.get("gas", 0)), int(estimate * 1.2))
    signed = Account.sign_transaction(tx, key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=300)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return dict(receipt)


def deploy_coin(
    w3: Web3,
    *,
    deployer_key: str,
    name: str,
    symbol: str,
    admin: str,
    minter: str,
    registrars: tuple[str, ...] = (),
    deployments_dir: Path,
) -> Deployment:
    """Deploys the coin (admin gets admin, registrar and pauser; minter gets minter), grants
    REGISTRAR_ROLE to each of `registrars` (the backend's sender key registers merchants), and
    records the deployment. Returns the record."""
    artifact = load_artifact("LocalCoin")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    deployer = Account.from_key(deployer_key).address
    tx = factory.constructor(name, symbol, Web3.to_checksum_address(admin), Web3.to_checksum_address(minter))
    receipt = _send(w3, deployer_key, tx.build_transaction({"from": deployer}))
    address = receipt["contractAddress"]
    coin = w3.eth.contract(address=address, abi=artifact["abi"])
    registrar_role = coin.functions.REGISTRAR_ROLE().call()
    deployer_is_admin = coin.functions.hasRole(coin.functions.DEFAULT_ADMIN_ROLE().call(), deployer).call()
    # When the admin is another account (a city's multisig), it grants REGISTRAR_ROLE itself.
    for registrar in registrars if deployer_is_admin else ():
        if not coin.functions.hasRole(registrar_role, registrar).call():
            grant = coin.functions.grantRole(registrar_role, Web3.to_checksum_address(registrar))
            _send(w3, deployer_key, grant.build_transaction({"from": deployer}))
    roles: dict[str, list[str]] = {
        "DEFAULT_ADMIN_ROLE": [Web3.to_checksum_address(admin)],
        "MINTER_ROLE": [Web3.to_checksum_address(minter)],
        "REGISTRAR_ROLE": sorted(
            {Web3.to_checksum_address(a) for a in (admin, *(registrars if deployer_is_admin else ()))}
        ),
        "PAUSER_ROLE": [Web3.to_checksum_address(admin)],
    }
    deployment = Deployment(
        chain_id=w3.eth.chain_id,
        address=address,
        block=receipt["blockNumber"],
        tx_hash=receipt["transactionHash"].hex(),
        name=name,
        symbol=symbol,
        roles=roles,
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    save_deployment(deployments_dir, deployment)
    return deployment


def deploy_coin_at(rpc_url: str, **kwargs: Any) -> Deployment:
    """`deploy_coin` on the node at `rpc_url` (for callers outside backend/chain, which hold no web3)."""
    return deploy_coin(connect(rpc_url, timeout=300), **kwargs)
