"""Redemptions: a merchant asks for a `ref`, burns coins under it (calling `redeem` itself, or
signing `redeemWithAuthorization`, which our relayer sends), and the burn is verified on chain."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3 import Web3
from web3.logs import DISCARD

from backend.chain import typed_data
from backend.chain.client import Chain, chain_call
from backend.chain.relayer import Reverted, tx_state
from backend.chain.typed_data import Domain, Signature, to_bytes32
from backend.db import utcnow
from backend.errors import NotFound, RedemptionClosed, RedemptionMismatch
from backend.merchants.models import Merchant
from backend.payments.authorization import (
    Window,
    check_signature,
    check_window_now,
    check_window_shape,
    refusal,
    relayer_for,
)
from backend.redemptions.models import Redemption
from backend.runtime import Runtime

AUTH_VALID_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Offer:
    redemption: Redemption
    typed_data: dict[str, Any]


def _typed(
    runtime: Runtime, *, merchant: str, amount: int, ref: str, valid_after: int, valid_before: int, nonce: str
) -> dict[str, Any]:
    return typed_data.redeem_with_authorization(
        Domain.of(runtime.deployment),
        merchant=merchant,
        amount=amount,
        ref=ref,
        valid_after=valid_after,
        valid_before=valid_before,
        nonce=nonce,
    )


def request(runtime: Runtime, session: Session, *, merchant: str, amount: int) -> Offer:
    """Issues a fresh `ref` for `amount` units and the redeemWithAuthorization typed data to sign."""
    row = Redemption(
        ref=typed_data.random_nonce(),
        merchant=merchant,
        amount=amount,
        status="requested",
        auth_nonce=typed_data.random_nonce(),
        valid_after=0,
        valid_before=int(time.time()) + AUTH_VALID_SECONDS,
    )
    session.add(row)
    session.flush()
    return Offer(row, typed_for(runtime, row))


def typed_for(runtime: Runtime, row: Redemption) -> dict[str, Any]:
    return _typed(
        runtime,
        merchant=row.merchant,
        amount=row.amount,
        ref=row.ref,
        valid_after=row.valid_after,
        valid_before=row.valid_before,
        nonce=row.auth_nonce,
    )


@dataclass(frozen=True)
class SignedRedemption:
    merchant: str
    amount: int
    ref: str
    valid_after: int
    valid_before: int
    nonce: str
    signature: Signature


@dataclass(frozen=True)
class Relayed:
    redemption: Redemption
    created: bool


def relay(runtime: Runtime, session: Session, signed: SignedRedemption) -> Relayed:
    """Relays a signed redeemWithAuthorization for a ref we issued to that merchant for that amount.
    Relaying the same authorization again returns the same transaction."""
    check_window_shape(signed.valid_after, signed.valid_before)
    row = session.scalars(
        select(Redemption).where(Redemption.ref == signed.ref).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("redemption", signed.ref)
    if row.merchant != signed.merchant:
        raise RedemptionMismatch(signed.ref, "merchant")
    if row.amount != signed.amount:
        raise RedemptionMismatch(signed.ref, "amount")
    if row.status != "requested":
        if row.status == "sent" and row.auth_nonce == signed.nonce and row.tx_hash:
            return Relayed(row, created=False)
        raise RedemptionClosed(signed.ref, row.status)

    chain = runtime.chain
    typed = _typed(
        runtime,
        merchant=signed.merchant,
        amount=signed.amount,
        ref=signed.ref,
        valid_after=signed.valid_after,
        valid_before=signed.valid_before,
        nonce=signed.nonce,
    )
    check_signature(typed, signed.signature, signed.merchant)
    window = Window(signed.valid_after, signed.valid_before)
    check_window_now(window)
    sig = signed.signature
    call = chain.coin.functions.redeemWithAuthorization(
        signed.merchant,
        signed.amount,
        to_bytes32(signed.ref),
        signed.valid_after,
        signed.valid_before,
        to_bytes32(signed.nonce),
        sig.v,
        sig.r,
        sig.s,
    )
    relayer = relayer_for(runtime)
    try:
        gas = relayer.simulate(call)
    except Reverted as exc:
        raise refusal(chain, exc, authorizer=signed.merchant, nonce=signed.nonce, window=window) from exc
    row.tx_hash = relayer.send(session, call, gas=gas)
    row.status, row.auth_nonce = "sent", signed.nonce
    row.valid_after, row.valid_before = signed.valid_after, signed.valid_before
    row.updated_at = utcnow()
    session.flush()
    return Relayed(row, created=True)


# --- verification -----------------------------------------------------------------------------


@dataclass
class Verdict:
    """verified (every check passed, deep enough) | pending (not mined, or too few confirmations)
    | rejected (it is not a valid redemption of this coin); `reason` names the deciding check."""

    verdict: str
    reason: str
    tx_hash: str
    checks: dict[str, bool] = field(default_factory=dict)
    merchant: str | None = None
    amount: int | None = None
    ref: str | None = None
    block_number: int | None = None
    confirmations: int = 0
    required_confirmations: int = 1
    redemption: Redemption | None = None


def verify(runtime: Runtime, session: Session, tx_hash: str) -> Verdict:
    """Checks a burn: receipt status, our contract, a Redeemed log, the merchant registered (on chain
    at that block, and in our registry so it can be paid), and confirmations against settings."""
    chain = runtime.chain
    required = runtime.settings.confirmations
    verdict = Verdict("pending", "not_mined", tx_hash, required_confirmations=required)
    state = tx_state(chain, tx_hash)
    if state.status == "unknown":
        return _done(verdict, "rejected", "tx_not_found")
    if state.status == "pending":
        return verdict
    receipt = state.receipt
    verdict.block_number, verdict.confirmations = state.block_number, state.confirmations
    verdict.checks["receipt_succeeded"] = receipt["status"] == 1
    if not verdict.checks["receipt_succeeded"]:
        return _record(session, _done(verdict, "rejected", "reverted"))
    coin = chain.coin.address
    verdict.checks["our_contract"] = (receipt.get("to") or "").lower() == coin.lower() or any(
        log["address"].lower() == coin.lower() for log in receipt["logs"]
    )
    if not verdict.checks["our_contract"]:
        return _done(verdict, "rejected", "wrong_contract")
    logs = [
        e
        for e in chain.coin.events.Redeemed().process_receipt(receipt, errors=DISCARD)
        if e["address"].lower() == coin.lower()
    ]
    verdict.checks["redeemed_log"] = bool(logs)
    if not logs:
        return _record(session, _done(verdict, "rejected", "no_redeemed_log"))
    event = logs[0]["args"]
    verdict.merchant = Web3.to_checksum_address(event["merchant"])
    verdict.amount = int(event["amount"])
    verdict.ref = "0x" + bytes(event["ref"]).hex()
    verdict.checks["merchant_registered"] = _registered(
        chain, session, verdict.merchant, state.block_number or 0
    )
    if not verdict.checks["merchant_registered"]:
        return _record(session, _done(verdict, "rejected", "merchant_not_registered"))
    verdict.checks["confirmed"] = verdict.confirmations >= required
    if not verdict.checks["confirmed"]:
        return _record(session, _done(verdict, "pending", "awaiting_confirmations"))
    return _record(session, _done(verdict, "verified", "ok"))


@chain_call
def _registered(chain: Chain, session: Session, merchant: str, block: int) -> bool:
    on_chain = bool(chain.coin.functions.isMerchant(merchant).call(block_identifier=block))
    return on_chain and session.get(Merchant, merchant) is not None


def _done(verdict: Verdict, outcome: str, reason: str) -> Verdict:
    verdict.verdict, verdict.reason = outcome, reason
    return verdict


def _record(session: Session, verdict: Verdict) -> Verdict:
    """Links the verdict to our redemption row: by ref when the log names one we issued, else by tx hash."""
    row = None
    if verdict.ref is not None:
        row = session.scalar(select(Redemption).where(Redemption.ref == verdict.ref))
    if row is None:
        row = session.scalar(select(Redemption).where(Redemption.tx_hash == verdict.tx_hash.lower()))
    if row is None:
        return verdict
    verdict.redemption = row
    if row.status == "verified":
        return verdict
    if verdict.merchant is not None and (row.merchant, row.amount) != (verdict.merchant, verdict.amount):
        row.status, row.reason = "failed", "the burn's merchant or amount differs from the request"
    elif verdict.verdict == "verified":
        row.status, row.reason, row.verified_at = "verified", None, utcnow()
    elif verdict.verdict == "rejected":
        row.status, row.reason = "failed", verdict.reason
    else:
        row.status = "sent" if row.status == "requested" else row.status
    row.tx_hash = verdict.tx_hash.lower()
    row.block_number = verdict.block_number
    row.updated_at = utcnow()
    session.flush()
    return verdict


def list_for(session: Session, *, merchant: str | None) -> list[Redemption]:
    """A merchant's own redemptions (`merchant` given), or all (operators), newest first."""
    query = select(Redemption).order_by(Redemption.created_at.desc(), Redemption.id.desc())
    if merchant is not None:
        query = query.where(Redemption.merchant == merchant)
    return list(session.scalars(query))
