"""Reading the chain into `chain_events`, confirmed blocks only, surviving reorgs and restarts.

One step (`index_step`) does one of three things:
1. The checkpoint's block hash is no longer the chain's hash at that height: a reorg. Walk back
   over the recorded events' blocks to the highest one still on the chain (the fork), delete what
   was recorded above it (events, and whatever the domains' reorg handlers take back) and move the
   checkpoint back to it. The next step reads again.
2. There are confirmed blocks beyond the checkpoint: read one chunk of them (at most
   settings.indexer_chunk_blocks), record its events, call the domains' handlers for them, and
   advance the checkpoint to the chunk's last block and hash, all in one transaction.
3. Nothing to do.

Domains register their handlers in `backend.indexer.handlers` (backend.wiring does it at start-up);
the indexer imports no domain.

A block is confirmed when it has settings.confirmations confirmations: the head has one, so the
newest confirmed block is head - confirmations + 1. The hash of a chunk's last block is read
before its logs: if a reorg lands in between, the stored hash is the old chain's and step 1
catches it next time. Events are unique on (tx_hash, log_index) and the checkpoint only moves
from the value it was read at (compare-and-set), so two indexers never record a log twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.chain.events import COLUMNS, decode_logs
from backend.chain.logs import LogRanges, LogSource
from backend.chain.rpc import RpcError
from backend.db import transaction, utcnow
from backend.indexer.handlers import REGISTRY, Chunk, Handlers
from backend.indexer.models import ChainEvent, IndexerCheckpoint
from backend.runtime import Runtime
from backend.settings import Settings

log = logging.getLogger("heitje.indexer")

WALK_BACK_PAGE = 64


@dataclass(frozen=True)
class Step:
    """What one step did: `kind` is "read", "reorg" or "idle"; `payouts` counts the records the
    domains' handlers made (read) or removed (reorg)."""

    kind: str
    first: int = 0
    last: int = 0
    events: int = 0
    payouts: int = 0
    more: bool = False


