"""`RewardSource`: the reward outbox as a source of `rewardBatch` transactions for the sender
(see backend.chain.sender for the protocol).

Exactly once rests on three things: the outbox row is written in the approval's transaction; the
sender stores each transaction (nonce, signed bytes, the claims it carries) before broadcasting it;
and `rewardBatch` skips claimIds already paid, so re-sending a batch after any crash pays nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from web3 import Web3

from backend.chain.client import chain_call, claim_id_bytes
from backend.chain.ledger import LIVE, ChainTx
from backend.chain.sender import Job, Outcome
from backend.db import utcnow
from backend.rewards.models import Reward
from backend.runtime import Runtime

log = logging.getLogger("heitje.rewards")

REWARDED_TOPIC = Web3.keccak(text="Rewarded(bytes32,address,uint256)").to_0x_hex()
MAX_ATTEMPTS = 5  # mined reverts of a batch before its rewards are marked failed


class RewardSource:
    kind = "reward"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self, session: Session, limit: int) -> list[Job]:
        """Up to `limit` batches of `reward_batch_size` pending rewards, oldest claims first."""
        size = self.runtime.settings.reward_batch_size
        rows = session.execute(
            select(Reward.claim_id, Reward.citizen, Reward.amount_units)
            .where(Reward.status == "pending", Reward.chain_tx_id.is_(None))
            .order_by(Reward.claim_id)
            .limit(limit * size)
        ).all()
        jobs = []
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            jobs.append(
                Job(
                    function="rewardBatch",
                    args=(
                        [r.citizen for r in chunk],
                        [r.amount_units for r in chunk],
                        [claim_id_bytes(r.claim_id) for r in chunk],
                    ),
                    refs=[r.claim_id for r in chunk],
                )
            )
        return jobs

    def attach(self, session: Session, refs: list[Any], tx: ChainTx) -> None:
        session.execute(
            update(Reward)
            .where(Reward.claim_id.in_(refs))
            .values(status="sent", chain_tx_id=tx.id, tx_hash=tx.tx_hash, updated_at=utcnow())
        )

    def release(self, session: Session, refs: list[Any], reason: str) -> None:
        session.execute(
            update(Reward)
            .where(Reward.claim_id.in_(refs))
            .values(status="pending", chain_tx_id=None, error=reason[:500], updated_at=utcnow())
        )

    def settle(self, session: Session, refs: list[Any], outcome: Outcome) -> None:
        now = utcnow()
        if outcome.status == "confirmed":
            paid = self._paid_by(outcome.receipt)
            session.execute(
                update(Reward)
                .where(Reward.claim_id.in_(refs))
                .values(
                    status="confirmed", tx_hash=outcome.tx_hash, error=None, confirmed_at=now, updated_at=now
                )
            )
            for claim_id in set(refs) - paid:  # paid before, by another transaction: record that one
                session.execute(
                    update(Reward)
                    .where(Reward.claim_id == claim_id)
                    .values(tx_hash=self._reward_tx(claim_id))
                )
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

    def reconcile(self, session: Session) -> None:
        """On start: rewards marked sent without a live transaction go back to pending; every pending
        reward that was sent before and that the chain already paid is confirmed (with the paying
        transaction), never paid again."""
        live = select(ChainTx.id).where(ChainTx.status.in_(LIVE))
        session.execute(
            update(Reward)
            .where(Reward.status == "sent", Reward.chain_tx_id.is_(None) | Reward.chain_tx_id.not_in(live))
            .values(status="pending", chain_tx_id=None)
        )
        # Only rewards that were in a transaction before can have been paid; a reward never sent that
        # the chain paid anyway (a lost database record) is still safe: rewardBatch skips it, and
        # settle records the transaction that paid it.
        pending = session.scalars(
            select(Reward).where(
                Reward.status == "pending", Reward.chain_tx_id.is_(None), Reward.tx_hash.is_not(None)
            )
        ).all()
        chain = self.runtime.chain
        for reward in pending:
            if chain.is_rewarded(reward.claim_id):
                reward.status, reward.confirmed_at, reward.error = "confirmed", utcnow(), None
                reward.tx_hash = self._reward_tx(reward.claim_id)
                log.info(
                    "reconcile: claim %d was already rewarded on chain (%s)", reward.claim_id, reward.tx_hash
                )

    def _paid_by(self, receipt: Any) -> set[int]:
        """Claim numbers this receipt's Rewarded events paid (topics read directly: web3's event
        decoding is slow for a batch's 200 logs)."""
        coin = self.runtime.chain.coin.address.lower()
        return {
            int(entry["topics"][1], 16)
            for entry in receipt["logs"]
            if entry["address"].lower() == coin
            and len(entry["topics"]) == 3
            and entry["topics"][0] == REWARDED_TOPIC
        }

    @chain_call
    def _reward_tx(self, claim_id: int) -> str | None:
        chain = self.runtime.chain
        logs = chain.coin.events.Rewarded().get_logs(
            argument_filters={"claimId": claim_id_bytes(claim_id)}, from_block=chain.deployment.block
        )
        return logs[0]["transactionHash"].to_0x_hex() if logs else None
