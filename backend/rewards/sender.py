"""The reward sender worker: the persistent transaction sender (backend.chain.sender) for the minter
key, serving SENDER_SOURCES in order: the reward outbox first, then the merchant registry's jobs (both
sign with the minter key, which also holds REGISTRAR_ROLE, so they share one nonce sequence).

Runs inside `heitje up` and alone as `heitje worker`; one per minter key (a database lock)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backend.chain.sender import TxSender, TxSource
from backend.merchants.chain_jobs import MerchantSource
from backend.rewards.outbox import RewardSource
from backend.runtime import Runtime

SourceFactory = Callable[[Runtime], TxSource]

# The transaction sources the minter key's sender serves, in this order: rewards first.
SENDER_SOURCES: tuple[SourceFactory, ...] = (RewardSource, MerchantSource)


def make_worker(runtime: Runtime, sources: Sequence[SourceFactory]) -> TxSender:
    """The minter key's sender, serving `sources` (each built with the runtime) in that order."""
    return TxSender(
        runtime, key=runtime.settings.minter_key, sources=[make(runtime) for make in sources], name="reward-sender"
    )


def make_sender(runtime: Runtime) -> TxSender:
    """The minter key's transaction sender, serving every source of SENDER_SOURCES."""
    return make_worker(runtime, SENDER_SOURCES)
