"""Background workers (the reward sender, the indexer, ...): each is a `tick()` run in a loop.

`heitje up` runs every registered worker in a thread beside the API; `heitje worker` runs them
alone. A worker whose chain is down waits and retries; it never takes the API down with it.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from backend.errors import ChainUnavailable
from backend.runtime import Runtime

log = logging.getLogger("heitje.workers")

# "module:factory" for each worker; a factory takes the Runtime and returns a Worker.
# Domains add themselves here.
WORKER_FACTORIES: tuple[str, ...] = (
    "backend.rewards.sender:make_worker",
    "backend.indexer.worker:make_worker",
    "backend.privacy.retention:make_worker",
)


class Worker(Protocol):
    name: str

    def tick(self) -> bool:
        """Does one round of work; returns True when there may be more to do right away."""

    def close(self) -> None:
        """Releases locks and connections."""


def load_workers(runtime: Runtime, names: tuple[str, ...] = WORKER_FACTORIES) -> list[Worker]:
    workers = []
    for spec in names:
        module_name, factory_name = spec.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                log.warning("worker %s is not available (module missing)", spec)
                continue
            raise
        factory: Callable[[Runtime], Worker] = getattr(module, factory_name)
        workers.append(factory(runtime))
    return workers


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
