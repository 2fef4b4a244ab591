"""EIP-712 typed data for every gasless signature the coin accepts, built in one place.

The API hands these dicts to wallets (they are `eth_signTypedData_v4` payloads: JSON-safe, with
`EIP712Domain` in `types`, bytes32 values as 0x-hex strings and integers as numbers), the tests sign
them with `Account.sign_typed_data(key, full_message=...)`, and the backend recovers signers from them.

Domain (contracts/LocalCoin.sol): name = the coin's name, version "1", the chain id, the coin's address.
Type strings are EIP-3009's and EIP-2612's, plus LocalCoin's own `RedeemWithAuthorization(address merchant,
uint256 amount,bytes32 ref,uint256 validAfter,uint256 validBefore,bytes32 nonce)` (one line in the contract).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

from backend.chain.deployment import Deployment

DOMAIN_VERSION = "1"

EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_WINDOW = [
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
TYPES: dict[str, list[dict[str, str]]] = {
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        *_WINDOW,
    ],
    "ReceiveWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        *_WINDOW,
    ],
    "CancelAuthorization": [
        {"name": "authorizer", "type": "address"},
        {"name": "nonce", "type": "bytes32"},
    ],
    "RedeemWithAuthorization": [
        {"name": "merchant", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "ref", "type": "bytes32"},
        *_WINDOW,
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


@dataclass(frozen=True)
class Domain:
    """The EIP-712 domain of one deployed coin."""

    name: str
    chain_id: int
    verifying_contract: str

    @classmethod
    def of(cls, deployment: Deployment) -> Domain:
        return cls(name=deployment.name, chain_id=deployment.chain_id, verifying_contract=deployment.address)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


def random_nonce() -> str:
    """A fresh EIP-3009 nonce: 32 random bytes as 0x-hex (the nonce space is per signer, unordered)."""
    return "0x" + os.urandom(32).hex()


def bytes32_hex(value: str | bytes) -> str:
    """A bytes32 as lower-case 0x-hex; raises ValueError for anything that is not exactly 32 bytes."""
    raw = value if isinstance(value, bytes) else bytes.fromhex(value.removeprefix("0x"))
    if len(raw) != 32:
        raise ValueError("must be 32 bytes (0x followed by 64 hex digits)")
    return "0x" + raw.hex()


def to_bytes32(value: str) -> bytes:
    """0x-hex bytes32 (a nonce, a ref) as the 32 raw bytes a contract call takes."""
    return bytes.fromhex(bytes32_hex(value)[2:])


def _full(domain: Domain, primary: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN, primary: TYPES[primary]},
        "primaryType": primary,
        "domain": domain.as_dict(),
        "message": message,
    }


def transfer_with_authorization(
    domain: Domain, *, from_: str, to: str, value: int, valid_after: int, valid_before: int, nonce: str
) -> dict[str, Any]:
    return _full(
        domain,
        "TransferWithAuthorization",
        {
            "from": to_checksum_address(from_),
            "to": to_checksum_address(to),
            "value": value,
            "validAfter": valid_after,
            "validBefore": valid_before,
            "nonce": bytes32_hex(nonce),
        },
    )


def receive_with_authorization(
    domain: Domain, *, from_: str, to: str, value: int, valid_after: int, valid_before: int, nonce: str
) -> dict[str, Any]:
    return _full(
        domain,
        "ReceiveWithAuthorization",
        {
            "from": to_checksum_address(from_),
            "to": to_checksum_address(to),
            "value": value,
            "validAfter": valid_after,
            "validBefore": valid_before,
            "nonce": bytes32_hex(nonce),
        },
    )


def cancel_authorization(domain: Domain, *, authorizer: str, nonce: str) -> dict[str, Any]:
    return _full(
        domain,
        "CancelAuthorization",
        {
            "authorizer": to_checksum_address(authorizer),
            "nonce": bytes32_hex(nonce),
        },
    )


def redeem_with_authorization(
    domain: Domain, *, merchant: str, amount: int, ref: str, valid_after: int, valid_before: int, nonce: str
) -> dict[str, Any]:
    return _full(
        domain,
        "RedeemWithAuthorization",
        {
            "merchant": to_checksum_address(merchant),
            "amount": amount,
            "ref": bytes32_hex(ref),
            "validAfter": valid_after,
            "validBefore": valid_before,
            "nonce": bytes32_hex(nonce),
        },
    )


def permit(
    domain: Domain, *, owner: str, spender: str, value: int, nonce: int, deadline: int
) -> dict[str, Any]:
    return _full(
        domain,
        "Permit",
        {
            "owner": to_checksum_address(owner),
            "spender": to_checksum_address(spender),
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        },
    )


@dataclass(frozen=True)
class Signature:
    v: int
    r: bytes
    s: bytes

    @property
    def hex(self) -> str:
        return "0x" + (self.r + self.s + bytes([self.v])).hex()


def split_signature(signature: str | bytes) -> Signature:
    """A 65-byte r‖s‖v signature as (v, r, s); v may be 0/1 or 27/28. Raises ValueError otherwise."""
    raw = signature if isinstance(signature, bytes) else bytes.fromhex(signature.removeprefix("0x"))
    if len(raw) != 65:
        raise ValueError("a signature is 65 bytes (0x followed by 130 hex digits)")
    v = raw[64] + 27 if raw[64] < 27 else raw[64]
    if v not in (27, 28):
        raise ValueError("the signature's v must be 27 or 28")
    return Signature(v=v, r=raw[:32], s=raw[32:64])


def recover_signer(typed_data: dict[str, Any], signature: Signature) -> str | None:
    """The checksummed address that signed `typed_data`, or None when the signature is malformed."""
    try:
        return str(
            Account.recover_message(
                encode_typed_data(full_message=typed_data), vrs=(signature.v, signature.r, signature.s)
            )
        )
    except Exception:  # noqa: BLE001 - any malformed signature (bad s, point not on curve) means "not signed by them"
        return None


def sign(key: str | bytes, typed_data: dict[str, Any]) -> Signature:
    """Signs `typed_data` with `key` (tests, benchmarks and CLI tools; wallets sign on the user's device)."""
    signed = Account.sign_typed_data(key, full_message=typed_data)
    return Signature(v=signed.v, r=signed.r.to_bytes(32, "big"), s=signed.s.to_bytes(32, "big"))
