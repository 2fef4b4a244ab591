"""Payment requests (DESIGN.md "Payment requests"): a till asks for an amount; the citizen's wallet
signs a transferWithAuthorization whose nonce is derived from the request
(backend.chain.payment_requests); the backend relays at most one payment per request.

Three locks against paying twice, from the outside in:
1. `payer` is claimed with a compare-and-set UPDATE before anything is relayed (a concurrent second
   authorization finds it taken, and the claim is rolled back if the relay is refused);
2. `payment_id` is unique, and so is the payments row's (from, nonce);
3. the chain: every authorization of one payer for one request carries the same nonce, and the coin
   executes a nonce once.

A request is `paid` as soon as its payment is in a block (the relayed transaction mined, succeeded
and used the request's authorization: what a till waits for), and `confirmed` once the indexer found
that use CONFIRMATIONS blocks deep and recorded the payment as confirmed: only then is the money
counted (takings, redemptions, payouts). While a payment is on its way, a GET asks the node for its
transaction's receipt; a GET here never writes."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.chain import typed_data
from backend.chain.payment_requests import request_nonce
from backend.chain.rpc import RpcError
from backend.chain.typed_data import Domain
from backend.db import utcnow
from backend.errors import (
    ChainUnavailable,
    NotFound,
    PaymentRequestExpired,
    PaymentRequestMismatch,
    PaymentRequestPaid,
)
from backend.merchants.models import Merchant
from backend.payment_requests.models import PaymentRequest
from backend.payments import service as payments
from backend.payments.models import CONFIRMED, FAILED, SENT, Payment
from backend.runtime import Runtime

DEFAULT_EXPIRES_IN = 15 * 60
# The path of the web app's screen for a request (web/js/routes.js "/pay/:id").
APP_PATH = "/#/pay/"


@dataclass(frozen=True)
class RequestView:
    request: PaymentRequest
    merchant_name: str | None
    status: str  # open | paying | paid | expired | failed (its payment reverted on chain)
    payment: Payment | None
    url: str
    confirmed: bool = False  # its payment is confirmed (CONFIRMATIONS deep) and counted


def create(
    runtime: Runtime, session: Session, *, merchant: str, amount: int, order: str | None, expires_in: int
) -> RequestView:
    """A new request of `amount` units to `merchant` (an active registered shop)."""
    shop = session.get(Merchant, merchant)
    if shop is None or not shop.active:
        raise NotFound("merchant", merchant)
    request_id = secrets.token_urlsafe(12)
    request = PaymentRequest(
        id=request_id,
        merchant=merchant,
        amount=amount,
        order_ref=order,
        nonce=request_nonce(request_id, merchant),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(seconds=expires_in),
    )
    session.add(request)
    session.flush()
    return _view(runtime, session, request)


def get(runtime: Runtime, session: Session, request_id: str) -> RequestView:
    return _view(runtime, session, _load(session, request_id))


def typed_data_for(runtime: Runtime, session: Session, request_id: str, *, payer: str) -> dict[str, object]:
    """What `payer` signs to pay the request: to the shop, exactly its amount, its derived nonce,
    valid until the request expires."""
    request = _load(session, request_id)
    _check_open(session, request)
    return typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=payer,
        to=request.merchant,
        value=request.amount,
        valid_after=0,
        valid_before=int(request.expires_at.timestamp()),
        nonce=request.nonce,
    )


def pay(runtime: Runtime, session: Session, request_id: str, transfer: payments.SignedTransfer) -> payments.Relayed:
    """Relays `transfer` as the one payment of the request. The same authorization again returns the
    same payment (200); any other one is PaymentRequestPaid (409)."""
    request = _load(session, request_id)
    if request.payment_id is not None or request.payer is not None:
        existing = session.get(Payment, request.payment_id) if request.payment_id is not None else None
        if existing is not None and (existing.from_address, existing.nonce, existing.signature) == (
            transfer.from_,
            transfer.nonce,
            transfer.signature.hex,
        ):
            return payments.Relayed(existing, created=False)
        raise PaymentRequestPaid(request_id)
    if _expired(request):
        raise PaymentRequestExpired(request_id)
    if transfer.to != request.merchant:
        raise PaymentRequestMismatch(request_id, "to")
    if transfer.value != request.amount:
        raise PaymentRequestMismatch(request_id, "value")
    if transfer.nonce.lower() != request.nonce:
        raise PaymentRequestMismatch(request_id, "nonce")
    claimed = session.execute(
        update(PaymentRequest)
        .where(PaymentRequest.id == request_id, PaymentRequest.payer.is_(None))
        .values(payer=transfer.from_)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise PaymentRequestPaid(request_id)
    relayed = payments.submit(runtime, session, transfer)
    session.execute(
        update(PaymentRequest)
        .where(PaymentRequest.id == request_id)
        .values(payment_id=relayed.payment.id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return relayed


def _load(session: Session, request_id: str) -> PaymentRequest:
    request = session.get(PaymentRequest, request_id, populate_existing=True)
    if request is None:
        raise NotFound("payment request", request_id)
    return request


def _expired(request: PaymentRequest) -> bool:
    return request.expires_at.timestamp() <= time.time()


def _check_open(session: Session, request: PaymentRequest) -> None:
    if request.payer is not None or request.payment_id is not None:
        raise PaymentRequestPaid(request.id)
    if _expired(request):
        raise PaymentRequestExpired(request.id)


def _status(request: PaymentRequest, payment: Payment | None, included: bool) -> str:
    if payment is not None:
        return {CONFIRMED: "paid", FAILED: "failed"}.get(payment.status, "paid" if included else "paying")
    if request.payer is not None:
        return "paying"
    return "expired" if _expired(request) else "open"


def _included(runtime: Runtime, payment: Payment | None) -> int | None:
    """The block that included a payment still on its way (relayed, not yet confirmed), if any."""
    if payment is None or payment.status != SENT or not payment.tx_hash:
        return None
    try:
        return runtime.chain.used_authorization_in(payment.tx_hash, payment.from_address, payment.nonce)
    except (ChainUnavailable, RpcError):
        return None  # the node is away: still on its way, as far as the till can tell


def _view(runtime: Runtime, session: Session, request: PaymentRequest) -> RequestView:
    payment = session.get(Payment, request.payment_id) if request.payment_id is not None else None
    shop = session.get(Merchant, request.merchant)
    return RequestView(
        request=request,
        merchant_name=shop.name if shop is not None else None,
        status=_status(request, payment, _included(runtime, payment) is not None),
        payment=payment,
        url=f"{runtime.settings.base_url}{APP_PATH}{request.id}",
        confirmed=payment is not None and payment.status == CONFIRMED,
    )
