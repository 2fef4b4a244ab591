"""The EIP-3009 nonce of a payment request (issue 12): derived from the request, so every
authorization a payer signs for one request carries the same nonce and the coin executes at most
one of them (a second one reverts with ERC3009UsedAuthorization)."""

from __future__ import annotations

from eth_utils import keccak

DOMAIN_TAG = b"heitje:payment-request:v1:"


def request_nonce(request_id: str, merchant: str) -> str:
    """keccak256("heitje:payment-request:v1:" + id + ":" + merchant (lower case)), 0x-hex bytes32."""
    digest = keccak(DOMAIN_TAG + request_id.encode() + b":" + merchant.lower().encode())
    return "0x" + digest.hex()
