"""The indexer worker: `heitje up` and `heitje worker` run its `tick()` in a loop (backend.workers)."""

from __future__ import annotations

from backend.indexer.service import Indexer
from backend.runtime import Runtime


class IndexerWorker:
    name = "indexer"

    def __init__(self, runtime: Runtime) -> None:
        self.indexer = Indexer(runtime)

    def tick(self) -> bool:
        """One step; True while there are confirmed blocks left to read (or a reorg was undone)."""
        return self.indexer.step().more

    def close(self) -> None:
        """Nothing to release: the checkpoint is in the database after every step."""


def make_worker(runtime: Runtime) -> IndexerWorker:
    return IndexerWorker(runtime)
