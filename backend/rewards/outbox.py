"""`RewardSource`: the reward outbox as a source of `rewardBatch` transactions for the sender
(see backend.chain.sender for the protocol).

Exactly once rests on three things: the outbox row is written in the approval's transaction; the
sender stores each transaction (nonce, signed bytes, the claims it carries) before broadcasting it;
and `rewardBatch` skips claimIds already paid, so re-sending a batch after any crash pays nothing twice.

A reward is confirmed only when a `Rewarded` event for its on-chain claim id pays its citizen its
amount; an event that pays someone else or another amount flags it (with the evidence) for
operators. Batches are fitted to the coin's mint budget: what fits is sent, the rest waits.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.amounts import format_amount
from backend.chain.ledger import LIVE, ChainTx
from backend.chain.rewards import RewardPaid
from backend.chain.sender import Job, Outcome
from backend.db import utcnow
from backend.rewards.installation import ClaimIds, claim_ids
from backend.rewards.models import Reward
from backend.runtime import Runtime

log = logging.getLogger("heitje.rewards")

MAX_ATTEMPTS = 5  # mined reverts of a batch before its rewards are marked failed
WAITING_FOR_MINT_LIMIT = "waiting for the mint limit window"
MAX_STORED_UNITS = 2**63 - 1  # the BIGINT evidence column


class RewardSource:
    kind = "reward"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # --- sending ---------------------------------------------------------------------------------

    def collect(self, session: Session, limit: int) -> list[Job]:
        """Up to `limit` batches of `reward_batch_size` pending rewards, oldest claims first, fitted to
        the mint budget left in this window: a reward that does not fit waits (with a reason) and the
        ones after it that fit still go."""
        size = self.runtime.settings.reward_batch_size
        rows = session.execute(
            select(Reward.claim_id, Reward.citizen, Reward.amount_units, Reward.error)
            .where(Reward.status == "pending", Reward.chain_tx_id.is_(None))
            .order_by(Reward.claim_id)
            .limit(limit * size)
        ).all()
        if not rows:
            return []
        ids = claim_ids(session)
        budget = self.runtime.chain.mint_limit_remaining() - self._unmined_units(session)
        fitting, waiting = [], []
        for reward in rows:
            if reward.amount_units <= budget:
                fitting.append(reward)
                budget -= reward.amount_units
            else:
                waiting.append(reward)
        if waiting:
            self._note_waiting(session, waiting)
        return [
            Job(
                function="rewardBatch",
                args=(
                    [r.citizen for r in chunk],
                    [r.amount_units for r in chunk],
                    [ids.onchain(r.claim_id) for r in chunk],
                ),
                refs=[r.claim_id for r in chunk],
            )
            for chunk in (fitting[start : start + size] for start in range(0, len(fitting), size))
        ]

    def _note_waiting(self, session: Session, waiting: list[Any]) -> None:
        """Gives each reward that does not fit the mint budget the reason it waits (operators see it)."""
        per_window = self.runtime.chain.mint_limit()[0]
        reasons: dict[str, list[int]] = {}
        for reward in waiting:
            reason = WAITING_FOR_MINT_LIMIT
            if reward.amount_units > per_window:
                reason = (
                    f"waiting for a higher mint limit: {format_amount(reward.amount_units)} is more than "
                    f"the coin mints in a whole window ({format_amount(per_window)})"
                )
            if reward.error != reason:
                reasons.setdefault(reason, []).append(reward.claim_id)
        for reason, claim_numbers in reasons.items():
            session.execute(
                update(Reward).where(Reward.claim_id.in_(claim_numbers)).values(error=reason, updated_at=utcnow())
            )
            log.info("%d rewards now %s", len(claim_numbers), reason)

    @staticmethod
    def _unmined_units(session: Session) -> int:
        """Units in reward transactions sent but not mined yet: the chain's budget does not count them."""
        unmined = select(ChainTx.id).where(ChainTx.status.in_(LIVE), ChainTx.block_number.is_(None))
        total = session.scalar(
            select(func.coalesce(func.sum(Reward.amount_units), 0)).where(
                Reward.status == "sent", Reward.chain_tx_id.in_(unmined)
            )
        )
        return int(total or 0)

    def attach(self, session: Session, refs: list[Any], tx: ChainTx) -> None:
        session.execute(
            update(Reward)
            .where(Reward.claim_id.in_(refs))
            .values(status="sent", chain_tx_id=tx.id, tx_hash=tx.tx_hash, error=None, updated_at=utcnow())
        )

    def release(self, session: Session, refs: list[Any], reason: str) -> None:
        session.execute(
            update(Reward)
            .where(Reward.claim_id.in_(refs))
            .values(status="pending", chain_tx_id=None, error=reason[:500], updated_at=utcnow())
        )

    # --- settling: only a matching Rewarded event confirms ----------------------------------------

    def settle(self, session: Session, refs: list[Any], outcome: Outcome) -> None:
        if outcome.status == "confirmed":
            self._settle_confirmed(session, refs, outcome)
            return
        rows = session.scalars(select(Reward).where(Reward.claim_id.in_(refs))).all()
        for reward in rows:
            reward.attempts += 1
            reward.error = outcome.error
            reward.chain_tx_id = None
            reward.status = "failed" if reward.attempts >= MAX_ATTEMPTS else "pending"
        log.warning(
            "reward batch %s failed (%s); %d rewards back in the outbox",
            outcome.tx_hash,
            outcome.error,
            sum(1 for r in rows if r.status == "pending"),
        )

    def _settle_confirmed(self, session: Session, refs: list[Any], outcome: Outcome) -> None:
        """Judges each reward of a mined batch by the Rewarded event for its claim id: the batch's own
        (one UPDATE for all that match, the common case) or an earlier one for claims it skipped."""
        ids = claim_ids(session)
        chain = self.runtime.chain
        events = {e.claim_id: e for e in chain.rewards_in(outcome.receipt or {})}
        rows = session.execute(
            select(Reward.claim_id, Reward.citizen, Reward.amount_units).where(Reward.claim_id.in_(refs))
        ).all()
        matched, others = [], []
        for row in rows:
            event = events.get(ids.onchain_int(row.claim_id))
            if event is not None and event.pays(row.citizen, row.amount_units):
                matched.append(row.claim_id)
            else:
                others.append(row.claim_id)
        if matched:
            now = utcnow()
            session.execute(
                update(Reward)
                .where(Reward.claim_id.in_(matched))
                .values(
                    status="confirmed", tx_hash=outcome.tx_hash, error=None, confirmed_at=now, updated_at=now,
                    paid_citizen=None, paid_units=None,
                )
            )
        if not others:
            return
        # Claims the batch skipped were paid before, by another transaction: find that one.
        missing = [ids.onchain_int(n) for n in others if ids.onchain_int(n) not in events]
        for event in chain.rewards_paid(missing) if missing else []:
            events.setdefault(event.claim_id, event)
        for reward in session.scalars(select(Reward).where(Reward.claim_id.in_(others))).all():
            self._judge(reward, events.get(ids.onchain_int(reward.claim_id)), ids)

    def _judge(self, reward: Reward, event: RewardPaid | None, ids: ClaimIds) -> None:
        """Confirms the reward when `event` pays its citizen its amount, flags it when the event pays
        anyone or anything else, and puts it back in the outbox when the chain shows no payment."""
        now = utcnow()
        reward.updated_at = now
        if event is None:
            reward.status, reward.error = "pending", "the chain shows no Rewarded event for this claim yet"
            reward.chain_tx_id = None
            log.warning("reward for claim %d: no Rewarded event found; back in the outbox", reward.claim_id)
            return
        reward.tx_hash = event.tx_hash
        if event.pays(reward.citizen, reward.amount_units):
            reward.status, reward.error, reward.confirmed_at = "confirmed", None, now
            reward.paid_citizen = reward.paid_units = None
            return
        reward.status = "flagged"
        reward.paid_citizen = event.citizen_checksummed
        reward.paid_units = event.units if event.units <= MAX_STORED_UNITS else None
        reward.error = (
            f"claim id 0x{ids.onchain(reward.claim_id).hex()} was paid on chain to {event.citizen_checksummed} "
            f"({format_amount(event.units)}) in {event.tx_hash}, not to {reward.citizen} "
            f"({format_amount(reward.amount_units)}): the database and the chain disagree (restored from "
            "an older backup, or a misused minter key); this citizen has not been paid"
        )
        log.error("reward for claim %d flagged: %s", reward.claim_id, reward.error)

    def reconcile(self, session: Session) -> None:
        """On start: rewards marked sent without a live transaction go back to pending; every pending
        reward that was sent before and whose claim id the chain already paid (`confirmations` deep)
        is judged by that payment: confirmed when it paid this citizen this amount, flagged
        otherwise; never paid again."""
        live = select(ChainTx.id).where(ChainTx.status.in_(LIVE))
        session.execute(
            update(Reward)
            .where(Reward.status == "sent", Reward.chain_tx_id.is_(None) | Reward.chain_tx_id.not_in(live))
            .values(status="pending", chain_tx_id=None)
        )
        # Only rewards that were in a transaction before can have been paid by us; one the chain paid
        # although we never sent it (a restored database, a misused key) is still safe: rewardBatch
        # skips it, and settle judges it by the event that paid it.
        pending = session.scalars(
            select(Reward).where(
                Reward.status == "pending", Reward.chain_tx_id.is_(None), Reward.tx_hash.is_not(None)
            )
        ).all()
        if not pending:
            return
        ids = claim_ids(session)
        chain = self.runtime.chain
        deep_enough = chain.latest_block() - self.runtime.settings.confirmations + 1
        paid = {
            e.claim_id: e
            for e in chain.rewards_paid([ids.onchain_int(r.claim_id) for r in pending])
            if e.block_number <= deep_enough
        }
        for reward in pending:
            event = paid.get(ids.onchain_int(reward.claim_id))
            if event is not None:
                self._judge(reward, event, ids)
                log.info("reconcile: claim %d was already rewarded on chain (%s): %s",
                         reward.claim_id, event.tx_hash, reward.status)
