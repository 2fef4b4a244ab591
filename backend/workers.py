"""Background workers (the reward sender, the indexer, ...): each is a `tick()` run in a loop.

`heitje up` runs every worker of `backend.wiring.WORKER_FACTORIES` in a thread beside the API;
`heitje worker` runs them alone. A worker whose chain is down waits and retries; it never takes the
API down with it.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from backend.errors import ChainUnavailable

log = logging.getLogger("heitje.workers")


class Worker(Protocol):
    name: str

    def tick(self) -> bool:
        """Does one round of work; returns True when there may be more to do right away."""

    def close(self) -> None:
        """Releases locks and connections."""


def run_loop(worker: Worker, stop: threading.Event, poll_seconds: float, max_backoff: float = 10.0) -> None:
    """Runs `worker.tick()` until `stop` is set. Chain down: waits with backoff and tries again."""
    backoff = poll_seconds
    while not stop.is_set():
        try:
            busy = worker.tick()
            backoff = poll_seconds
            if busy:
                continue
        except ChainUnavailable:
            log.warning("%s: chain unavailable, retrying in %.1f s", worker.name, backoff)
            backoff = min(backoff * 2, max_backoff)
        except Exception:
            log.exception("%s: tick failed, retrying in %.1f s", worker.name, backoff)
            backoff = min(backoff * 2, max_backoff)
        stop.wait(backoff)
    worker.close()


def start_threads(workers: list[Worker], stop: threading.Event, poll_seconds: float) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=run_loop, args=(w, stop, poll_seconds), name=w.name, daemon=True) for w in workers
    ]
    for thread in threads:
        thread.start()
    return threads
