"""The ledger of every transaction a backend key sends (`chain_txs`), and the one-sender-per-key lock.

Each row is one nonce of one key. The sender allocates the nonce, signs, and commits the row (with
the signed bytes and their hash) BEFORE it broadcasts, so a crash at any point leaves a row that the
next start re-broadcasts or finds mined; nothing is sent that the database does not know about.

Status: pending (signed and stored, maybe not broadcast) -> sent (the node has it) -> confirmed
(mined with status 1 and `settings.confirmations` deep) | failed (mined and reverted, with the reason).
A fee-bumped replacement keeps the row and nonce and adds its hash to `hashes`; whichever of them is
mined settles the row.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, Integer, String, Text, UniqueConstraint, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.db import Base, UTCDateTime, utcnow

log = logging.getLogger("heitje.sender")

TX_STATUSES = ("pending", "sent", "confirmed", "failed")
LIVE = ("pending", "sent")


class ChainTx(Base):
    __tablename__ = "chain_txs"
    __table_args__ = (UniqueConstraint("key_address", "nonce", name="uq_chain_txs_key_nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_address: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # the TxSource.kind that asked for it
    function: Mapped[str] = mapped_column(String(64))  # the coin's function, e.g. "rewardBatch"
    refs: Mapped[str] = mapped_column(Text, default="[]")  # JSON list: the source's ids this tx settles
    to_address: Mapped[str] = mapped_column(String(42))
    calldata: Mapped[str] = mapped_column(Text)  # 0x-hex
    gas: Mapped[int] = mapped_column(Integer)
    max_fee: Mapped[str] = mapped_column(String(78))  # wei as a decimal string (exceeds 64 bits)
    priority_fee: Mapped[str] = mapped_column(String(78))
    raw_tx: Mapped[str] = mapped_column(Text)  # the latest signed transaction, 0x-hex
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)  # the latest signed transaction's hash
    hashes: Mapped[str] = mapped_column(
        Text, default="[]"
    )  # JSON list of every hash broadcast for this nonce
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # broadcasts, replacements included
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    block_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def ref_list(self) -> list[Any]:
        return list(json.loads(self.refs or "[]"))

    @property
    def hash_list(self) -> list[str]:
        return list(json.loads(self.hashes or "[]"))

    def add_hash(self, tx_hash: str) -> None:
        hashes = self.hash_list
        if tx_hash not in hashes:
            hashes.append(tx_hash)
        self.hashes = json.dumps(hashes)
        self.tx_hash = tx_hash


def next_nonce(session: Session, key_address: str, chain_count: int) -> int:
    """The nonce for a new transaction of `key_address`: after everything mined (`chain_count`, the
    node's `latest` transaction count) and after every live row. Rows that never reached the node
    are deleted by the sender, so they hold no nonce."""
    highest = session.scalar(
        select(func.max(ChainTx.nonce)).where(ChainTx.key_address == key_address, ChainTx.status.in_(LIVE))
    )
    return max(chain_count, (highest + 1) if highest is not None else 0)


class SenderBusy(RuntimeError):
    """Another process already runs the sender for this key."""


class SenderLock:
    """One sender per key at a time. PostgreSQL: a session advisory lock held on a dedicated
    connection; SQLite: an exclusive `flock` on a file next to the database file.

    A PostgreSQL advisory lock lives only as long as its connection: if the server ends that
    connection (`pg_terminate_backend`, a restart, a network cut) the lock is gone and another
    process may take it. So `acquire` checks, every time it is called while held, that the
    connection is alive and still holds the lock; if not it drops the connection and tries to take
    the lock afresh. `acquisitions` counts fresh takes, so the sender can tell that it lost the lock
    in between (and another process may have sent meanwhile)."""

    def __init__(self, engine: Engine, key_address: str) -> None:
        self.engine = engine
        self.key_address = key_address
        self.acquisitions = 0
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def _lock_id(self) -> int:
        digest = hashlib.sha256(f"heitje-sender:{self.key_address.lower()}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def acquire(self) -> bool:
        """Takes the lock if free; returns whether this process holds it now."""
        if self._file is not None or (self._conn is not None and self.still_held()):
            return True
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            try:
                got = bool(
                    conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._lock_id()}).scalar()
                )
                conn.commit()
            except BaseException:
                conn.close()
                raise
            if not got:
                conn.close()
                return False
            self._conn = conn
            self.acquisitions += 1
            return True
        handle = open(self._lock_path(), "a")  # noqa: SIM115 - held for the sender's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        self.acquisitions += 1
        return True

    def still_held(self) -> bool:
        """Whether the lock taken earlier is still ours. For PostgreSQL, asks the server over the
        lock's own connection whether that session holds the advisory lock (`pg_locks` shows a
        bigint key as classid = high 32 bits, objid = low 32 bits, objsubid = 1); a dead connection
        or a missing lock drops the connection and marks the lock not held."""
        if self._file is not None:
            return True
        if self._conn is None:
            return False
        key = self._lock_id() & 0xFFFF_FFFF_FFFF_FFFF
        query = text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1)"
        )
        try:
            ours = bool(self._conn.execute(query, {"hi": key >> 32, "lo": key & 0xFFFF_FFFF}).scalar())
            self._conn.commit()
        except DBAPIError as exc:
            log.warning("sender lock for %s lost: its database connection failed (%s)", self.key_address, exc)
            ours = False
        else:
            if not ours:
                log.warning("sender lock for %s lost: the database no longer shows it held", self.key_address)
        if not ours:
            self._drop_connection()
        return ours

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.invalidate()  # never back to the pool: it may be dead, or hold the lock in a strange state
            conn.close()
        except DBAPIError:
            pass

    def _lock_path(self) -> Path:
        database = self.engine.url.database
        if not database or database == ":memory:":
            base = Path("/tmp") / "heitje"  # noqa: S108 - an in-memory database has no directory of its own
            base.mkdir(parents=True, exist_ok=True)
            return base / f"sender-{self.key_address.lower()}.lock"
        path = Path(database)
        return path.with_name(f"{path.name}.sender-{self.key_address.lower()}.lock")

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._lock_id()})
                self._conn.commit()
            except DBAPIError:
                self._drop_connection()  # the connection died, and the lock with it
            else:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
