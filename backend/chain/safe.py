"""A Safe multisig (Safe 1.4.1, from npm @safe-global/safe-contracts' compiled artifacts) as the coin's
admin: deploying one on a local chain, reading its owners, threshold and nonce, the EIP-712 SafeTx hash
its owners sign, checking owners' signatures, and `execTransaction` once enough owners signed.

Owners sign the SafeTx hash itself (ECDSA, v = 27 or 28), the form the Safe verifies with `ecrecover`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError

from backend.chain.admin import CallReverted, send_transaction
from backend.chain.client import chain_call
from backend.settings import ROOT

ARTIFACTS = ROOT / "node_modules" / "@safe-global" / "safe-contracts" / "build" / "artifacts" / "contracts"
ZERO = "0x0000000000000000000000000000000000000000"
CALL = 0  # Safe operation: a plain call (1 would be a delegatecall)


@lru_cache(maxsize=4)
def safe_artifact(name: str) -> dict[str, Any]:
    """ABI and bytecode of SafeL2 or SafeProxyFactory as published on npm."""
    paths = {
        "SafeL2": "SafeL2.sol/SafeL2.json",
        "SafeProxyFactory": "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    }
    path = ARTIFACTS / paths[name]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` (package.json lists @safe-global/safe-contracts)")
    data = json.loads(path.read_text())
    return {"abi": data["abi"], "bytecode": data["bytecode"]}


@dataclass(frozen=True)
class SafeDeployment:
    safe: str
    singleton: str
    factory: str


def _deploy(w3: Web3, key: str, name: str) -> str:
    artifact = safe_artifact(name)
    data = artifact["bytecode"]  # neither contract takes constructor arguments
    tx_hash = send_transaction(w3, key, {"data": data, "value": 0})
    return str(w3.eth.get_transaction_receipt(tx_hash)["contractAddress"])  # type: ignore[arg-type]


@chain_call
def deploy_safe(w3: Web3, key: str, *, owners: list[str], threshold: int, salt: int = 0) -> SafeDeployment:
    """Deploys the SafeL2 singleton and the proxy factory, then a Safe proxy set up with `owners` and
    `threshold` (no modules, no fallback handler, no payment)."""
    singleton = _deploy(w3, key, "SafeL2")
    factory_address = _deploy(w3, key, "SafeProxyFactory")
    factory = w3.eth.contract(
        address=Web3.to_checksum_address(factory_address), abi=safe_artifact("SafeProxyFactory")["abi"]
    )
    template = w3.eth.contract(abi=safe_artifact("SafeL2")["abi"])
    initializer = template.encode_abi(
        "setup",
        [[Web3.to_checksum_address(o) for o in owners], threshold, ZERO, b"", ZERO, ZERO, 0, ZERO],
    )
    create = factory.functions.createProxyWithNonce(Web3.to_checksum_address(singleton), initializer, salt)
    sender = Account.from_key(key).address
    proxy = create.call({"from": sender})  # the address is deterministic: ask first, then create it
    send_transaction(w3, key, {"to": factory.address, "data": create._encode_transaction_data(), "value": 0})
    return SafeDeployment(safe=Web3.to_checksum_address(proxy), singleton=singleton, factory=factory_address)


@dataclass(frozen=True)
class SafeTx:
    """A Safe transaction without gas refunds: `to`, `value`, `data`, a plain call, at Safe `nonce`."""

    to: str
    data: str
    nonce: int
    value: int = 0


def sign_safe_hash(key: str, safe_tx_hash: str) -> str:
    """An owner's signature of the SafeTx hash (65 bytes r‖s‖v, v = 27/28), 0x-hex."""
    signed = Account.unsafe_sign_hash(bytes.fromhex(safe_tx_hash.removeprefix("0x")), key)
    return Web3.to_hex(signed.signature)


def recover_signer(safe_tx_hash: str, signature: str) -> str:
    """The address whose key made `signature` over the SafeTx hash."""
    return str(
        Account._recover_hash(
            bytes.fromhex(safe_tx_hash.removeprefix("0x")), signature=bytes.fromhex(signature.removeprefix("0x"))
        )
    )


def packed_signatures(signatures: dict[str, str]) -> bytes:
    """Owners' signatures concatenated in ascending owner address order, as the Safe requires."""
    ordered = sorted(signatures.items(), key=lambda item: int(item[0], 16))
    return b"".join(bytes.fromhex(sig.removeprefix("0x")) for _, sig in ordered)


class Safe:
    """One deployed Safe (any 1.3/1.4 Safe answers the same calls)."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=safe_artifact("SafeL2")["abi"]
        )

    @property
    def address(self) -> str:
        return str(self.contract.address)

    @chain_call
    def is_safe(self) -> bool:
        """Whether a contract answering the Safe's owner and threshold calls lives at the address."""
        if not self.w3.eth.get_code(self.contract.address):
            return False
        try:
            self.contract.functions.getThreshold().call()
            self.contract.functions.getOwners().call()
        except (ContractLogicError, ValueError):
            return False
        return True

    @chain_call
    def owners(self) -> list[str]:
        return [Web3.to_checksum_address(o) for o in self.contract.functions.getOwners().call()]

    @chain_call
    def threshold(self) -> int:
        return int(self.contract.functions.getThreshold().call())

    @chain_call
    def nonce(self) -> int:
        return int(self.contract.functions.nonce().call())

    @chain_call
    def tx_hash(self, tx: SafeTx) -> str:
        """The EIP-712 SafeTx hash the owners sign (the Safe's own getTransactionHash)."""
        digest = self.contract.functions.getTransactionHash(
            Web3.to_checksum_address(tx.to),
            tx.value,
            bytes.fromhex(tx.data.removeprefix("0x")),
            CALL,
            0,
            0,
            0,
            ZERO,
            ZERO,
            tx.nonce,
        ).call()
        return Web3.to_hex(digest)

    @chain_call
    def execute(self, tx: SafeTx, signatures: dict[str, str], key: str) -> str:
        """Sends execTransaction from `key` (any account pays the gas) with the signatures sorted by
        owner; raises CallReverted with the Safe's reason (GS0xx) or the coin's. Returns the hash."""
        call = self.contract.functions.execTransaction(
            Web3.to_checksum_address(tx.to),
            tx.value,
            bytes.fromhex(tx.data.removeprefix("0x")),
            CALL,
            0,
            0,
            0,
            ZERO,
            ZERO,
            packed_signatures(signatures),
        )
        try:
            data = call._encode_transaction_data()
            sender = Account.from_key(key).address
            # With safeTxGas 0 the Safe reverts (GS013) when the inner call fails, so the estimate
            # already says whether the whole thing would go through.
            gas = self.w3.eth.estimate_gas({"from": sender, "to": self.contract.address, "data": data})
        except (ContractCustomError, ContractLogicError) as exc:
            raise CallReverted(str(exc.message or exc)) from exc
        return send_transaction(
            self.w3, key, {"to": self.contract.address, "data": data, "value": 0, "gas": gas * 6 // 5 + 20_000}
        )
