"""Rate limits per client (IP address) and per signed-in account, counted in the database.

Why the database: every API process must share the counts (a per-process memory store multiplies
the limit by the number of processes), and the database is the one store every Heitje deployment
already has; `limits`/slowapi would need Redis or Memcached for that. The counter is a fixed
window: one row per (bucket, who, window) bumped by a single atomic upsert (INSERT .. ON CONFLICT
DO UPDATE .. RETURNING, on SQLite and PostgreSQL alike), so two processes never lose a hit. Hits are
written behind (`CounterStore`): a request far below its limits writes nothing.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time

import anyio.to_thread
from sqlalchemy import Engine, delete
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.db import upsert_insert
from backend.errors import OVERLOAD_RETRY_AFTER, Overloaded, RateLimited
from backend.http.asgi import bearer_address, client_ip, send_error
from backend.http.models import RateCounter
from backend.http.routing import RouteInfo, RouteTable
from backend.runtime import Runtime
from backend.settings import Settings, parse_rate_limits

log = logging.getLogger("heitje.http")

API = "/api/v1/"
CLAIMING = re.compile(r"^/api/v1/tasks/[^/]+/claims/?$")
# What the relayer pays gas for: payments (paying a payment request included) and redemptions.
RELAYING = frozenset({"/api/v1/payments", "/api/v1/redemptions/relay"})
# A city's defaults (RATE_LIMITS overrides them): count per window of seconds, per client and per account.
DEFAULT_LIMITS = "sign_in=20/60,claims=20/3600,uploads=20/3600,reads=300/60,writes=120/60,relays=30/60"
# HEITJE_ENV=test without RATE_LIMITS: limits far above what any test sends, so only a test that
# asks for tight limits meets them (and the counters are still written, as in production).
TEST_LIMITS = (
    "sign_in=100000/60,claims=100000/60,uploads=100000/60,reads=100000/60,writes=100000/60,relays=100000/60"
)
PURGE_EVERY_SECONDS = 60
SYNC_SECONDS = 0.5  # how long this process's hits may stay unsent to the shared counters


def limits_of(settings: Settings) -> dict[str, tuple[int, int]]:
    """The defaults, with the buckets RATE_LIMITS names replaced; RATE_LIMITS=off turns them all off."""
    configured = settings.rate_limits or ""
    if configured.strip().lower() == "off":
        return {}
    defaults = parse_rate_limits(TEST_LIMITS if settings.environment == "test" else DEFAULT_LIMITS)
    return {**defaults, **parse_rate_limits(configured)}


def bucket_of(scope: Scope, info: RouteInfo) -> str | None:
    """Which limit a request counts against; None for the web app's files and health checks."""
    path: str = scope["path"]
    if not path.startswith(API) or path.rstrip("/").endswith("/healthz"):
        return None
    if path.startswith(API + "auth/"):
        return "sign_in"
    if info.upload:
        return "uploads"
    if scope["method"] in ("GET", "HEAD", "OPTIONS"):
        return "reads"
    if scope["method"] == "POST" and CLAIMING.match(path):
        return "claims"
    if scope["method"] == "POST" and path.rstrip("/") in RELAYING:
        return "relays"
    return "writes"


