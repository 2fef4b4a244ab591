"""The indexer's handlers for payments: the one place where chain facts move a payment on.

- AuthorizationUsed (authorizer, nonce), in anyone's transaction, whose Transfer moved this payment's
  value from payer to payee: the payment is `confirmed` (a use that moved other money: `failed`).
- AuthorizationCanceled: `failed` (the authorization can no longer be used).
- The indexed chain has reached a block at or past validBefore and the authorization was not used:
  `failed` (expired). `through` is that block (number, time); the indexer passes its chunk's last one.

A reorg below the deciding block puts the payment back to `sent`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.chain.relayer import RelayerNonce
from backend.indexer.models import AUTH_CANCELED, AUTH_USED, TRANSFER, ChainEvent
from backend.payments.authorization import BLOCK_RANGE_FLAG
from backend.payments.models import CONFIRMED, FAILED, SENT, Payment


def on_events(
    session: Session, events: Sequence[dict[str, Any]], *, through: tuple[int, datetime] | None = None
) -> int:
    """Applies the chunk's authorization events, then expiry as of `through`. Returns payments moved."""
    authorizations = [e for e in events if e["kind"] in (AUTH_USED, AUTH_CANCELED)]
    if not authorizations and through is None:
        return 0
    # A relay holds the relayer's row lock from before its broadcast until its payment row commits:
    # waiting for it here means a payment is never missed because its row was not committed yet.
    session.execute(select(RelayerNonce).with_for_update()).all()
    moved = 0
    for event in authorizations:
        payment = session.scalar(
            select(Payment).where(Payment.from_address == event["account"], Payment.nonce == event["ref"])
        )
        if payment is None or payment.status != SENT:
            continue
        paid = event["kind"] == AUTH_USED and _moved_this_payment(session, payment, event)
        # A use that moved other money (the payer signed the same nonce twice) also ends this one.
        payment.status = CONFIRMED if paid else FAILED
        payment.block_number = event["block_number"]
        payment.settled_tx_hash = event["tx_hash"] if event["kind"] == AUTH_USED else None
        moved += 1
    if through is not None:
        moved += _expire(session, *through)
    session.flush()
    return moved


def _moved_this_payment(session: Session, payment: Payment, used: dict[str, Any]) -> bool:
    """Whether the use of the authorization moved this payment: the Transfer that
    transferWithAuthorization emits right after AuthorizationUsed (the next log, recorded in
    chain_events earlier in this transaction) is from the payer to the payee for the value."""
    return (
        session.scalar(
            select(ChainEvent.id).where(
                ChainEvent.tx_hash == used["tx_hash"],
                ChainEvent.log_index == used["log_index"] + 1,
                ChainEvent.kind == TRANSFER,
                ChainEvent.account == payment.from_address,
                ChainEvent.counterparty == payment.to_address,
                ChainEvent.amount == payment.value,
            )
        )
        is not None
    )


def _expire(session: Session, block_number: int, block_time: datetime) -> int:
    """Sent payments whose validBefore the indexed chain has reached (valid strictly before it)."""
    now = int(block_time.timestamp())
    moved = 0
    for payment in session.scalars(select(Payment).where(Payment.status == SENT)):
        after, before = int(payment.valid_after), int(payment.valid_before)
        flag = after & before & BLOCK_RANGE_FLAG
        reached = block_number >= (before & ~flag) if flag else now >= before
        if reached:
            payment.status, payment.block_number = FAILED, block_number
            moved += 1
    return moved


def on_reorg(session: Session, fork_block: int) -> int:
    """Blocks above `fork_block` left the chain: their facts no longer decide anything."""
    moved = session.execute(
        update(Payment)
        .where(Payment.block_number > fork_block, Payment.status != SENT)
        .values(status=SENT, block_number=None, settled_tx_hash=None)
    ).rowcount  # type: ignore[attr-defined]
    return int(moved or 0)
