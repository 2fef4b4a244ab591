"""Redemptions: a merchant asks for a `ref`, burns coins under it (calling `redeem` itself, or
signing `redeemWithAuthorization`, which our relayer sends), and the indexer records the matching
burn (backend.redemptions.events); `verify` only reads."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from backend import paging
from backend.amounts import DB_INT_MAX, MAX_UNITS, check_bound
from backend.chain import typed_data
from backend.chain.relayer import Reverted
from backend.chain.typed_data import Domain, Signature
from backend.db import utcnow
from backend.errors import NotFound, RedemptionClosed, RedemptionMismatch
from backend.merchants import service as merchants
from backend.payments.authorization import (
    Window,
    check_signature,
    check_window_now,
    check_window_shape,
    refusal,
    relayer_for,
)
from backend.payouts.models import FLAGGED, Payout
from backend.redemptions.models import BURNED, REQUESTED, SENT, Redemption
from backend.relaying import policy as relay_policy
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
    Relaying the same authorization again returns the same transaction. Every value is checked
    against what the contract and the database hold before anything is sent (the window is stored
    in BIGINT columns)."""
    check_window_shape(signed.valid_after, signed.valid_before, most=DB_INT_MAX)
    check_bound("amount", signed.amount, least=1, most=MAX_UNITS)
    row = session.scalars(
        select(Redemption).where(Redemption.ref == signed.ref).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound("redemption", signed.ref)
    if row.merchant != signed.merchant:
        raise RedemptionMismatch(signed.ref, "merchant")
    if row.amount != signed.amount:
        raise RedemptionMismatch(signed.ref, "amount")
    if row.status != REQUESTED:
        if row.status in (SENT, BURNED) and row.auth_nonce == signed.nonce and row.tx_hash:
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
    call = chain.redeem_with_authorization(
        merchant=signed.merchant,
        amount=signed.amount,
        ref=signed.ref,
        valid_after=signed.valid_after,
        valid_before=signed.valid_before,
        nonce=signed.nonce,
        v=sig.v,
        r=sig.r,
        s=sig.s,
    )
    relayer = relayer_for(runtime)
    try:
        gas = relayer.simulate(call)
    except Reverted as exc:
        raise refusal(chain, exc, authorizer=signed.merchant, nonce=signed.nonce, window=window) from exc
    relay_policy.reserve_gas(runtime, session, payer=signed.merchant, gas=gas)  # the relayer's gas budgets
    row.tx_hash = relayer.send(session, call, gas=gas)
    row.status, row.auth_nonce = SENT, signed.nonce
    row.valid_after, row.valid_before = signed.valid_after, signed.valid_before
    row.updated_at = utcnow()
    session.flush()
    relay_policy.after_send(runtime)
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
    """Checks a burn, reading only: receipt status, our contract, a Redeemed log, the merchant
    registered (on chain at that block, and in our registry so it can be paid), the redemption it
    names agreeing on merchant and amount, and confirmations. Nothing is written: the indexer's
    handler (backend.redemptions.events) records the burn once it is confirmed."""
    required = runtime.settings.confirmations
    verdict = Verdict("pending", "not_mined", tx_hash, required_confirmations=required)
    receipt = runtime.chain.burns_in(tx_hash)
    if receipt.status == "unknown":
        return _done(verdict, "rejected", "tx_not_found")
    if receipt.status == "pending":
        return verdict
    verdict.block_number, verdict.confirmations = receipt.block_number, receipt.confirmations
    verdict.checks["receipt_succeeded"] = receipt.status == "succeeded"
    if not verdict.checks["receipt_succeeded"]:
        return _done(verdict, "rejected", "reverted")
    verdict.checks["our_contract"] = receipt.touches_coin
    if not receipt.touches_coin:
        return _done(verdict, "rejected", "wrong_contract")
    verdict.checks["redeemed_log"] = bool(receipt.burns)
    if not receipt.burns:
        return _done(verdict, "rejected", "no_redeemed_log")
    burn = receipt.burns[0]
    verdict.merchant, verdict.amount, verdict.ref = burn.merchant, burn.amount, burn.ref
    verdict.checks["merchant_registered"] = merchants.is_merchant(
        session, burn.merchant, chain=runtime.chain, block=receipt.block_number or 0
    )
    if not verdict.checks["merchant_registered"]:
        return _done(verdict, "rejected", "merchant_not_registered")
    row = session.scalar(select(Redemption).where(Redemption.ref == burn.ref))
    if row is not None:
        verdict.checks["matches_request"] = matches(row, merchant=burn.merchant, amount=burn.amount)
        if not verdict.checks["matches_request"]:
            return _done(verdict, "rejected", "request_mismatch")
        verdict.redemption = row
    verdict.checks["confirmed"] = verdict.confirmations >= required
    if not verdict.checks["confirmed"]:
        return _done(verdict, "pending", "awaiting_confirmations")
    return _done(verdict, "verified", "ok")


def matches(row: Redemption, *, merchant: str, amount: int) -> bool:
    """THE matching rule: a burn under `row.ref` is this redemption's only when the merchant and the
    amount agree too (the ref alone is public once a burn names it)."""
    return (row.merchant, row.amount) == (merchant, amount)


def _done(verdict: Verdict, outcome: str, reason: str) -> Verdict:
    verdict.verdict, verdict.reason = outcome, reason
    return verdict


def lifecycle_status(row: Redemption, payout_status: str | None) -> str:
    """The redemption's one status: its own up to "burned", then its payout's (due, exported, paid)."""
    if row.status == BURNED and payout_status is not None:
        return payout_status
    return row.status


REDEMPTION_ORDER = (paging.Key(Redemption.id, int),)  # newest first


def list_for(
    session: Session, *, merchant: str | None, limit: int | None = None, cursor: str | None = None
) -> paging.Page[tuple[Redemption, str | None]]:
    """A merchant's own redemptions (`merchant` given), or all (operators), newest first, one page;
    each with the status of its payout (the one for its own matching burn; None before), joined."""
    payout = and_(
        Redemption.status == BURNED,
        Payout.ref == Redemption.ref,
        Payout.tx_hash == Redemption.tx_hash,
        Payout.status != FLAGGED,
    )
    query = select(Redemption, Payout.status).outerjoin(Payout, payout)
    if merchant is not None:
        query = query.where(Redemption.merchant == merchant)
    rows = session.execute(paging.keyset(query, REDEMPTION_ORDER, cursor, limit)).all()
    page = paging.page_of(rows, limit, lambda row: (row[0].id,))
    return paging.Page([(r, status) for r, status in page.items], page.next)
