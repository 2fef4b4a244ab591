"""Gasless payments: a citizen signs an EIP-3009 transferWithAuthorization, we check it the way the
chain would (backend.payments.authorization), and the relayer sends it, paying the gas.
Idempotent on (from, nonce): a stored `payments` row, and, after a crash between broadcast and
commit, the chain's own AuthorizationUsed log of exactly this transfer."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import paging
from backend.amounts import MAX_UNITS, check_bound, format_amount
from backend.chain import typed_data
from backend.chain.client import Chain
from backend.chain.relay_pipeline import RelayJob, RelayPipeline
from backend.chain.relayer import RelayerNonce, Reverted
from backend.chain.typed_data import Domain, Signature
from backend.db import is_sqlite, transaction
from backend.errors import AuthorizationUsed, Forbidden, NotFound, ValidationFailed
from backend.indexer.models import IndexerCheckpoint
from backend.merchants import service as merchants
from backend.payments.authorization import (
    Window,
    check_signature,
    check_window_now,
    check_window_shape,
    refusal,
    relayer_for,
)
from backend.payments.models import CONFIRMED, SENT, Payment
from backend.relaying import policy as relay_policy
from backend.runtime import Runtime

DEFAULT_VALID_SECONDS = 15 * 60


@dataclass(frozen=True)
class SignedTransfer:
    """A transferWithAuthorization as the wallet signed it."""

    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: str
    signature: Signature

    def typed_data(self, domain: Domain) -> dict[str, Any]:
        return typed_data.transfer_with_authorization(
            domain,
            from_=self.from_,
            to=self.to,
            value=self.value,
            valid_after=self.valid_after,
            valid_before=self.valid_before,
            nonce=self.nonce,
        )


@dataclass(frozen=True)
class Relayed:
    payment: Payment
    created: bool  # False when this (from, nonce) was relayed before: the same transaction is returned


def submit(runtime: Runtime, session: Session, transfer: SignedTransfer) -> Relayed:
    """Checks `transfer` as the chain would, then relays it. A repeat of an already relayed (from,
    nonce) returns the stored payment; every refusal is a HeitjeError with its own code. Every value
    is checked against what the contract and the database hold before anything is sent.

    The checks and the simulation take no lock. The relay itself goes through the relayer key's
    pipeline (backend.chain.relay_pipeline): the payment row is inserted, the transaction signed and
    broadcast with others queued at the same moment, and its hash recorded, in one short transaction
    of the pipeline's thread, committed before this returns. `session` is not used for that, so
    `Relayed.payment` is the committed row merged into it. A caller whose SQLite session already
    holds the write lock (it wrote or read something first) relays inline in its own transaction
    instead: the pipeline's transaction would wait for that lock while the caller waits for it."""
    check_window_shape(transfer.valid_after, transfer.valid_before)
    check_bound("value", transfer.value, least=1, most=MAX_UNITS)
    if transfer.from_ == transfer.to:
        raise ValidationFailed("to: a payment to yourself moves nothing")
    holds = _holds_connection(session)
    inline = is_sqlite(runtime.engine) and holds
    if holds:  # the caller's connection serves (a second one per request could drain the pool)
        existing = find(session, transfer.from_, transfer.nonce)
    else:
        with runtime.read_sessions() as reader, reader.begin():
            existing = find(reader, transfer.from_, transfer.nonce)
        if existing is not None:
            existing = session.merge(existing, load=False)
    if existing is not None:
        return Relayed(_same_or_conflict(existing, transfer), created=False)

    chain = runtime.chain
    check_signature(transfer.typed_data(Domain.of(runtime.deployment)), transfer.signature, transfer.from_)
    window = Window(transfer.valid_after, transfer.valid_before)
    check_window_now(window)
    sig = transfer.signature
    call = chain.transfer_with_authorization(
        from_=transfer.from_,
        to=transfer.to,
        value=transfer.value,
        valid_after=transfer.valid_after,
        valid_before=transfer.valid_before,
        nonce=transfer.nonce,
        v=sig.v,
        r=sig.r,
        s=sig.s,
    )
    relayer = relayer_for(runtime)
    try:
        gas = relayer.simulate(call)
    except Reverted as exc:
        error = refusal(chain, exc, authorizer=transfer.from_, nonce=transfer.nonce, window=window)
        if isinstance(error, AuthorizationUsed):
            existing = _behind_relays_in_flight(runtime, session, transfer, inline=inline)
            if existing is not None:
                return Relayed(_same_or_conflict(existing, transfer), created=False)
            recovered = _recover_relayed(chain, session, transfer)
            if recovered is not None:
                return Relayed(recovered, created=False)
        raise error from exc
    if not inline:
        payment, created = pipeline_for(runtime).relay(_relay_job(runtime, transfer, call.data, gas))
        return Relayed(session.merge(payment, load=False), created=created)

    payment = _payment_of(transfer)
    try:
        with session.begin_nested():  # a repeat arriving at the same moment takes back its gas too
            relay_policy.reserve_gas(runtime, session, payer=transfer.from_, gas=gas)  # the gas budgets
            session.add(payment)
            session.flush()
    except IntegrityError:
        # The same authorization arrived twice at once; the first one relays, this one reports it.
        existing = find(session, transfer.from_, transfer.nonce)
        if existing is None:
            raise
        return Relayed(_same_or_conflict(existing, transfer), created=False)
    payment.tx_hash = relayer.send(session, call, gas=gas)
    session.flush()
    relay_policy.after_send(runtime)
    return Relayed(payment, created=True)