def _insert_ignoring_duplicates(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """INSERT ... ON CONFLICT (tx_hash, log_index) DO NOTHING, one executemany on the driver.

    Straight to the DBAPI because SQLAlchemy's per-row parameter processing costs more than the
    insert itself at 20,000 rows. The rows come from `decode_logs` with block_time already through
    the column's own bind processor (`_time_to_db`), so they are stored exactly as the ORM would."""
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns, values = ", ".join(COLUMNS), ", ".join([marker] * len(COLUMNS))
    conflict = "ON CONFLICT (tx_hash, log_index) DO NOTHING"
    sql = f"INSERT INTO chain_events ({columns}) VALUES ({values}) {conflict}"  # noqa: S608 - constants only
    connection.exec_driver_sql(sql, rows)


class Indexer:
    """The indexer of one deployment. Stateless between steps: everything lives in the database."""

    def __init__(
        self,
        runtime: Runtime,
        source: LogSource | None = None,
        settings: Settings | None = None,
        handlers: Handlers | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings or runtime.settings
        self.contract = runtime.deployment.address
        self.start_block = runtime.deployment.block
        self.source = source or runtime.chain.log_source()
        self.ranges = LogRanges()  # how many blocks one log query may span on this node
        self.handlers = handlers if handlers is not None else REGISTRY
        # block_time as the column's own bind processor stores it (see _insert_ignoring_duplicates)
        dialect = runtime.engine.dialect
        processor = ChainEvent.__table__.c.block_time.type.dialect_impl(dialect).bind_processor(dialect)
        self._time_to_db: Callable[[datetime], Any] = processor or (lambda value: value)

    # --- checkpoint -------------------------------------------------------------------------------

    def checkpoint(self) -> tuple[int, str | None]:
        """(last block read, its hash); before the first read, the block before the deployment."""
        with transaction(self.runtime.sessions) as session:
            row = session.get(IndexerCheckpoint, self.contract)
            if row is None:
                row = IndexerCheckpoint(
                    contract=self.contract, block_number=self.start_block - 1, block_hash=None
                )
                session.add(row)
            return row.block_number, row.block_hash

    def _move_checkpoint(
        self, session: Session, old: tuple[int, str | None], new: tuple[int, str | None]
    ) -> bool:
        """Compare-and-set: moves the checkpoint only if it is still `old`."""
        same_hash = (
            IndexerCheckpoint.block_hash.is_(None)
            if old[1] is None
            else IndexerCheckpoint.block_hash == old[1]
        )
        moved = session.execute(
            update(IndexerCheckpoint)
            .where(
                IndexerCheckpoint.contract == self.contract,
                IndexerCheckpoint.block_number == old[0],
                same_hash,
            )
            .values(block_number=new[0], block_hash=new[1], updated_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        return bool(moved)

    # --- one step ---------------------------------------------------------------------------------

    def step(self) -> Step:
        head = self.source.head()
        confirmed = head - self.settings.confirmations + 1
        last, last_hash = self.checkpoint()
        if last_hash is not None and self.source.block_hash(last) != last_hash:
            return self._roll_back(last, last_hash)
        if last >= confirmed:
            return Step("idle", last=last)
        return self._read(
            last, last_hash, min(confirmed, last + self.settings.indexer_chunk_blocks), confirmed
        )

    def run_until_idle(self, max_steps: int = 1_000_000) -> list[Step]:
        """Steps until nothing is left to do (tests, the benchmark, `heitje payouts sync`)."""
        steps = []
        for _ in range(max_steps):
            step = self.step()
            steps.append(step)
            if step.kind == "idle":
                break
        return steps

    def _read(self, last: int, last_hash: str | None, end: int, confirmed: int) -> Step:
        start = last + 1
        end = self.ranges.clamp(start, end)
        while True:
            end_hash = self.source.block_hash(end)
            try:
                raw = self.source.logs(start, end)
                break
            except RpcError as error:
                # Public nodes cap a query's range or result size: a shorter chunk (half, down to one
                # block), and the width the node takes is remembered for the next steps.
                end = self.ranges.refused(start, end, error)
        self.ranges.passed(start, end)
        end_hex = hex(end)  # JSON-RPC quantities are minimal hex, so equal numbers are equal strings
        if end_hash is None or any(r["blockHash"] != end_hash for r in raw if r["blockNumber"] == end_hex):
            return Step("read", start, start - 1, more=True)  # the chain moved under us; look again
        times = None
        if raw and "blockTimestamp" not in raw[0]:
            times = self.source.block_times({r["blockHash"] for r in raw})
        rows, by_kind = decode_logs(
            raw, block_times=times, time_to_db=self._time_to_db, keep=self.handlers.kinds()
        )
        chunk = None
        if self.handlers.wants_chunks():
            # The chain time the indexed chain has reached (an authorization expires by it).
            chunk = Chunk(end, self.source.block_times({end_hash}).get(end_hash))
        with transaction(self.runtime.sessions) as session:
            if not self._move_checkpoint(session, (last, last_hash), (end, end_hash)):
                return Step("read", start, start - 1, more=True)  # another indexer got here first
            if rows:
                _insert_ignoring_duplicates(session, rows)
            created = self.handlers.handle(session, by_kind, self.settings, chunk)
        return Step("read", start, end, events=len(rows), payouts=created, more=end < confirmed)

    # --- reorgs -----------------------------------------------------------------------------------

    def _fork_point(self, last: int) -> int:
        """The highest recorded block still on the chain (or the block before the deployment)."""
        with self.runtime.sessions() as session:
            below = last + 1
            while True:
                blocks = session.execute(
                    select(ChainEvent.block_number, ChainEvent.block_hash)
                    .where(ChainEvent.block_number < below)
                    .distinct()
                    .order_by(ChainEvent.block_number.desc())
                    .limit(WALK_BACK_PAGE)
                ).all()
                if not blocks:
                    return self.start_block - 1
                for number, block_hash in blocks:
                    if self.source.block_hash(number) == block_hash:
                        return int(number)
                below = blocks[-1][0]

    def _roll_back(self, last: int, last_hash: str) -> Step:
        fork = self._fork_point(last)
        fork_hash = self.source.block_hash(fork) if fork >= self.start_block else None
        with transaction(self.runtime.sessions) as session:
            if not self._move_checkpoint(session, (last, last_hash), (fork, fork_hash)):
                return Step("reorg", fork, last, more=True)
            # the handlers first: some read the events they take back (the reports' running totals)
            deleted, flagged = self.handlers.rollback(session, fork, self.settings)
            removed = session.execute(delete(ChainEvent).where(ChainEvent.block_number > fork)).rowcount  # type: ignore[attr-defined]
        log.warning(
            "reorg: block %s is no longer %s; rolled back to block %s (%s events, %s domain records removed, "
            "%s flagged for the operator)",
            last,
            last_hash,
            fork,
            removed,
            deleted,
            flagged,
        )
        return Step("reorg", fork + 1, last, events=int(removed or 0), payouts=deleted, more=True)
