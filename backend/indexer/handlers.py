"""What the indexer does with the events it records: handlers that domains register at start-up.

The indexer imports no domain. `backend.wiring` registers each domain's handlers in `REGISTRY`
once per process; the indexer calls them inside the transaction that records a chunk's events (so a
domain's records and the events they come from commit together) and on a reorg, inside the
transaction that removes the events above the fork.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from backend.settings import Settings

# (session, the chunk's decoded rows of one kind as dicts of chain_events columns, block_time a
# datetime; settings) -> how many domain records were created or changed.
EventHandler = Callable[[Session, list[dict[str, Any]], Settings], int]
# (session, fork block) -> how many domain records were (deleted, flagged) above the fork.
ReorgHandler = Callable[[Session, int], tuple[int, int]]


class Handlers:
    """Event handlers by event kind, and reorg handlers; registering the same name again replaces it."""

    def __init__(self) -> None:
        self._events: dict[str, dict[str, EventHandler]] = {}
        self._reorgs: dict[str, ReorgHandler] = {}

    def on_event(self, kind: str, name: str, handler: EventHandler) -> None:
        self._events.setdefault(kind, {})[name] = handler

    def on_reorg(self, name: str, handler: ReorgHandler) -> None:
        self._reorgs[name] = handler

    def kinds(self) -> set[str]:
        """The event kinds some domain handles (the indexer keeps their rows as dicts)."""
        return {kind for kind, handlers in self._events.items() if handlers}

    def handle(self, session: Session, by_kind: dict[str, list[dict[str, Any]]], settings: Settings) -> int:
        return sum(
            handler(session, events, settings)
            for kind, events in by_kind.items()
            if events
            for handler in self._events.get(kind, {}).values()
        )

    def rollback(self, session: Session, fork: int) -> tuple[int, int]:
        deleted = flagged = 0
        for handler in self._reorgs.values():
            d, f = handler(session, fork)
            deleted, flagged = deleted + d, flagged + f
        return deleted, flagged

    def clear(self) -> None:
        self._events.clear()
        self._reorgs.clear()


REGISTRY = Handlers()  # the process's handlers (backend.wiring.register_indexer_handlers fills it)