class CounterStore:
    """Fixed-window counters shared by every API process through the `rate_counters` table, written
    behind.

    A hit is counted in this process at once. It reaches the shared row (one atomic upsert that adds
    this process's hits and returns every process's total) at the next sync, at most SYNC_SECONDS
    later, or at once when the key has reached half its limit. So a request far below its limits
    writes nothing: a write per request queued every request behind the database's writers (on
    SQLite, behind each relay batch; issue 14 measured relays and reads held back by it), while
    near a limit every hit is counted across processes as before. What other processes counted in
    their last SYNC_SECONDS while under half the limit can go past it; nothing else can."""

    def __init__(self, engine: Engine, *, sync_seconds: float | None = None) -> None:
        self.engine = engine
        self.sync_seconds = SYNC_SECONDS if sync_seconds is None else sync_seconds
        self._insert = upsert_insert(engine.dialect.name)
        self._lock = threading.Lock()
        self._total: dict[str, int] = {}  # every process's hits as the shared row last said
        self._unsent: dict[str, int] = {}  # this process's hits not in the shared row yet
        self._ends: dict[str, int] = {}  # when each key's window ends (Unix seconds)
        self._next_sync = 0.0
        self._next_purge = 0.0

    def count(self, keys: list[str], window_ends: int, limit: int) -> tuple[list[int], bool]:
        """Counts one hit on each key (in this window): the counts after it as this process knows
        them, and whether to `sync` before deciding (a key at half its limit, or the sync is due)."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._unsent[key] = self._unsent.get(key, 0) + 1
                self._ends[key] = window_ends
            counts = [self._total.get(key, 0) + self._unsent[key] for key in keys]
            due = now >= self._next_sync or any(2 * count >= limit for count in counts)
            if due:
                self._next_sync = now + self.sync_seconds
        return counts, due

    def sync(self, keys: list[str]) -> list[int]:
        """Adds this process's unsent hits to the shared rows in one transaction, and returns the
        counts of `keys` with every process's hits. On a database error the hits stay unsent."""
        with self._lock:
            unsent, self._unsent = self._unsent, {}
            ends = dict(self._ends)
        totals: dict[str, int] = {}
        now = time.time()
        try:
            with self.engine.begin() as conn:
                if now >= self._next_purge:
                    self._next_purge = now + PURGE_EVERY_SECONDS
                    conn.execute(delete(RateCounter).where(RateCounter.window_ends <= int(now)))
                for key, hits in sorted(unsent.items()):  # one order in every process: no deadlock
                    if key not in ends:  # its window ended and was cleared meanwhile
                        continue
                    upsert = (
                        self._insert(RateCounter)
                        .values(key=key, hits=hits, window_ends=ends[key])
                        .on_conflict_do_update(
                            index_elements=[RateCounter.key], set_={"hits": RateCounter.hits + hits}
                        )
                        .returning(RateCounter.hits)
                    )
                    totals[key] = int(conn.execute(upsert).scalar_one())
        except BaseException:
            with self._lock:  # the hits wait for the next sync (with their windows' ends, if cleared meanwhile)
                for key, hits in unsent.items():
                    if key in ends:
                        self._unsent[key] = self._unsent.get(key, 0) + hits
                        self._ends.setdefault(key, ends[key])
            raise
        with self._lock:
            self._total.update(totals)
            for key in [k for k, end in self._ends.items() if end <= now]:  # windows gone by
                self._ends.pop(key, None)
                self._total.pop(key, None)
                self._unsent.pop(key, None)
            return [self._total.get(key, 0) + self._unsent.get(key, 0) for key in keys]


class RateLimits:
    def __init__(self, app: ASGIApp, *, routes: RouteTable, runtime: Runtime) -> None:
        self.app, self.routes, self.settings = app, routes, runtime.settings
        self.limits = limits_of(runtime.settings)
        self.store = CounterStore(runtime.engine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limits:
            bucket = bucket_of(scope, self.routes.info(scope))
            if bucket in self.limits:
                try:
                    retry_after = await self._check(scope, bucket)
                except PoolTimeout:  # every connection busy: the process is overloaded, say so at once
                    busy = Overloaded("no database connection became free in time", OVERLOAD_RETRY_AFTER)
                    await send_error(send, busy, {"Retry-After": str(OVERLOAD_RETRY_AFTER)})
                    return
                if retry_after:
                    await send_error(send, RateLimited(bucket, retry_after), {"Retry-After": str(retry_after)})
                    return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, bucket: str) -> int:
        """0 when the request may go on, else the seconds until its window resets."""
        count, seconds = self.limits[bucket]
        now = time.time()
        window = int(now // seconds)
        window_ends = (window + 1) * seconds
        keys = [f"{bucket}:ip:{client_ip(scope)}:{window}"]
        account = bearer_address(scope, self.settings)
        if account:
            keys.append(f"{bucket}:acct:{account.lower()}:{window}")
        hits, due = self.store.count(keys, window_ends, count)
        if due:
            try:
                hits = await anyio.to_thread.run_sync(self.store.sync, keys)
            except (OperationalError, InterfaceError) as exc:
                # The database is down: decide on this process's counts (its own hits still count);
                # the route answers 503 itself if it needs the database, and a health check says why.
                log.warning("rate limits counted in this process only, the database is unavailable: %s", exc)
        if max(hits) > count:
            return max(1, math.ceil(window_ends - now))
        return 0
