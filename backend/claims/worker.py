"""The claim-expiry worker: records as expired the claims without proof whose time is up. Readers do not
need it (they count only live claims); it keeps the table, the CLI and exports saying the same."""

from __future__ import annotations

import time

from backend.claims import service
from backend.db import transaction, utcnow
from backend.runtime import Runtime

EVERY_SECONDS = 60.0  # expiry is counted in hours; once a minute is plenty


class ClaimExpiryWorker:
    name = "claim-expiry"

    def __init__(self, runtime: Runtime, every_seconds: float = EVERY_SECONDS) -> None:
        self.runtime, self.every_seconds = runtime, every_seconds
        self._next = 0.0

    def tick(self) -> bool:
        """Records due expiries at most once every `every_seconds`; never asks to be run again at once."""
        if time.monotonic() < self._next:
            return False
        self._next = time.monotonic() + self.every_seconds
        with transaction(self.runtime.sessions) as session:
            service.record_expiry(session, utcnow())
        return False

    def close(self) -> None:
        """Nothing to release."""


def make_worker(runtime: Runtime) -> ClaimExpiryWorker:
    return ClaimExpiryWorker(runtime)
