"""Checks shared by every relayed authorization (payments and redemptions), before any gas is spent:

1. the signature recovers to the signer (locally, from the EIP-712 typed data);
2. the validity window holds now (locally, with a margin so it is still valid when mined);
3. the chain's own verdict: one `eth_estimateGas` of the exact call runs every rule the contract
   has, in its order: signature, window (chain time), nonce unused (`authorizationState`), pause,
   closed loop (receiver or sender a merchant, or open transfers), merchant-only redemption,
   balance. Its custom error is mapped to our code by `refusal`, which reads `authorizationState`'s
   history (an AuthorizationCanceled log) to tell a cancelled authorization from a used one.

One simulation instead of a read per rule keeps a relay at three round trips (simulate, pending
nonce, broadcast) and cannot drift from the contract's rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from backend.amounts import UINT256_MAX, check_bound, format_amount
from backend.chain.client import Chain
from backend.chain.relayer import Relayer, Reverted
from backend.chain.typed_data import Signature, recover_signer, split_signature
from backend.errors import (
    AuthorizationCancelled,
    AuthorizationExpired,
    AuthorizationNotYetValid,
    AuthorizationUsed,
    BadSignature,
    CoinPaused,
    HeitjeError,
    InsufficientBalance,
    NotAMerchant,
    ReceiverNotAllowed,
    RelayRefused,
    ValidationFailed,
)
from backend.runtime import Runtime

# A signature must stay valid this long after we check it, or it may expire before it is mined.
EXPIRY_MARGIN_SECONDS = 5
# OpenZeppelin's ERC-3009: when both bounds carry bit 47, they are block numbers, not timestamps.
BLOCK_RANGE_FLAG = 1 << 47


@dataclass(frozen=True)
class Window:
    valid_after: int
    valid_before: int


def relayer_for(runtime: Runtime) -> Relayer:
    """The process's one relayer (its gas-price cache is shared; nonces are locked in the database)."""
    relayer = runtime.__dict__.get("_heitje_relayer")
    if relayer is None:
        relayer = Relayer(runtime.chain, runtime.settings.relayer_key)
        runtime.__dict__["_heitje_relayer"] = relayer
    return relayer


def parse_signature(signature: str | None, v: int | None, r: str | None, s: str | None) -> Signature:
    """Accepts a 65-byte `signature` or the (v, r, s) triple."""
    try:
        if signature:
            return split_signature(signature)
        if v is None or not r or not s:
            raise ValueError("give `signature` (65 bytes, 0x-hex) or all of `v`, `r` and `s`")
        rb, sb = bytes.fromhex(r.removeprefix("0x")), bytes.fromhex(s.removeprefix("0x"))
        if len(rb) != 32 or len(sb) != 32:
            raise ValueError("`r` and `s` are 32 bytes each (0x followed by 64 hex digits)")
        return split_signature(rb + sb + bytes([v if v >= 27 else v + 27]))
    except ValueError as exc:
        raise ValidationFailed(f"signature: {exc}") from exc


def check_window_shape(valid_after: int, valid_before: int, *, most: int = UINT256_MAX) -> None:
    """Both bounds fit a uint256 and, when they are stored in a BIGINT, `most` (amounts.DB_INT_MAX)."""
    check_bound("validAfter", valid_after, most=most)
    check_bound("validBefore", valid_before, most=most)


def check_signature(typed_data: dict[str, Any], signature: Signature, signer: str) -> None:
    if recover_signer(typed_data, signature) != signer:
        raise BadSignature(signer)


def check_window_now(window: Window) -> None:
    """The window against our clock (the chain's is checked by the simulation). Block-number
    windows (bit 47 on both bounds) are left to the simulation."""
    if window.valid_after & window.valid_before & BLOCK_RANGE_FLAG:
        return
    now = int(time.time())
    if window.valid_before <= now + EXPIRY_MARGIN_SECONDS:
        raise AuthorizationExpired(window.valid_before)
    if window.valid_after >= now:
        raise AuthorizationNotYetValid(window.valid_after)


def check_window(chain: Chain, window: Window) -> None:
    """Valid strictly after validAfter and strictly before validBefore (EIP-3009), against the
    chain's clock (and ours, whichever is later: the next block is at least that late)."""
    flag = window.valid_after & window.valid_before & BLOCK_RANGE_FLAG
    if flag:
        now = chain.latest_block() + 1
        after, before, margin = window.valid_after & ~flag, window.valid_before & ~flag, 1
    else:
        now = max(chain.latest_block_time(), int(time.time()))
        after, before, margin = window.valid_after, window.valid_before, EXPIRY_MARGIN_SECONDS
    if before <= now + margin:
        raise AuthorizationExpired(window.valid_before)
    if after >= now:
        raise AuthorizationNotYetValid(window.valid_after)


def used_or_cancelled(chain: Chain, authorizer: str, nonce: str) -> HeitjeError:
    if chain.authorization_cancelled(authorizer, nonce) is not None:
        return AuthorizationCancelled(authorizer, nonce)
    return AuthorizationUsed(authorizer, nonce)


def refusal(chain: Chain, reverted: Reverted, *, authorizer: str, nonce: str, window: Window) -> HeitjeError:
    """The chain's refusal (from the relayer's simulation) as our error with its own code."""
    name, args = reverted.error, reverted.args_
    if name in (
        "ERC3009InvalidSignature",
        "ECDSAInvalidSignature",
        "ECDSAInvalidSignatureS",
        "ECDSAInvalidSignatureLength",
    ):
        return BadSignature(authorizer)
    if name == "ERC3009InvalidAuthorizationTime":
        try:
            check_window(chain, window)
        except HeitjeError as exc:
            return exc
        return AuthorizationExpired(window.valid_before)
    if name == "ERC3009UsedAuthorization":
        return used_or_cancelled(chain, authorizer, nonce)
    if name == "LocalCoinTransferNotAllowed":
        return ReceiverNotAllowed(str(args[1]) if len(args) > 1 else "the receiver")
    if name == "ERC20InsufficientBalance" and len(args) == 3:
        return InsufficientBalance(str(args[0]), format_amount(args[1]), format_amount(args[2]))
    if name == "LocalCoinNotMerchant":
        return NotAMerchant(str(args[0]) if args else authorizer)
    if name == "EnforcedPause":
        return CoinPaused()
    return RelayRefused(str(reverted))
