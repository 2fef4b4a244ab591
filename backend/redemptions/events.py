"""The indexer's handlers for redemptions and their payouts (one lifecycle): the one place where a
confirmed `Redeemed` event moves a redemption on and creates what the city owes.

A burn under a ref we issued is that redemption's only when merchant, ref and amount all agree
(`service.matches`) and the redemption was not burnt already by another transaction: it becomes
`burned` and its payout `due`. A burn under our ref that disagrees (another merchant's, another
amount, a second burn) leaves the redemption alone; its payout is `flagged` for the operator. A burn
under a ref we never issued (a merchant calling `redeem` with its own ref) is paid as before: due.

A `sent` redemption whose relayed authorization can no longer be used (AuthorizationCanceled, or the
indexed chain reached its validBefore without a burn) is `failed`; a matching burn still wins later
(the merchant may call `redeem` with the ref itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.indexer.models import AUTH_CANCELED, REDEEMED
from backend.payouts import service as payouts
from backend.redemptions.models import BURNED, FAILED, SENT, Redemption
from backend.redemptions.service import matches


def on_events(
    session: Session,
    events: Sequence[dict[str, Any]],
    *,
    euro_per_coin: Decimal,
    through: tuple[int, datetime] | None = None,
) -> int:
    """Matches the chunk's burns to redemptions and records their payouts, then fails relayed
    redemptions whose authorization can no longer be used as of `through` (the chunk's last block).
    Returns payouts created."""
    burns = [e for e in events if e["kind"] == REDEEMED]
    created = _record_burns(session, burns, euro_per_coin) if burns else 0
    _fail_unusable(session, [e for e in events if e["kind"] == AUTH_CANCELED], through)
    return created


def _fail_unusable(session: Session, cancels: list[dict[str, Any]], through: tuple[int, datetime] | None) -> None:
    for event in cancels:
        session.execute(
            update(Redemption)
            .where(
                Redemption.merchant == event["account"],
                Redemption.auth_nonce == event["ref"],
                Redemption.status == SENT,
            )
            .values(status=FAILED, reason="authorization cancelled", block_number=event["block_number"])
        )
    if through is not None:
        block_number, block_time = through
        session.execute(
            update(Redemption)
            .where(Redemption.status == SENT, Redemption.valid_before <= int(block_time.timestamp()))
            .values(status=FAILED, reason="authorization expired unused", block_number=block_number)
        )


def _record_burns(session: Session, burns: list[dict[str, Any]], euro_per_coin: Decimal) -> int:
    rows = {
        r.ref: r
        for r in session.scalars(select(Redemption).where(Redemption.ref.in_({e["ref"] for e in burns})))
    }
    flagged: dict[tuple[str, int], str] = {}
    for event in burns:
        row = rows.get(event["ref"])
        if row is None:
            continue
        if not matches(row, merchant=event["account"], amount=event["amount"]):
            flagged[(event["tx_hash"], event["log_index"])] = (
                f"burn under redemption {row.id}'s ref by {event['account']} of {event['amount']} units; "
                f"the redemption is {row.merchant}'s for {row.amount} units"
            )
        elif row.status == BURNED and row.tx_hash != event["tx_hash"]:
            flagged[(event["tx_hash"], event["log_index"])] = (
                f"a second burn for redemption {row.id} (first: {row.tx_hash})"
            )
        else:
            row.status, row.reason, row.verified_at = BURNED, None, utcnow()
            row.tx_hash, row.block_number = event["tx_hash"], event["block_number"]
    session.flush()
    return payouts.record_redemptions(session, burns, euro_per_coin, flagged=flagged)


def on_reorg(session: Session, fork_block: int) -> int:
    """Facts above `fork_block` left the chain: those redemptions are `sent` again (the transaction
    may be mined again; the indexer then decides anew). Payouts: see payouts.rollback_above."""
    moved = session.execute(
        update(Redemption)
        .where(Redemption.block_number > fork_block, Redemption.status.in_((BURNED, FAILED)))
        .values(status=SENT, verified_at=None, block_number=None, reason=None)
    ).rowcount  # type: ignore[attr-defined]
    return int(moved or 0)