def pipeline_for(runtime: Runtime) -> RelayPipeline:
    """The process's relaying task for the relayer key (one per runtime, like `relayer_for`)."""
    pipeline = runtime.__dict__.get("_heitje_relay_pipeline")
    if pipeline is None:
        with _PIPELINE_LOCK:
            pipeline = runtime.__dict__.get("_heitje_relay_pipeline")
            if pipeline is None:
                pipeline = RelayPipeline(relayer_for(runtime), runtime.sessions)
                runtime.__dict__["_heitje_relay_pipeline"] = pipeline
    return pipeline


_PIPELINE_LOCK = threading.Lock()


def _holds_connection(session: Session) -> bool:
    """Whether `session`'s transaction has begun in the database (on SQLite: holds the write lock)."""
    current = session.get_transaction()
    if current is None:
        return False
    return bool(getattr(current, "_connections", True))  # unknown: assume it does (relays inline)


def _payment_of(transfer: SignedTransfer) -> Payment:
    return Payment(
        from_address=transfer.from_,
        to_address=transfer.to,
        nonce=transfer.nonce,
        value=transfer.value,
        valid_after=str(transfer.valid_after),
        valid_before=str(transfer.valid_before),
        signature=transfer.signature.hex,
        status=SENT,
        # Every column set, so the committed row handed to the request thread needs no load there.
        tx_hash=None,
        block_number=None,
        settled_tx_hash=None,
    )


def _relay_job(runtime: Runtime, transfer: SignedTransfer, data: str, gas: int) -> RelayJob:
    """The pipeline's job for `transfer`: its payments row is inserted and its gas counted against the
    budgets (backend.relaying.policy) in the batch's transaction (or the one recorded meanwhile is the
    answer, as for a repeat), its hash recorded once sent; a relay the node refused gives its gas
    back. Answers (payment, created)."""
    payment = _payment_of(transfer)

    def claim(batch: Session) -> tuple[Payment, bool] | None:
        try:
            with batch.begin_nested():
                # The gas rows first, then the payment's row: a batch of another process inserting the
                # same (payer, nonce) holds the day's total row already, so neither waits on the other
                # in a circle (backend.relaying.policy names the lock order).
                relay_policy.reserve_gas(runtime, batch, payer=transfer.from_, gas=gas)
                batch.add(payment)
                batch.flush()
        except IntegrityError:
            existing = find(batch, transfer.from_, transfer.nonce)
            if existing is None:
                raise
            return _same_or_conflict(existing, transfer), False
        return None

    def sent(batch: Session, tx_hash: str) -> tuple[Payment, bool]:
        payment.tx_hash = tx_hash
        return payment, True

    def refused(batch: Session) -> None:
        batch.delete(payment)
        relay_policy.give_back_gas(runtime, batch, payer=transfer.from_, gas=gas)
        batch.flush()

    return RelayJob(
        key=f"{transfer.from_}:{transfer.nonce}", data=data, gas=gas, claim=claim, sent=sent, refused=refused
    )


