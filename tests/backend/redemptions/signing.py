"""Signing a redemption offer as the merchant's wallet would."""

from __future__ import annotations

from typing import Any

from backend.chain import typed_data


def sign_offer(account: Any, offer: dict[str, Any]) -> dict[str, Any]:
    signature = typed_data.sign(account.key, offer["typed_data"])
    message = offer["typed_data"]["message"]
    return {
        "merchant": message["merchant"],
        "amount": message["amount"],
        "ref": message["ref"],
        "validAfter": message["validAfter"],
        "validBefore": message["validBefore"],
        "nonce": message["nonce"],
        "signature": signature.hex,
    }
