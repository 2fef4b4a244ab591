"""Pure helpers for the LocalCoin tests: constants, claim ids, EIP-712 types, custom-error strings.

A module of its own (not conftest) so test modules can import it by a name no other test tree uses.
"""

from __future__ import annotations

import re

from brownie.exceptions import decode_typed_error
from eth_abi import encode
from eth_utils import keccak

NAME, SYMBOL = "Heitje", "HTJ"
DAY = 86_400
DEFAULT_MINT_LIMIT = 100_000_00  # units: 100,000.00 coins a day

ZERO_ADDRESS = "0x" + "00" * 20

_AUTH = [
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
TYPES = {
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        *_AUTH,
    ],
    "ReceiveWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        *_AUTH,
    ],
    "CancelAuthorization": [
        {"name": "authorizer", "type": "address"},
        {"name": "nonce", "type": "bytes32"},
    ],
    "RedeemWithAuthorization": [
        {"name": "merchant", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "ref", "type": "bytes32"},
        *_AUTH,
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}

_SIGNATURE = re.compile(r"^(\w+)\((.*)\)$")


def build_custom_error(signature: str, *args) -> str:
    """The revert message brownie shows for the custom error `signature` raised with `args`."""
    match = _SIGNATURE.match(signature.replace(" ", ""))
    if not match:
        raise ValueError(f"not an error signature: {signature}")
    types = [t for t in match.group(2).split(",") if t]
    values = [getattr(arg, "address", arg) for arg in args]  # brownie accounts and contracts
    data = keccak(text=signature.replace(" ", ""))[:4] + encode(types, values)
    return decode_typed_error("0x" + data.hex())


def claim(number: int) -> bytes:
    """The claimId of the backend's claim number `number` (its integer value, as bytes32)."""
    return number.to_bytes(32, "big")