def _behind_relays_in_flight(
    runtime: Runtime, session: Session, transfer: SignedTransfer, *, inline: bool
) -> Payment | None:
    """The payment row of `transfer`, looked up behind the relayer's row lock: a batch holds that lock
    from broadcast to commit, so a relay of this very authorization broadcast while this request
    checked it is found. The lock is taken in a short transaction of its own and let go before
    anything asks the chain (`_recover_relayed` may search the chain's logs with many queries, and
    every relay of every process would wait meanwhile). A caller relaying inline already holds
    SQLite's write lock: no batch can be in flight."""
    if inline:
        return find(session, transfer.from_, transfer.nonce)
    with transaction(runtime.sessions) as short:
        short.execute(select(RelayerNonce).with_for_update()).all()
        existing = find(short, transfer.from_, transfer.nonce)
    return None if existing is None else session.merge(existing, load=False)


def find(session: Session, from_: str, nonce: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.from_address == from_, Payment.nonce == nonce))


PAYMENT_ORDER = (paging.Key(Payment.id, int),)  # newest first


def list_payments(
    session: Session,
    *,
    viewer: str,
    is_operator: bool,
    to: str | None,
    from_: str | None,
    since: datetime | None,
    limit: int | None = None,
    cursor: str | None = None,
) -> paging.Page[Payment]:
    """Payments filtered by receiver and/or payer. Everyone but an operator sees only payments they are
    part of: without filters, theirs; a filter naming someone else is Forbidden."""
    if not is_operator:
        if to is None and from_ is None:
            query = select(Payment).where(or_(Payment.to_address == viewer, Payment.from_address == viewer))
        elif viewer not in (to, from_):
            raise Forbidden("operator")
        else:
            query = select(Payment)
    else:
        query = select(Payment)
    if to is not None:
        query = query.where(Payment.to_address == to)
    if from_ is not None:
        query = query.where(Payment.from_address == from_)
    if since is not None:
        query = query.where(Payment.created_at >= since)
    rows = list(session.scalars(paging.keyset(query, PAYMENT_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda p: (p.id,))


def get_by_tx(session: Session, tx_hash: str) -> Payment:
    """The payment we relayed in `tx_hash`, or whose authorization `tx_hash` used (someone else's)."""
    wanted = tx_hash.lower()
    payment = session.scalar(
        select(Payment)
        .where(or_(Payment.tx_hash == wanted, Payment.settled_tx_hash == wanted))
        .order_by(Payment.id)
        .limit(1)
    )
    if payment is None:
        raise NotFound("payment", tx_hash)
    return payment


def _same_or_conflict(existing: Payment, transfer: SignedTransfer) -> Payment:
    if (existing.to_address, existing.value, existing.signature) != (
        transfer.to,
        transfer.value,
        transfer.signature.hex,
    ):
        raise AuthorizationUsed(transfer.from_, transfer.nonce)
    return existing


def _recover_relayed(chain: Chain, session: Session, transfer: SignedTransfer) -> Payment | None:
    """The nonce is used: if it was used by exactly this transfer (we relayed it and crashed before
    recording it, or someone else relayed it), record that transaction and return it. Its state stays
    `sent` until the indexer's handler has seen the use at the configured depth."""
    used = chain.authorization_used(transfer.from_, transfer.nonce)
    if used is None:
        return None
    call = chain.call_in(used)
    if (
        call is None
        or call.function != "transferWithAuthorization"
        or (call.args["to"], call.args["value"]) != (transfer.to, transfer.value)
    ):
        return None
    mined = chain.tx_status(used)
    payment = _payment_of(transfer)
    payment.tx_hash = used
    try:
        with session.begin_nested():
            session.add(payment)
    except IntegrityError:  # recorded meanwhile by another request for the same authorization
        existing = find(session, transfer.from_, transfer.nonce)
        if existing is None:
            raise
        return _same_or_conflict(existing, transfer)
    if mined.block_number is not None:
        indexed_through(session, payment, mined.block_number, contract=chain.address)
    return payment


def indexed_through(session: Session, payment: Payment, block_number: int, *, contract: str) -> None:
    """A payment recorded after the indexer already passed the block that used its authorization
    (it was relayed elsewhere first) takes the state the indexer's handler would have given it."""
    # The indexer's payment handler takes this lock too: either it already committed its chunk (and
    # the checkpoint shows it) or it waits for this row and confirms it itself.
    session.execute(select(RelayerNonce).with_for_update()).all()
    checkpoint = session.scalar(
        select(IndexerCheckpoint.block_number).where(IndexerCheckpoint.contract == contract)
    )
    if checkpoint is not None and checkpoint >= block_number:
        payment.status, payment.block_number, payment.settled_tx_hash = CONFIRMED, block_number, payment.tx_hash


@dataclass(frozen=True)
class TypedDataOffer:
    typed_data: dict[str, Any]
    nonce: str
    valid_after: int
    valid_before: int


def typed_data_for(
    runtime: Runtime, *, from_: str, to: str, value: int, valid_seconds: int = DEFAULT_VALID_SECONDS
) -> TypedDataOffer:
    """What a wallet signs to pay `value` units from `from_` to `to`: a fresh random nonce, valid
    from now (validAfter 0) for `valid_seconds`."""
    if from_ == to:
        raise ValidationFailed("to: a payment to yourself moves nothing")
    nonce = typed_data.random_nonce()
    valid_before = int(time.time()) + valid_seconds
    data = typed_data.transfer_with_authorization(
        Domain.of(runtime.deployment),
        from_=from_,
        to=to,
        value=value,
        valid_after=0,
        valid_before=valid_before,
        nonce=nonce,
    )
    return TypedDataOffer(typed_data=data, nonce=nonce, valid_after=0, valid_before=valid_before)


@dataclass(frozen=True)
class Checkout:
    uri: str
    payload: dict[str, Any]


def checkout(runtime: Runtime, session: Session, *, merchant: str, value: int, order: str | None) -> Checkout:
    """The till's payment request for the QR code (docs/qr-payload.md): an EIP-681 URI any wallet
    reads, and Heitje's JSON that tells a Heitje wallet where to get typed data and relay."""
    standing = merchants.standing(session, merchant)
    if not standing.is_merchant:
        raise NotFound("merchant", merchant)
    deployment = runtime.deployment
    uri = f"ethereum:{deployment.address}@{deployment.chain_id}/transfer?address={merchant}&uint256={value}"
    api = f"{runtime.settings.base_url}/api/v1"
    payload = {
        "type": "heitje-payment",
        "version": 1,
        "chain_id": deployment.chain_id,
        "coin": deployment.address,
        "symbol": deployment.symbol,
        "merchant": merchant,
        "merchant_name": standing.name,
        "amount": format_amount(value),
        "order": order,
        "typed_data_url": f"{api}/payments/typed-data",
        "relay_url": f"{api}/payments",
    }
    return Checkout(uri=uri, payload=payload)


@dataclass(frozen=True)
class Payee:
    """Whether a citizen can pay `address` now, and why: merchant | open_transfers |
    merchant_not_ready (registered, its on-chain registration not confirmed yet) | not_a_merchant."""

    address: str
    name: str | None
    can_pay: bool
    reason: str


def payee(chain: Chain, session: Session, address: str) -> Payee:
    """The rule the web app asks instead of deciding it: a merchant (backend.merchants owns that
    rule) can always be paid; anyone else only while the coin's person-to-person transfers are open."""
    standing = merchants.standing(session, address)
    if standing.is_merchant:
        return Payee(address, standing.name, True, "merchant")
    if chain.open_transfers():
        return Payee(address, standing.name, True, "open_transfers")
    if standing.intended:
        return Payee(address, standing.name, False, "merchant_not_ready")
    return Payee(address, None, False, "not_a_merchant")
