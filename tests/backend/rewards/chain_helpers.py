"""Test helpers for the rewards tests: a database restored from an older backup, the mint budget set
on the real coin, and the sender ticked until the outbox settles."""

from __future__ import annotations

import time

from sqlalchemy import delete, select, text

from backend.chain.ledger import ChainTx
from backend.claims.models import Claim
from backend.db import transaction
from backend.rewards.models import Reward
from backend.rewards.sender import make_sender
from backend.runtime import Runtime
from tests.backend.claims.helpers import rewards_by_claim
from tests.support.accounts import DEPLOYER
from tests.support.chain import coin_of


def restore_backup_taken_before(runtime: Runtime, claim_id: int) -> None:
    """Leaves the database as a backup taken just before claim `claim_id` was made: the claims from
    `claim_id` on, their rewards and the sender's transactions are gone, and the claim numbering
    starts again at `claim_id`. The chain keeps everything it saw."""
    with transaction(runtime.sessions) as session:
        session.execute(delete(Reward).where(Reward.claim_id >= claim_id))
        kept = select(Reward.chain_tx_id).where(Reward.chain_tx_id.is_not(None))
        session.execute(delete(ChainTx).where(ChainTx.id.not_in(kept)))
        session.execute(delete(Claim).where(Claim.id >= claim_id))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('claims', 'id'), :n, false)"), {"n": claim_id}
            )
        else:
            session.execute(text("UPDATE sqlite_sequence SET seq = :n WHERE name = 'claims'"), {"n": claim_id - 1})


def set_mint_budget(runtime: Runtime, w3, remaining_units: int) -> None:
    """Sets the coin's mint limit (as its admin) so that `remaining_units` are left in this window."""
    coin = w3.eth.contract(address=runtime.deployment.address, abi=coin_of(runtime.chain).abi)
    day = 24 * 3600
    big = 10**12
    for limit in (big, None):
        if limit is None:
            minted = big - int(coin.functions.mintLimitRemaining().call())
            limit = minted + remaining_units
        tx = coin.functions.setMintLimit(limit, day).transact({"from": DEPLOYER.address})
        w3.eth.wait_for_transaction_receipt(tx)
    assert int(coin.functions.mintLimitRemaining().call()) == remaining_units


def tick_until(runtime: Runtime, done, *, max_ticks: int = 60) -> None:
    """Ticks a fresh sender until `done(rewards_by_claim)` holds."""
    worker = make_sender(runtime)
    try:
        for _ in range(max_ticks):
            worker.tick()
            rewards = rewards_by_claim(runtime)
            if done(rewards):
                return
            time.sleep(0.02)
        states = [(r.claim_id, r.status, r.error) for r in rewards.values()]
        raise AssertionError(f"the outbox did not settle: {states}")
    finally:
        worker.close()


def settled(rewards) -> bool:
    return all(r.status not in ("pending", "sent") for r in rewards.values())


def tx_hashes(runtime: Runtime) -> list[str]:
    with runtime.sessions() as session:
        return list(session.scalars(select(ChainTx.tx_hash).order_by(ChainTx.nonce)))


def onchain_id(runtime: Runtime, claim_id: int) -> bytes:
    """The on-chain claim id the sender uses for claim `claim_id` (with this installation's prefix)."""
    from backend.rewards.installation import claim_ids

    with transaction(runtime.sessions) as session:
        return claim_ids(session).onchain(claim_id)
