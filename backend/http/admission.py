"""Admission: no more requests at work at once than the process has threads and connections for (issue 14).

Sync routes run in anyio's thread pool and hold one pooled database connection from their first
dependency to their answer. With more threads than connections, the extra threads wait for a
connection while requests that hold one wait for a thread: nothing moves until SQLAlchemy's pool
timeout, then everything fails at once. So the thread pool is set to HTTP_THREADS at start-up
(`set_thread_limit`), the pool holds those plus the workers' connections (backend.db.make_engine), and
this middleware lets at most HTTP_THREADS requests in at once. The rest wait here, in arrival order, on
the event loop, holding nothing; one that waits longer than OVERLOAD_WAIT_SECONDS, or arrives while
MAX_WAITING_REQUESTS already wait, is answered 503 `overloaded` with Retry-After at once.

Health checks pass without waiting: a busy process is not a dead one.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.errors import OVERLOAD_RETRY_AFTER, Overloaded
from backend.http.asgi import send_error
from backend.settings import Settings


def set_thread_limit(settings: Settings) -> None:
    """anyio's default thread limiter (sync routes and dependencies) to HTTP_THREADS; call it in the loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.http_threads


class Admission:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.slots = settings.http_threads
        self.wait = settings.overload_wait_seconds
        self.max_waiting = settings.max_waiting_requests
        self.waiting = 0
        self._turns: anyio.Semaphore | None = None  # made in the event loop, on the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/").endswith("/healthz"):
            await self.app(scope, receive, send)
            return
        if self._turns is None:
            self._turns = anyio.Semaphore(self.slots, fast_acquire=True)
        turns = self._turns
        if self.waiting >= self.max_waiting and turns.value == 0:
            await self._refuse(send, "too many requests are waiting")
            return
        acquired = False
        self.waiting += 1
        try:
            with anyio.move_on_after(self.wait):
                await turns.acquire()
                acquired = True  # no await in between: a timeout cannot land after the turn was taken
        finally:
            self.waiting -= 1
        if not acquired:
            await self._refuse(send, f"no turn within {self.wait:g} s")
            return
        try:
            await self.app(scope, receive, send)
        finally:
            turns.release()

    async def _refuse(self, send: Send, why: str) -> None:
        error = Overloaded(why, OVERLOAD_RETRY_AFTER)
        await send_error(send, error, {"Retry-After": str(OVERLOAD_RETRY_AFTER)})
