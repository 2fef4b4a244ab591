"""Test helpers that make the coin emit events on the test Anvil, with the Anvil test keys, and
move the chain (mine, snapshot, revert). Shared by the chain, indexer, payouts and reports tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.chain.artifacts import coin_abi
from backend.chain.deployment import Deployment
from backend.db import transaction
from backend.merchants.models import Merchant
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS

MINTER_KEY = ANVIL_TEST_KEYS["minter"]  # MINTER_ROLE and REGISTRAR_ROLE
ADMIN_KEY = ANVIL_TEST_KEYS["deployer"]


def new_account(w3: Web3) -> LocalAccount:
    """A fresh key with 10 ETH for gas."""
    account = Account.from_key("0x" + secrets.token_hex(32))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(10**19)])  # type: ignore[arg-type]
    return account


def ref_bytes(n: int) -> bytes:
    return n.to_bytes(32, "big")


def ref_hex(n: int) -> str:
    return "0x" + ref_bytes(n).hex()


@dataclass
class Sent:
    receipt: Any
    raw: bytes  # the signed transaction, to mine it again on another branch


class Coin:
    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.contract = w3.eth.contract(address=deployment.address, abi=coin_abi())

    def send(self, key: str, call: Any) -> Sent:
        sender = Account.from_key(key).address
        tx = call.build_transaction(
            {"from": sender, "nonce": self.w3.eth.get_transaction_count(sender, "pending")}
        )
        tx["gas"] = int(tx["gas"] * 1.3)
        signed = Account.sign_transaction(tx, key)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"transaction reverted: {receipt}"
        return Sent(receipt, bytes(signed.raw_transaction))

    def reward(self, citizen: str, units: int, claim: int) -> Sent:
        return self.send(MINTER_KEY, self.contract.functions.reward(citizen, units, ref_bytes(claim)))

    def set_merchant(self, account: str, accepted: bool = True) -> Sent:
        return self.send(MINTER_KEY, self.contract.functions.setMerchant(account, accepted))

    def transfer(self, sender: LocalAccount, to: str, units: int) -> Sent:
        return self.send(sender.key.hex(), self.contract.functions.transfer(to, units))

    def redeem(self, merchant: LocalAccount, units: int, ref: int) -> Sent:
        return self.send(merchant.key.hex(), self.contract.functions.redeem(units, ref_bytes(ref)))

    # --- moving the chain ---

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def mine(self, blocks: int = 1) -> None:
        self.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]

    def snapshot(self) -> str:
        return str(self.w3.provider.make_request("evm_snapshot", [])["result"])  # type: ignore[arg-type]

    def revert(self, snapshot: str) -> None:
        assert self.w3.provider.make_request("evm_revert", [snapshot])["result"]  # type: ignore[arg-type]

    def resend(self, sent: Sent) -> Any:
        tx_hash = self.w3.eth.send_raw_transaction(sent.raw)
        return self.w3.eth.wait_for_transaction_receipt(tx_hash)


def register_merchant(runtime: Runtime, coin: Coin, account: LocalAccount, *, name: str, iban: str) -> None:
    """A merchant as the merchant registry leaves it: a database row and the on-chain flag."""
    with transaction(runtime.sessions) as session:
        session.add(
            Merchant(address=account.address, name=name, iban=iban, active=True, chain_status="confirmed")
        )
    coin.set_merchant(account.address, True)


def funded_merchant(
    runtime: Runtime,
    coin: Coin,
    *,
    units: int,
    claim: int,
    name: str = "Bakkerij Zuid",
    iban: str = "NL02ABNA0123456789",
) -> LocalAccount:
    """A registered merchant holding `units` (rewarded to it directly, as if taken at the till)."""
    merchant = new_account(coin.w3)
    register_merchant(runtime, coin, merchant, name=name, iban=iban)
    coin.reward(merchant.address, units, claim)
    return merchant
