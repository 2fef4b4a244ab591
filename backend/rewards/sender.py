"""The reward sender worker: the persistent transaction sender (backend.chain.sender) for the minter
key, serving the sources it is given (the wiring gives it `backend.wiring.SENDER_SOURCES`: the
reward outbox first, then the merchant registry's jobs).

Runs inside `heitje up` and alone as `heitje worker`; one per minter key (a database lock)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backend.chain.sender import TxSender, TxSource
from backend.runtime import Runtime

SourceFactory = Callable[[Runtime], TxSource]


def make_worker(runtime: Runtime, sources: Sequence[SourceFactory]) -> TxSender:
    """The minter key's sender, serving `sources` (each built with the runtime) in that order."""
    return TxSender(
        runtime, key=runtime.settings.minter_key, sources=[make(runtime) for make in sources], name="reward-sender"
    )
