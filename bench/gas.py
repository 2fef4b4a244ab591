"""Gas of LocalCoin's money paths next to a plain OpenZeppelin ERC-20 (contracts/test/BaselineToken.sol).

`run()` deploys both on a fresh Anvil (its own, on a free port, unless brownie is already connected),
measures each path in the same scenario on both tokens where the baseline has one, prints a table and
returns the "gas" dict of bench/results.json. Standalone: `python -m bench.gas`.

Every number is the transaction's `gasUsed`, so the 21,000 intrinsic gas and the calldata are included;
per-claim and per-recipient numbers are a 100-entry batch's gasUsed divided by 100.
Targets (issue 3): reward_batch_per_claim <= 30,000; transfer_policy <= 1.15 x transfer_baseline;
transfer_with_authorization <= 75,000.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
from pathlib import Path

from eth_account import Account

ROOT = Path(__file__).resolve().parent.parent
BATCH = 100
TARGETS = {
    "reward_batch_per_claim": 30_000,
    "transfer_with_authorization": 75_000,
}
TRANSFER_RATIO_TARGET = 1.15

_AUTH_FIELDS = [
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
TRANSFER_TYPES = {
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        *_AUTH_FIELDS,
    ]
}
REDEEM_TYPES = {
    "RedeemWithAuthorization": [
        {"name": "merchant", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "ref", "type": "bytes32"},
        *_AUTH_FIELDS,
    ]
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect():
    """Loads the brownie project and connects to a fresh Anvil; returns what to undo afterwards."""
    from brownie import network, project
    from brownie._config import CONFIG

    opened = None
    if not project.get_loaded_projects():
        opened = project.load(str(ROOT), name="HeitjeBench")
    launched = False
    if not network.is_connected():
        CONFIG.networks["development"].setdefault("cmd_settings", {})["port"] = _free_port()
        network.connect("development")
        launched = True
    return project.get_loaded_projects()[0], opened, launched


def _sign(key: bytes, coin, types: dict, message: dict):
    from brownie import chain

    domain = {
        "name": coin.name(),
        "version": "1",
        "chainId": chain.id,
        "verifyingContract": coin.address,
    }
    return Account.sign_typed_data(key, domain, types, message)


def _measure(proj) -> dict[str, int]:
    from brownie import accounts, chain

    admin, minter, relayer, holder = accounts[0], accounts[1], accounts[2], accounts[3]
    coin = proj.LocalCoin.deploy("Heitje", "HTJ", admin, minter, {"from": admin})
    base = proj.BaselineToken.deploy({"from": admin})
    merchant = accounts.add()
    citizen = accounts.add()
    coin.setMerchant(merchant, True, {"from": admin})

    gas: dict[str, int] = {}

    # rewardBatch: 100 new citizens, sequential claimIds 1..100, next to a plain batch mint.
    recipients = [accounts.add().address for _ in range(BATCH)]
    amounts = [1_000] * BATCH
    claim_ids = [i.to_bytes(32, "big") for i in range(1, BATCH + 1)]
    tx = coin.rewardBatch(recipients, amounts, claim_ids, {"from": minter})
    gas["reward_batch_per_claim"] = tx.gas_used // BATCH
    tx = base.batchMint(recipients, amounts, {"from": admin})
    gas["baseline_batch_mint_per_recipient"] = tx.gas_used // BATCH

    # reward: one new citizen, the next sequential claimId.
    tx = coin.reward(citizen, 50_000, (BATCH + 1).to_bytes(32, "big"), {"from": minter})
    gas["reward"] = tx.gas_used
    base.batchMint([holder.address], [50_000], {"from": admin})
    coin.reward(holder, 50_000, (BATCH + 2).to_bytes(32, "big"), {"from": minter})

    # A payment to a shop that holds coins already (the common case), and a shop's very first one.
    fresh_merchant, fresh_base = accounts.add(), accounts.add()
    coin.setMerchant(fresh_merchant, True, {"from": admin})
    gas["transfer_policy_new_merchant"] = coin.transfer(fresh_merchant, 100, {"from": holder}).gas_used
    gas["transfer_baseline_new_recipient"] = base.transfer(fresh_base, 100, {"from": holder}).gas_used
    gas["transfer_policy"] = coin.transfer(fresh_merchant, 100, {"from": holder}).gas_used
    gas["transfer_baseline"] = base.transfer(fresh_base, 100, {"from": holder}).gas_used

    # transferWithAuthorization citizen -> merchant (which holds coins already), relayed.
    now = chain.time()
    coin.reward(merchant, 1_000, (BATCH + 3).to_bytes(32, "big"), {"from": minter})  # shop holds coins
    admin.transfer(merchant, "1 ether")  # the shop sends its own `redeem`
    nonce = os.urandom(32)
    message = {
        "from": citizen.address, "to": merchant.address, "value": 500,
        "validAfter": 0, "validBefore": now + 3600, "nonce": nonce,
    }
    sig = _sign(citizen.private_key, coin, TRANSFER_TYPES, message)
    tx = coin.transferWithAuthorization(
        citizen, merchant, 500, 0, now + 3600, nonce, sig.v, sig.r, sig.s, {"from": relayer}
    )
    gas["transfer_with_authorization"] = tx.gas_used

    # redeem, and redeemWithAuthorization relayed, each leaving the shop some coins.
    gas["redeem"] = coin.redeem(100, b"\x01" * 32, {"from": merchant}).gas_used
    nonce = os.urandom(32)
    message = {
        "merchant": merchant.address, "amount": 100, "ref": b"\x02" * 32,
        "validAfter": 0, "validBefore": now + 3600, "nonce": nonce,
    }
    sig = _sign(merchant.private_key, coin, REDEEM_TYPES, message)
    tx = coin.redeemWithAuthorization(
        merchant, 100, b"\x02" * 32, 0, now + 3600, nonce, sig.v, sig.r, sig.s, {"from": relayer}
    )
    gas["redeem_with_authorization"] = tx.gas_used
    return gas


def _print_table(gas: dict[str, int]) -> None:
    rows = [
        ("reward (one claim, new citizen)", gas["reward"], None),
        ("rewardBatch per claim (100 new)", gas["reward_batch_per_claim"],
         gas["baseline_batch_mint_per_recipient"]),
        ("transfer citizen -> merchant", gas["transfer_policy"], gas["transfer_baseline"]),
        ("  ... to a first-time recipient", gas["transfer_policy_new_merchant"],
         gas["transfer_baseline_new_recipient"]),
        ("transferWithAuthorization", gas["transfer_with_authorization"], None),
        ("redeem", gas["redeem"], None),
        ("redeemWithAuthorization", gas["redeem_with_authorization"], None),
    ]
    print(f"{'gas (gasUsed)':<36}{'LocalCoin':>11}{'OZ ERC20':>11}{'ratio':>8}")
    for label, ours, baseline in rows:
        ratio = f"{ours / baseline:.3f}" if baseline else ""
        print(f"{label:<36}{ours:>11,}{(f'{baseline:,}' if baseline else '-'):>11}{ratio:>8}")
    ratio = gas["transfer_policy"] / gas["transfer_baseline"]
    checks = [
        ("rewardBatch per claim <= 30,000",
         gas["reward_batch_per_claim"] <= TARGETS["reward_batch_per_claim"]),
        ("transfer <= 1.15 x baseline", ratio <= TRANSFER_RATIO_TARGET),
        ("transferWithAuthorization <= 75,000",
         gas["transfer_with_authorization"] <= TARGETS["transfer_with_authorization"]),
    ]
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'MISSED'}")


def run() -> dict[str, int]:
    """Measures, prints the table, and returns the "gas" dict for bench/results.json."""
    from brownie import network

    proj, opened, launched = _connect()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # brownie prints every transaction
            gas = _measure(proj)
    finally:
        if launched:
            network.disconnect()
        if opened is not None:
            opened.close()
    _print_table(gas)
    return gas


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
