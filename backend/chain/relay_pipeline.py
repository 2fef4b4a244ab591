"""The relaying task: one per relayer key per process, sending other threads' relays back to back.

A request thread checks its authorization (signature, window, bounds) and simulates the call
(`Relayer.simulate`) without any lock, then hands a `RelayJob` to the key's pipeline and waits on
its future for the answer (the transaction hash, which the API's 201 carries). The pipeline's one
thread takes everything queued (up to MAX_BATCH jobs) as one batch and, in ONE database
transaction:

1. `job.claim(session)` for each job (in the order of their keys): records the relay (a payments
   row, say), or answers without sending (the same relay was recorded before: idempotency stays
   with the domain, on its unique keys);
2. takes the relayer's nonce row lock (`relayer_nonces`: `SELECT ... FOR UPDATE` on PostgreSQL,
   SQLite's write lock), allocates consecutive nonces, signs each call and broadcasts them all in one
   JSON-RPC batch request over the chain's pooled session (`Relayer.send_batch`);
3. `job.sent(session, tx_hash)` records each hash, `job.refused(session)` undoes the claim of a
   call the node refused (nothing of it was sent), and commits the lot; then every future is
   answered.

So the lock is held once per batch (a claim is a few inserts; the broadcast is one round trip)
rather than once per relay across a signature check, a simulation, two node questions and a send.

Several API processes on one database: each has its own pipeline, and the nonce row lock serialises
their batches: a batch reads the row's `next_nonce` (or the node's pending count, see
`backend.chain.relayer`), allocates, broadcasts and moves the row on before it commits, so the next
batch of any process starts after the last nonce the node accepted. A per-process nonce block (a
lease) would be cheaper still but leaves gaps when a process dies holding unused nonces; a key per
process needs one funded key per worker. The row lock per batch needs neither.

A crash is the same as for one relay: nothing is recorded before the batch commits. A crash
between the broadcast and the commit leaves transactions on the chain with no rows; repeating the
request finds the authorization used on chain and records that transaction
(`payments.service._recover_relayed`), and the indexer's handlers take the same row lock before
they look for the payments of a chunk, so they never miss a row that is about to commit.

A job that must not wait for another thread's transaction: a SQLite caller whose own session
already holds the write lock would wait for the pipeline's transaction, which waits for that lock.
Such callers relay inline (`Relayer.send` in their own transaction); see `payments.service.submit`.

The thread ends after IDLE_SECONDS without work and starts again with the next job, so a process
(or a test run with many runtimes) does not keep idle threads.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from backend.chain.relayer import Relayer
from backend.db import transaction

log = logging.getLogger("heitje.relayer")

MAX_BATCH = 64  # relays per batch (one JSON-RPC batch request; a node takes far more)
IDLE_SECONDS = 2.0


@dataclass(eq=False)
class RelayJob:
    """One relay: `data` (0x calldata for the coin) with its simulated `gas`, and how to record it.

    - `key`: what makes two relays the same (e.g. payer and nonce); one batch holds one job per key
      (a second one waits for the next batch, where `claim` finds the first one's record).
    - `claim(session)`: in the batch's transaction, before anything is sent: record the relay and
      return None to send it, or return the answer instead of sending (the same relay recorded
      before). It keeps its own writes atomic (a savepoint); raising answers the job with that error.
    - `sent(session, tx_hash)`: the node accepted it; record the hash; returns the job's answer.
    - `refused(session)`: the node refused it (nothing was sent): undo what `claim` recorded.
    """

    key: str
    data: str
    gas: int
    claim: Callable[[Session], Any]
    sent: Callable[[Session, str], Any]
    refused: Callable[[Session], None]
    future: Future[Any] = field(default_factory=Future)


class RelayPipeline:
    """The relaying task of one relayer key in this process. Thread-safe; share one per process."""

    def __init__(
        self,
        relayer: Relayer,
        sessions: sessionmaker[Session],
        *,
        max_batch: int = MAX_BATCH,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.relayer = relayer
        self.sessions = sessions
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self._queue: deque[RelayJob] = deque()
        self._cond = threading.Condition()
        self._running = False
        self.batches = 0  # batches run, for tests and benchmarks
        self.relays = 0

    def submit(self, job: RelayJob) -> Future[Any]:
        """Queues `job`; its future answers with `sent`'s (or `claim`'s) value, or raises the error."""
        with self._cond:
            self._queue.append(job)
            if self._running:
                self._cond.notify()
            else:
                self._running = True
                name = f"relayer-{self.relayer.address[:10]}"
                threading.Thread(target=self._loop, name=name, daemon=True).start()
        return job.future

    def relay(self, job: RelayJob) -> Any:
        """Queues `job` and waits for its answer."""
        return self.submit(job).result()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    self._cond.wait(self.idle_seconds)
                    if not self._queue:
                        self._running = False
                        return
                batch = self._take()
            self._run(batch)

    def _take(self) -> list[RelayJob]:
        """Up to max_batch queued jobs with distinct keys, oldest first; the rest stay queued in order."""
        batch: list[RelayJob] = []
        later: list[RelayJob] = []
        keys: set[str] = set()
        while self._queue and len(batch) < self.max_batch:
            job = self._queue.popleft()
            if job.key in keys:
                later.append(job)
            else:
                keys.add(job.key)
                batch.append(job)
        self._queue.extendleft(reversed(later))
        return batch

    def _run(self, batch: list[RelayJob]) -> None:
        answers: dict[int, Any] = {}
        errors: dict[int, BaseException] = {}
        try:
            with transaction(self.sessions) as session:
                to_send: list[int] = []
                # Claims in key order: two processes' batches insert the same keys in the same order.
                for i in sorted(range(len(batch)), key=lambda i: batch[i].key):
                    try:
                        answer = batch[i].claim(session)
                    except Exception as exc:  # noqa: BLE001 - the job's own refusal, answered to it
                        errors[i] = exc
                        continue
                    if answer is None:
                        to_send.append(i)
                    else:
                        answers[i] = answer
                to_send.sort()  # nonces in arrival order
                results = self.relayer.send_batch(session, [(batch[i].data, batch[i].gas) for i in to_send])
                for i, result in zip(to_send, results, strict=True):
                    if isinstance(result, BaseException):
                        batch[i].refused(session)
                        errors[i] = result
                    else:
                        answers[i] = batch[i].sent(session, result)
                session.flush()
        except BaseException as exc:  # noqa: BLE001 - nothing of the batch was recorded: each job hears why
            log.warning("relay batch of %d failed: %s", len(batch), exc)
            for job in batch:
                job.future.set_exception(exc)
            return
        self.batches += 1
        self.relays += len(batch)
        for i, job in enumerate(batch):
            if i in errors:
                job.future.set_exception(errors[i])
            else:
                job.future.set_result(answers[i])
