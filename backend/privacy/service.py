"""A citizen's data rights: everything Heitje holds about an address (export), and erasure.

Erasure keeps the books and nothing else: claims stay as amounts, tasks and dates under a random
pseudonym that is not derived from the address; photos, notes, reject reasons and sign-in times go.
The chain is never touched (it holds only the wallet address and amounts, by design), and nor is the
indexer's copy of it (`chain_events`): it is the city's ledger, public on every node anyway.
docs/privacy.md says what is kept, why and for how long.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import Operator
from backend.amounts import format_amount
from backend.auth.roles import is_operator
from backend.claims.models import Claim
from backend.claims.photos import photo_path
from backend.db import transaction, utcnow
from backend.errors import ErasureBlocked
from backend.indexer.models import REDEEMED, REWARDED, TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.payments.models import Payment
from backend.payouts.models import Payout
from backend.privacy.models import ERASURES, NOTES, PHOTOS, REMOVAL_KINDS, SIGN_INS, Removal, SignIn
from backend.redemptions.models import Redemption
from backend.rewards.models import Reward
from backend.runtime import Runtime
from backend.settings import Settings
from backend.tasks.models import Task

ERASED_PREFIX = "erased-"  # claims.citizen of an erased citizen: "erased-" + 32 random hex digits
BOOKS_YEARS = 7  # Art. 52 AWR: the city keeps its books seven years


def citizen_pseudonym(settings: Settings, address: str) -> str:
    """The stable name the yearly statement gives a citizen besides the address (a keyed hash, so it
    cannot be computed from the address without the city's SECRET_KEY)."""
    digest = hmac.new(settings.secret_key.encode(), b"statement:" + address.lower().encode(), hashlib.sha256)
    code = digest.hexdigest()[:12].upper()
    return f"H-{code[:4]}-{code[4:8]}-{code[8:]}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def export(session: Session, settings: Settings, address: str, *, contract: str) -> dict[str, Any]:
    """Everything the database holds about `address`, as plain JSON-ready values."""
    tasks = {
        t.id: t
        for t in session.scalars(select(Task).join(Claim, Claim.task_id == Task.id).where(Claim.citizen == address))
    }
    rewards = {r.claim_id: r for r in session.scalars(select(Reward).where(Reward.citizen == address))}
    claims = []
    for claim in session.scalars(select(Claim).where(Claim.citizen == address).order_by(Claim.id)):
        task = tasks.get(claim.task_id)
        reward = rewards.get(claim.id)
        claims.append(
            {
                "id": claim.id,
                "task_id": claim.task_id,
                "task": task.title if task else None,
                "district": task.district if task else None,
                "status": claim.status,
                "note": claim.note,
                "photo": {"url": f"/api/v1/claims/{claim.id}/photo", "type": claim.photo_type}
                if claim.photo_file
                else None,
                "reject_reason": claim.reject_reason,
                "claimed_at": _iso(claim.created_at),
                "submitted_at": _iso(claim.submitted_at),
                "decided_at": _iso(claim.reviewed_at),
                "reward": {
                    "amount": format_amount(reward.amount_units),
                    "status": reward.status,
                    "year": reward.year,
                    "tx_hash": reward.tx_hash,
                    "confirmed_at": _iso(reward.confirmed_at),
                }
                if reward
                else None,
            }
        )
    events = session.scalars(
        select(ChainEvent)
        .where(or_(ChainEvent.account == address, ChainEvent.counterparty == address))
        .order_by(ChainEvent.block_number, ChainEvent.log_index)
    )
    ledger = [
        {
            "event": event.kind,
            "amount": format_amount(event.amount or 0),
            "from": event.account if event.kind == TRANSFER else None,
            "to": event.counterparty if event.kind == TRANSFER else None,
            "claim_id": int(event.ref, 16) if event.kind == REWARDED and event.ref else None,
            "ref": event.ref if event.kind == REDEEMED else None,
            "tx_hash": event.tx_hash,
            "block_time": _iso(event.block_time),
        }
        for event in events
        if event.kind in (REWARDED, TRANSFER, REDEEMED)
    ]
    payments = [
        {
            "from": p.from_address,
            "to": p.to_address,
            "amount": format_amount(p.value),
            "status": p.status,
            "tx_hash": p.tx_hash,
            "created_at": _iso(p.created_at),
        }
        for p in session.scalars(
            select(Payment)
            .where(or_(Payment.from_address == address, Payment.to_address == address))
            .order_by(Payment.id)
        )
    ]
    merchant = session.get(Merchant, address)
    operator = session.get(Operator, address)
    out: dict[str, Any] = {
        "address": address,
        "pseudonym": citizen_pseudonym(settings, address),
        "city": settings.city_name,
        "coin": contract,
        "generated_at": _iso(utcnow()),
        "claims": claims,
        "rewards_on_chain": [e for e in ledger if e["event"] == REWARDED],
        "chain_events": [e for e in ledger if e["event"] != REWARDED],
        "payments": payments,
        "sign_ins": [
            _iso(moment)
            for moment in session.scalars(
                select(SignIn.signed_in_at).where(SignIn.address == address).order_by(SignIn.signed_in_at)
            )
        ],
        "retention": {
            "photos_and_notes_days_after_decision": settings.retention_days,
            "sign_ins_days": settings.retention_days,
            "books_years": BOOKS_YEARS,
        },
    }
    if merchant is not None:
        out["merchant"] = {
            "name": merchant.name,
            "iban": merchant.iban,
            "active": merchant.active,
            "registered_at": _iso(merchant.created_at),
        }
        out["redemptions"] = [
            {
                "ref": r.ref,
                "amount": format_amount(r.amount),
                "status": r.status,
                "tx_hash": r.tx_hash,
                "created_at": _iso(r.created_at),
            }
            for r in session.scalars(select(Redemption).where(Redemption.merchant == address).order_by(Redemption.id))
        ]
        out["payouts"] = [
            {
                "amount_eur": format_amount(p.amount_cents),
                "status": p.status,
                "redeemed_at": _iso(p.redeemed_at),
                "paid_at": _iso(p.paid_at),
            }
            for p in session.scalars(select(Payout).where(Payout.merchant == address).order_by(Payout.id))
        ]
    if operator is not None:
        out["operator"] = {"added_by": operator.added_by, "added_at": _iso(operator.created_at)}
    return out


@dataclass
class Erased:
    """What an erasure did: the pseudonym the kept claims now carry, and what was removed."""

    pseudonym: str
    claims: int = 0
    photos: int = 0
    notes: int = 0
    sign_ins: int = 0
    payments: int = 0
    rewards_pseudonymised: int = 0
    rewards_kept_for_cap: int = 0
    photo_files: list[str] = field(default_factory=list)  # to delete once the transaction commits


def _refuse_while_busy(session: Session, runtime: Runtime, address: str) -> None:
    if is_operator(runtime, session, address):
        raise ErasureBlocked(address, "it is an operator's address; remove the operator first", "operator")
    if session.get(Merchant, address) is not None:
        raise ErasureBlocked(address, "it is a registered shop's address (the city's business books)", "merchant")
    open_claim = session.scalar(
        select(Claim.id).where(Claim.citizen == address, Claim.status.in_(("claimed", "submitted"))).limit(1)
    )
    if open_claim is not None:
        raise ErasureBlocked(address, f"claim {open_claim} is still waiting for a decision", "open_claim")
    unpaid = session.scalar(
        select(Reward.claim_id).where(Reward.citizen == address, Reward.status.in_(("pending", "sent"))).limit(1)
    )
    if unpaid is not None:
        raise ErasureBlocked(address, f"the reward for claim {unpaid} is not on the chain yet", "unpaid_reward")
    relaying = session.scalar(
        select(Payment.id).where(Payment.from_address == address, Payment.status == "sent").limit(1)
    )
    if relaying is not None:
        raise ErasureBlocked(address, "a payment is still being relayed", "payment_relaying")


def erase(session: Session, runtime: Runtime, address: str) -> Erased:
    """Erases `address` inside the caller's transaction. Delete `Erased.photo_files` after it commits
    (`delete_photo_files`): a failed commit must not leave claims pointing at deleted photos.

    Rewards of the current calendar year keep the address until the year is over: the yearly cap
    (invariant 4) is counted per address, and the retention worker moves them to the pseudonym then."""
    _refuse_while_busy(session, runtime, address)
    result = Erased(pseudonym=ERASED_PREFIX + secrets.token_hex(16))
    claims = list(session.scalars(select(Claim).where(Claim.citizen == address)))
    for claim in claims:
        if claim.photo_file:
            result.photo_files.append(claim.photo_file)
        result.notes += int(bool(claim.note))
        claim.citizen = result.pseudonym
        claim.note = claim.photo_file = claim.photo_type = claim.reject_reason = None
    result.claims = len(claims)
    result.photos = len(result.photo_files)
    year = utcnow().year
    moved = session.execute(
        update(Reward).where(Reward.citizen == address, Reward.year < year).values(citizen=result.pseudonym)
    )
    result.rewards_pseudonymised = int(moved.rowcount)  # type: ignore[attr-defined]
    result.rewards_kept_for_cap = int(
        session.scalar(select(func.count()).select_from(Reward).where(Reward.citizen == address, Reward.year == year))
        or 0
    )
    # The signature only proved the payer's consent while relaying; the chain's Transfer is the record now.
    paid = session.execute(
        update(Payment).where(Payment.from_address == address).values(from_address=result.pseudonym, signature="")
    )
    result.payments = int(paid.rowcount)  # type: ignore[attr-defined]
    gone = session.execute(delete(SignIn).where(SignIn.address == address))
    result.sign_ins = int(gone.rowcount)  # type: ignore[attr-defined]
    count_removals(
        session, "erasure", {ERASURES: 1, PHOTOS: result.photos, NOTES: result.notes, SIGN_INS: result.sign_ins}
    )
    return result


def delete_photo_files(photo_dir: Path, names: list[str]) -> int:
    """Deletes the named proof photos from disk; returns how many were there."""
    deleted = 0
    for name in names:
        try:
            photo_path(photo_dir, name).unlink()
            deleted += 1
        except FileNotFoundError:
            pass
    return deleted


def count_removals(session: Session, reason: str, counts: dict[str, int]) -> None:
    for kind, count in counts.items():
        if count:
            session.add(Removal(kind=kind, count=count, reason=reason, removed_at=utcnow()))


def removal_totals(session: Session) -> dict[str, int]:
    """Everything retention and erasure have removed so far, per kind (for the council report)."""
    totals = dict.fromkeys(REMOVAL_KINDS, 0)
    for kind, count in session.execute(select(Removal.kind, func.sum(Removal.count)).group_by(Removal.kind)):
        totals[kind] = int(count or 0)
    return totals


def erase_address(runtime: Runtime, address: str) -> Erased:
    """Erases `address` in one transaction, then deletes its photo files from disk."""
    with transaction(runtime.sessions) as session:
        result = erase(session, runtime, address)
    delete_photo_files(runtime.settings.photo_dir, result.photo_files)
    return result
