"""What the indexer does with the events it records: handlers that domains register at start-up.

The indexer imports no domain. `backend.wiring` registers each domain's handlers in `REGISTRY`
once per process; the indexer calls them inside the transaction that records a chunk's events (so a
domain's records and the events they come from commit together) and on a reorg, inside the
transaction that removes the events above the fork.

Two kinds of event handler:
- `on_event(kind, ...)`: called with a chunk's rows of one kind, when it has some.
- `on_chunk(..., kinds=)`: called once for every chunk read, with its rows of `kinds` (maybe none)
  and the `Chunk` (its last block's number and time): for rules that move on as the indexed chain
  advances, not only on events (an authorization expires once the chain reaches its validBefore).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.settings import Settings

# (session, the chunk's decoded rows of one kind as dicts of chain_events columns, block_time a
# datetime; settings) -> how many domain records were created or changed.
EventHandler = Callable[[Session, list[dict[str, Any]], Settings], int]
# (session, fork block) -> how many domain records were (deleted, flagged) above the fork.
ReorgHandler = Callable[[Session, int], tuple[int, int]]


@dataclass(frozen=True)
class Chunk:
    """The blocks one indexer step read, up to `last_block`; `last_time` is that block's time (None
    when the node could not give it, e.g. a reorg in between: time-based rules then wait a step)."""

    last_block: int
    last_time: datetime | None


# (session, the chunk's rows of the kinds asked for, by kind (lists may be empty), settings, the chunk)
# -> how many domain records were created or changed.
ChunkHandler = Callable[[Session, dict[str, list[dict[str, Any]]], Settings, Chunk], int]


class Handlers:
    """Event handlers by event kind, and reorg handlers; registering the same name again replaces it."""

    def __init__(self) -> None:
        self._events: dict[str, dict[str, EventHandler]] = {}
        self._reorgs: dict[str, ReorgHandler] = {}
        self._chunks: dict[str, tuple[frozenset[str], ChunkHandler]] = {}

    def on_event(self, kind: str, name: str, handler: EventHandler) -> None:
        self._events.setdefault(kind, {})[name] = handler

    def on_chunk(self, name: str, handler: ChunkHandler, *, kinds: Collection[str] = ()) -> None:
        self._chunks[name] = (frozenset(kinds), handler)

    def on_reorg(self, name: str, handler: ReorgHandler) -> None:
        self._reorgs[name] = handler

    def kinds(self) -> set[str]:
        """The event kinds some domain handles (the indexer keeps their rows as dicts)."""
        kinds = {kind for kind, handlers in self._events.items() if handlers}
        for wanted, _ in self._chunks.values():
            kinds |= wanted
        return kinds

    def wants_chunks(self) -> bool:
        """Whether some domain is called for every chunk (the indexer then reads its last block's time)."""
        return bool(self._chunks)

    def handle(
        self,
        session: Session,
        by_kind: dict[str, list[dict[str, Any]]],
        settings: Settings,
        chunk: Chunk | None = None,
    ) -> int:
        """The event handlers of the kinds with rows, then (given the chunk) every chunk handler,
        each in the order registered."""
        made = sum(
            handler(session, events, settings)
            for kind, events in by_kind.items()
            if events
            for handler in self._events.get(kind, {}).values()
        )
        if chunk is not None:
            for wanted, handler in self._chunks.values():
                made += handler(session, {kind: by_kind.get(kind, []) for kind in wanted}, settings, chunk)
        return made

    def rollback(self, session: Session, fork: int) -> tuple[int, int]:
        deleted = flagged = 0
        for handler in self._reorgs.values():
            d, f = handler(session, fork)
            deleted, flagged = deleted + d, flagged + f
        return deleted, flagged

    def clear(self) -> None:
        self._events.clear()
        self._reorgs.clear()
        self._chunks.clear()


REGISTRY = Handlers()  # the process's handlers (backend.wiring.register_indexer_handlers fills it)
