"""Rate limits per client (IP address) and per signed-in account, counted in the database.

Why the database: every API process must share the counts (a per-process memory store multiplies
the limit by the number of processes), and the database is the one store every Heitje deployment
already has; `limits`/slowapi would need Redis or Memcached for that. The counter is a fixed
window: one row per (bucket, who, window) bumped by a single atomic upsert (INSERT .. ON CONFLICT
DO UPDATE .. RETURNING, on SQLite and PostgreSQL alike), so two processes never lose a hit.
"""

from __future__ import annotations

import logging
import math
import re
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
    """Atomic fixed-window counters in the `rate_counters` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next_purge = 0.0
        self._insert = upsert_insert(engine.dialect.name)

    def hit(self, keys: list[str], window_ends: int) -> list[int]:
        """Counts one hit on each key (in this window) and returns the counts after it."""
        counts = []
        now = time.time()
        with self.engine.begin() as conn:
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                conn.execute(delete(RateCounter).where(RateCounter.window_ends <= int(now)))
            for key in keys:
                upsert = (
                    self._insert(RateCounter)
                    .values(key=key, hits=1, window_ends=window_ends)
                    .on_conflict_do_update(index_elements=[RateCounter.key], set_={"hits": RateCounter.hits + 1})
                    .returning(RateCounter.hits)
                )
                counts.append(int(conn.execute(upsert).scalar_one()))
        return counts


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
        try:
            hits = await anyio.to_thread.run_sync(self.store.hit, keys, window_ends)
        except (OperationalError, InterfaceError) as exc:
            # The database is down: let the request through (fail open); the route answers 503 itself
            # if it needs the database, and a health check still says what is wrong.
            log.warning("rate limits skipped, the database is unavailable: %s", exc)
            return 0
        if max(hits) > count:
            return max(1, math.ceil(window_ends - now))
        return 0
