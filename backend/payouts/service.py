"""Payouts: every confirmed `Redeemed` event owes its merchant euros (units x rate / 100), once.

States: due -> exported (in a SEPA batch) -> paid, or flagged (a burn under one of our refs that
disagrees with its redemption: never exported). Together with the redemption's own states this is
one lifecycle (backend.redemptions.events decides which burn matches which redemption). The
indexer's handler creates payouts (`record_redemptions`) in the same transaction that records the
events, and takes them back on a reorg (`rollback_above`): a due payout goes with its event; an
exported or paid one is never deleted, it is flagged (`reorged_at`) for the operator, because its
money may already have left the city's account. If the same redemption transaction comes back on
the new chain, the flagged payout is re-attached to it instead of a second one being created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, defer

from backend import paging
from backend.audit import service as audit
from backend.db import utcnow
from backend.errors import NotFound, NothingToPay, PayoutNotExported
from backend.merchants.models import Merchant
from backend.payouts import sepa
from backend.payouts.models import DUE, EXPORTED, FLAGGED, PAID, Payout, PayoutBatch
from backend.redemptions.models import Redemption
from backend.reports import totals
from backend.settings import Settings


def euro_cents(units: int, euro_per_coin: Decimal) -> int:
    """Euro cents for `units` coin units: units x rate / 100 euros, rounded half up to the cent."""
    return int((Decimal(units) * euro_per_coin).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def record_redemptions(
    session: Session,
    events: Sequence[dict[str, Any]],
    euro_per_coin: Decimal,
    *,
    flagged: dict[tuple[str, int], str] | None = None,
) -> int:
    """Creates the payout of each confirmed `Redeemed` event row (as the indexer decoded it): due, or
    flagged with its reason when `flagged` names its (tx_hash, log_index) (backend.redemptions.events
    decides). Returns how many payouts were created or re-attached."""
    flagged = flagged or {}
    if not events:
        return 0
    # Only a reorged payout of one of these transactions can come back (its unique key leads with tx_hash):
    # never a scan of every payout ever made.
    tx_hashes = {e["tx_hash"] for e in events}
    reorged = list(session.scalars(select(Payout).where(Payout.tx_hash.in_(tx_hashes), Payout.reorged_at.is_not(None))))
    known = set(
        session.execute(
            select(Payout.tx_hash, Payout.log_index).where(Payout.tx_hash.in_(tx_hashes))
        )
    )
    new = []
    for event in events:
        again = next((p for p in reorged if _same_redemption(p, event)), None)
        if again is not None:
            # The transaction came back after a reorg: the payout (exported, maybe paid) stands.
            again.log_index, again.block_number = event["log_index"], event["block_number"]
            again.block_hash, again.reorged_at = event["block_hash"], None
            reorged.remove(again)
            continue
        if (event["tx_hash"], event["log_index"]) in known:
            continue
        new.append(
            Payout(
                tx_hash=event["tx_hash"],
                log_index=event["log_index"],
                block_number=event["block_number"],
                block_hash=event["block_hash"],
                merchant=event["account"],
                ref=event["ref"],
                units=event["amount"],
                amount_cents=euro_cents(event["amount"], euro_per_coin),
                status=FLAGGED if (event["tx_hash"], event["log_index"]) in flagged else DUE,
                flag_reason=flagged.get((event["tx_hash"], event["log_index"])),
                redeemed_at=event["block_time"],
            )
        )
    session.add_all(new)
    session.flush()
    return len(new)


def _same_redemption(payout: Payout, event: dict[str, Any]) -> bool:
    return (payout.tx_hash, payout.merchant, payout.units, payout.ref) == (
        event["tx_hash"],
        event["account"],
        event["amount"],
        event["ref"],
    )


def rollback_above(session: Session, block_number: int) -> tuple[int, int]:
    """A reorg removed every block above `block_number`: deletes the due (and flagged) payouts from those blocks
    and flags the exported or paid ones. Returns (deleted, flagged)."""
    deleted = session.execute(
        delete(Payout).where(Payout.block_number > block_number, Payout.status.in_((DUE, FLAGGED)))
    ).rowcount  # type: ignore[attr-defined]
    flagged = session.execute(
        update(Payout)
        .where(
            Payout.block_number > block_number,
            Payout.status.not_in((DUE, FLAGGED)),
            Payout.reorged_at.is_(None),
        )
        .values(reorged_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    return int(deleted or 0), int(flagged or 0)


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutView:
    payout: Payout
    merchant_name: str | None
    redemption_id: int | None


def _redemption_ids(session: Session, payouts: list[Payout]) -> dict[int, int]:
    """Payout id -> the redemption its burn was matched to (the redemption's own burn transaction)."""
    keys: dict[tuple[str, str | None], int] = {(p.ref, p.tx_hash): p.id for p in payouts if p.status != FLAGGED}
    if not keys:
        return {}
    rows = session.execute(
        select(Redemption.ref, Redemption.tx_hash, Redemption.id).where(
            Redemption.ref.in_({ref for ref, _ in keys})
        )
    )
    return {keys[(ref, tx)]: int(ident) for ref, tx, ident in rows if (ref, tx) in keys}


PAYOUT_ORDER = (paging.Key(Payout.id, int),)  # newest first


def list_payouts(
    session: Session,
    *,
    status: str | None = None,
    reorged: bool | None = None,
    batch_id: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> paging.Page[PayoutView]:
    """Payouts newest first, one page, each with its merchant's name and the redemption its burn
    was matched to (joined, never an IN list of another query's rows)."""
    matched = and_(Redemption.ref == Payout.ref, Redemption.tx_hash == Payout.tx_hash, Payout.status != FLAGGED)
    query = (
        select(Payout, Merchant.name, Redemption.id)
        .outerjoin(Merchant, Merchant.address == Payout.merchant)
        .outerjoin(Redemption, matched)
    )
    if status is not None:
        query = query.where(Payout.status == status)
    if reorged is not None:
        query = query.where(Payout.reorged_at.is_not(None) if reorged else Payout.reorged_at.is_(None))
    if batch_id is not None:
        query = query.where(Payout.batch_id == batch_id)
    rows = session.execute(paging.keyset(query, PAYOUT_ORDER, cursor, limit)).all()
    page = paging.page_of(rows, limit, lambda row: (row[0].id,))
    return paging.Page([PayoutView(p, name, link) for p, name, link in page.items], page.next)


def view_of(session: Session, payout: Payout) -> PayoutView:
    merchant = session.get(Merchant, payout.merchant)
    links = _redemption_ids(session, [payout])
    return PayoutView(payout, merchant.name if merchant else None, links.get(payout.id))


def get_batch(session: Session, batch_id: int) -> PayoutBatch:
    batch = session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound("payout batch", batch_id)
    return batch


BATCH_ORDER = (paging.Key(PayoutBatch.id, int),)  # newest first


def list_batches(session: Session, *, limit: int | None = None, cursor: str | None = None) -> paging.Page[PayoutBatch]:
    """One page of batches, newest first, without their XML (the file is only read to download it:
    loading every stored file to leave it out of the answer cost what the archive holds)."""
    query = select(PayoutBatch).options(defer(PayoutBatch.xml))
    rows = list(session.scalars(paging.keyset(query, BATCH_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda b: (b.id,))


# --- export and paid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    batch: PayoutBatch
    skipped: list[int]  # due payouts left out: no merchant record (no IBAN) or worth 0.00


def export_due(
    session: Session, settings: Settings, *, operator: str, execution_date: date | None = None
) -> Export:
    """Builds one pain.001 file of every due payout and marks them exported, in the caller's
    transaction: the file and the state change commit together or not at all. Locks the due rows
    (PostgreSQL FOR UPDATE; SQLite's write lock is taken at BEGIN) so two exports never share one."""
    due = session.execute(
        select(Payout, Merchant)
        .outerjoin(Merchant, Merchant.address == Payout.merchant)
        .where(Payout.status == DUE, Payout.reorged_at.is_(None))
        .order_by(Payout.id)
        .with_for_update(of=Payout)
    ).all()
    payable = [(p, m) for p, m in due if m is not None and p.amount_cents > 0]
    skipped = [p.id for p, m in due if m is None or p.amount_cents <= 0]
    if not payable:
        raise NothingToPay(skipped=len(skipped))
    now = utcnow()
    batch = PayoutBatch(
        message_id=f"HEITJE-{now:%Y%m%d%H%M%S}-{payable[0][0].id}",
        payout_count=len(payable),
        total_cents=sum(p.amount_cents for p, _ in payable),
        xml="",
        created_by=operator,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    batch.xml = sepa.credit_transfer(
        settings,
        message_id=batch.message_id,
        lines=[
            sepa.Line(payout_id=p.id, name=m.name, iban=m.iban, cents=p.amount_cents, ref=p.ref)
            for p, m in payable
        ],
        execution_date=execution_date or now.date(),
    )
    for payout, _ in payable:
        payout.status, payout.batch_id, payout.exported_at = EXPORTED, batch.id, now
    # audit trail and four eyes (issue 13): above SEPA_FOUR_EYES_TOTAL the batch awaits a second operator
    hold = audit.hold_if_needed(
        session, settings, batch_id=batch.id, total_cents=batch.total_cents, operator=operator
    )
    audit.record(
        session, operator, "sepa_exported", f"batch:{batch.id}",
        {"payouts": batch.payout_count, "total_cents": batch.total_cents, "awaiting_approval": hold is not None},
    )
    return Export(batch=batch, skipped=skipped)


def mark_paid(session: Session, payout_id: int, *, city: str, operator: str = "cli") -> Payout:
    """The bank paid this payout: exported -> paid (and added to the city's euros paid out this month).
    Marking a paid payout again changes nothing."""
    payout = session.get(Payout, payout_id, with_for_update=True)
    if payout is None:
        raise NotFound("payout", payout_id)
    if payout.status in (DUE, FLAGGED):
        raise PayoutNotExported(payout_id)
    if payout.status == EXPORTED:
        payout.status, payout.paid_at = PAID, utcnow()
        totals.paid(session, city, paid_at=payout.paid_at, cents=payout.amount_cents)
        audit.record(session, operator, "payout_paid", f"payout:{payout.id}", {"batch_id": payout.batch_id})
    return payout


def mark_batch_paid(session: Session, batch_id: int, *, city: str, operator: str = "cli") -> PayoutBatch:
    """The bank executed the whole file: every payout in it becomes paid (and added to the city's euros
    paid out this month)."""
    batch = get_batch(session, batch_id)
    audit.require_released(session, batch_id)  # four eyes: an unconfirmed file cannot have been paid
    now = utcnow()
    cents = session.scalar(
        select(func.coalesce(func.sum(Payout.amount_cents), 0)).where(
            Payout.batch_id == batch_id, Payout.status == EXPORTED
        )
    )
    totals.paid(session, city, paid_at=now, cents=int(cents or 0))
    session.execute(
        update(Payout)
        .where(Payout.batch_id == batch_id, Payout.status == EXPORTED)
        .values(status=PAID, paid_at=now)
    )
    if batch.paid_at is None:
        batch.paid_at = now
        audit.record(session, operator, "batch_paid", f"batch:{batch.id}", {"payouts": batch.payout_count})
    return batch
