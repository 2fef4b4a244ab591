"""The start-up check that the database is not behind the chain, and the way out when it is.

A database restored from an older backup forgets claims the chain already paid; its claim numbering
restarts below them, so the next claims would get ids the chain has paid (to other citizens). The
sender would flag those (never confirm them), but it is better not to start: `heitje up` and
`heitje worker` call `check_database_not_behind_chain` first.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, text

from backend.claims.models import Claim
from backend.db import transaction
from backend.errors import DatabaseBehindChain
from backend.rewards.installation import INSTALLATION_ROW, claim_ids
from backend.rewards.models import Installation, Reward
from backend.runtime import Runtime

log = logging.getLogger("heitje.rewards")

REORG_MARGIN = 64  # blocks re-read at every start: deeper than any reorganisation we expect

IN_BATCH = 2_000  # ids per IN list: far below any database's parameter limit


def check_database_not_behind_chain(runtime: Runtime) -> None:
    """Raises DatabaseBehindChain when the chain holds a `Rewarded` event for a claim id under this
    installation's prefix whose claim has no reward in the database. Rewards of other installations
    (other prefixes) on the same coin are not ours and are ignored. Blocks a previous start found
    in order are not read again (`Installation.checked_through_block`), except the last
    REORG_MARGIN, which a reorganisation may still change."""
    chain = runtime.chain
    with transaction(runtime.sessions) as session:
        ids = claim_ids(session)
        row = session.get(Installation, INSTALLATION_ROW)
        assert row is not None
        head = chain.latest_block()
        paid = {
            number
            for event in chain.rewards_with_prefix(ids.prefix, from_block=row.checked_through_block + 1, to_block=head)
            if (number := ids.number_of(event.claim_id)) is not None
        }
        wanted, known = sorted(paid), set()
        for start in range(0, len(wanted), IN_BATCH):  # a first start reads the whole chain: batched lookups
            part = wanted[start : start + IN_BATCH]
            known |= set(session.scalars(select(Reward.claim_id).where(Reward.claim_id.in_(part))))
        unknown = sorted(n for n in paid - known if n > ids.lost_claims_through)
        if unknown:
            highest = session.scalar(select(func.max(Claim.id))) or 0
            raise DatabaseBehindChain(unknown, int(highest))
        settled = head - max(REORG_MARGIN, runtime.settings.confirmations)
        row.checked_through_block = max(row.checked_through_block, settled)


def skip_claim_numbers_past(runtime: Runtime, number: int) -> None:
    """Accepts the claims up to `number` that the chain paid and the database lost as lost, and makes
    the next claim's number greater than `number` (never smaller than it would be anyway)."""
    with transaction(runtime.sessions) as session:
        claim_ids(session)
        row = session.get(Installation, INSTALLATION_ROW)
        assert row is not None
        row.lost_claims_through = max(row.lost_claims_through, number)
        highest = int(session.scalar(select(func.max(Claim.id))) or 0)
        if number <= highest:
            return
        if session.get_bind().dialect.name == "postgresql":
            sequence = session.scalar(text("SELECT pg_get_serial_sequence('claims', 'id')"))
            last = int(session.scalar(text(f"SELECT last_value FROM {sequence}")) or 0)  # noqa: S608 - a name the database gave
            session.execute(text("SELECT setval(:s, :n)"), {"s": sequence, "n": max(last, number)})
        else:
            updated = session.execute(
                text("UPDATE sqlite_sequence SET seq = MAX(seq, :n) WHERE name = 'claims'"), {"n": number}
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('claims', :n)"), {"n": number})
    log.warning("claim numbers now continue after %d", number)
