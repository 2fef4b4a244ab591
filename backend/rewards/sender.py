"""The reward sender worker: the persistent transaction sender (backend.chain.sender) for the minter
key, serving the reward outbox and every other source in `backend.chain.sender.SOURCES`.

Runs inside `heitje up` and alone as `heitje worker`; one per minter key (a database lock)."""

from __future__ import annotations

from backend.chain.sender import TxSender, load_sources
from backend.runtime import Runtime


def make_worker(runtime: Runtime) -> TxSender:
    return TxSender(
        runtime, key=runtime.settings.minter_key, sources=load_sources(runtime), name="reward-sender"
    )
