"""`MerchantSource`: the registry's on-chain `setMerchant` calls, sent by the persistent sender
(backend.chain.sender) with the minter key, which holds REGISTRAR_ROLE.

A ref is "<address>:<0|1>", the merchant and the `accepted` value its transaction sets, so a
transaction that settles after the operator changed their mind is recognised and ignored (the
newer intent has its own transaction). setMerchant is idempotent, so a repeat is harmless.

chain_status: pending (waiting for the sender) -> sent -> confirmed | failed (mined and reverted,
`chain_error` says why). A job the sender could not send (the node refused it, or it would revert)
stays pending with the reason in `chain_error`, and is retried on a later tick.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain.ledger import LIVE, ChainTx
from backend.chain.sender import Job, Outcome
from backend.db import utcnow
from backend.merchants.models import Merchant
from backend.runtime import Runtime

log = logging.getLogger("heitje.merchants")

KIND = "merchant"


def make_ref(address: str, accepted: bool) -> str:
    return f"{address}:{int(accepted)}"


def parse_ref(ref: str) -> tuple[str, bool]:
    address, _, accepted = str(ref).partition(":")
    return address, accepted == "1"


class MerchantSource:
    kind = KIND

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self, session: Session, limit: int) -> list[Job]:
        rows = session.scalars(
            select(Merchant)
            .where(Merchant.chain_status == "pending")
            .order_by(Merchant.updated_at)
            .limit(limit)
        ).all()
        return [Job("setMerchant", (m.address, m.active), [make_ref(m.address, m.active)]) for m in rows]

    def attach(self, session: Session, refs: list[Any], tx: ChainTx) -> None:
        for merchant, accepted in self._rows(session, refs):
            if merchant.active == accepted:
                merchant.chain_status, merchant.chain_tx_hash, merchant.chain_error = "sent", tx.tx_hash, None

    def release(self, session: Session, refs: list[Any], reason: str) -> None:
        for merchant, accepted in self._rows(session, refs):
            if merchant.active == accepted:
                merchant.chain_status, merchant.chain_error = "pending", reason[:500]

    def settle(self, session: Session, refs: list[Any], outcome: Outcome) -> None:
        for merchant, accepted in self._rows(session, refs):
            if merchant.active != accepted:
                continue  # the operator changed their mind since; that change has its own transaction
            merchant.chain_tx_hash = outcome.tx_hash or merchant.chain_tx_hash
            if outcome.status == "confirmed":
                merchant.chain_status, merchant.chain_error = "confirmed", None
            else:
                merchant.chain_status, merchant.chain_error = "failed", (outcome.error or "reverted")[:500]
            merchant.updated_at = utcnow()

    def reconcile(self, session: Session) -> None:
        """After a restart: a merchant marked sent whose transaction is no longer live, or failed,
        is compared with the chain: already right -> confirmed; otherwise queued again."""
        live_refs = {
            ref
            for tx in session.scalars(select(ChainTx).where(ChainTx.kind == KIND, ChainTx.status.in_(LIVE)))
            for ref in tx.ref_list
        }
        unsettled = session.scalars(
            select(Merchant).where(Merchant.chain_status.in_(("pending", "sent", "failed")))
        )
        for merchant in unsettled:
            if merchant.chain_status == "sent" and make_ref(merchant.address, merchant.active) in live_refs:
                continue
            on_chain = self.runtime.chain.is_merchant(merchant.address)
            if on_chain == merchant.active:
                merchant.chain_status, merchant.chain_error = "confirmed", None
            elif merchant.chain_status != "pending":
                log.info(
                    "merchant %s: chain says %s, registry says %s; queueing setMerchant again",
                    merchant.address,
                    on_chain,
                    merchant.active,
                )
                merchant.chain_status = "pending"

    @staticmethod
    def _rows(session: Session, refs: list[Any]) -> list[tuple[Merchant, bool]]:
        found = []
        for ref in refs:
            address, accepted = parse_ref(ref)
            merchant = session.get(Merchant, address)
            if merchant is not None:
                found.append((merchant, accepted))
        return found
