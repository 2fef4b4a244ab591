"""Rotating the minter and relayer keys without losing a reward or a payment.

Minter: (1) grant MINTER_ROLE and REGISTRAR_ROLE to the new key; (2) the operator sets MINTER_KEY to the
new key and restarts the workers, so the reward sender signs with it from then on; (3) `drain_key`
settles every transaction the old key still has in flight, with the sender's own code (a TxSender for
the old key that only progresses: receipts, confirmations, re-broadcasts, fee bumps; it collects no new
work), so each reward ends confirmed or back in the outbox for the new key; (4) revoke both roles from
the old key. Rewards pay once per claim on chain, so nothing can be paid twice on the way.

Relayer: the relayer key holds no role; once RELAYER_KEY names the new key, the old key's payments in
flight are left to be mined, then its ETH is swept to the new key.
"""

from __future__ import annotations

import time

from eth_account import Account
from sqlalchemy import func, select

from backend.chain.ledger import LIVE, ChainTx
from backend.chain.sender import TxSender
from backend.errors import KeyStillBusy
from backend.rewards.sender import SENDER_SOURCES
from backend.runtime import Runtime


def live_transactions(runtime: Runtime, address: str) -> int:
    """The sender's transactions from `address` not yet settled (stored, sent, or mined too shallow)."""
    with runtime.sessions() as session:
        query = select(func.count()).select_from(ChainTx)
        return int(session.scalar(query.where(ChainTx.key_address == address, ChainTx.status.in_(LIVE))) or 0)


def drain_key(runtime: Runtime, old_key: str, *, wait_seconds: float, poll_seconds: float = 0.2) -> int:
    """Settles the old key's transactions in flight with the sender's own progress step; returns how
    many there were. Raises KeyStillBusy if a sender for the old key is still running or some are
    still live after `wait_seconds`."""
    address = Account.from_key(old_key).address
    before = live_transactions(runtime, address)
    drainer = TxSender(runtime, key=old_key, sources=[make(runtime) for make in SENDER_SOURCES], name="drain")
    try:
        if not drainer.lock.acquire():  # the old key's sender still runs somewhere: stop it first
            raise KeyStillBusy(address, before)
        deadline = time.monotonic() + wait_seconds
        while True:
            drainer.progress()
            left = live_transactions(runtime, address)
            if left == 0:
                return before
            if time.monotonic() >= deadline:
                raise KeyStillBusy(address, left)
            time.sleep(poll_seconds)
    finally:
        drainer.close()
