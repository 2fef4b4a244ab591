"""Drill 4: the database connection is dropped and restored. On PostgreSQL the drill terminates every
backend of the app's database (`pg_terminate_backend`) several times while approvals run, then refuses
new connections for a few seconds and allows them again. The API and the workers must reconnect on
their own; afterwards every approval made gets its reward exactly once.

SQLite has no connection to drop (it is a file opened in-process), so this drill needs PostgreSQL; on
SQLite it says so and does not run."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from eth_account import Account
from sqlalchemy import text

from drills import invariants
from drills.client import Api
from drills.harness import POSTGRES_ADMIN_URL, Stack, log, postgres_available
from drills.workload import People, wait_rewards_settled

CITIZENS = 20
TASKS = 3
OUTAGE_SECONDS = 4


def _admin(sql: str, **params: object) -> int:
    from backend.db import make_engine

    engine = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql), params)
            return len(result.fetchall()) if result.returns_rows else 0
    finally:
        engine.dispose()


def terminate(db: str) -> int:
    return _admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = :db AND pid <> pg_backend_pid()",
        db=db,
    )


def run(*, seed: int, postgres: bool = True) -> bool:
    print("\n== drill 4: the database connection dropped and restored", flush=True)
    if not postgres_available():
        print(
            "  not applicable here: no PostgreSQL at DRILL_POSTGRES_URL; with SQLite the database is a file "
            "opened in-process, so there is no connection to drop",
            flush=True,
        )
        return True
    started = time.monotonic()
    checks: dict[str, list[str]] = {}
    with Stack("db-drop", postgres=True) as stack:
        api = Api(stack.base_url, patience=60)
        people = People(api, citizens=[Account.create() for _ in range(CITIZENS)])
        tasks = [people.post_task(reward="10.00", capacity=CITIZENS) for _ in range(TASKS)]
        for citizen in people.citizens:
            people.token(citizen)
        statuses: list[int] = []
        errors: list[str] = []
        done = threading.Event()

        def workload() -> None:
            for task in tasks:
                for citizen in people.citizens:
                    for _ in range(20):  # a step refused while the database is away is tried again
                        try:
                            people.do_task(citizen, task)
                            statuses.append(200)
                            break
                        except Exception as exc:  # noqa: BLE001 - counted and retried
                            status = getattr(getattr(exc, "response", None), "status_code", 0)
                            statuses.append(status)
                            errors.append(str(exc)[:160])
                            time.sleep(0.3)
            done.set()

        for citizen in people.citizens:  # the workers are up and hold their locks before the drops
            people.do_task(citizen, tasks[0])
        wait_rewards_settled(stack.engine, timeout=120, expected=CITIZENS)
        tasks = tasks[1:]
        log(
            f"{CITIZENS} rewards confirmed: the sender holds its lock; approvals go on while connections drop"
        )
        worker = threading.Thread(target=workload, daemon=True)
        worker.start()
        for i in range(3):
            time.sleep(1.0)
            log(
                f"pg_terminate_backend: {terminate(stack.pg_name)} connections of {stack.pg_name} "
                f"dropped (#{i + 1})"
            )
        _admin(f'ALTER DATABASE "{stack.pg_name}" WITH ALLOW_CONNECTIONS false')
        log(f"{terminate(stack.pg_name)} connections dropped and new ones refused for {OUTAGE_SECONDS} s")
        probe = api.call("GET", "/tasks")
        time.sleep(OUTAGE_SECONDS)
        _admin(f'ALTER DATABASE "{stack.pg_name}" WITH ALLOW_CONNECTIONS true')
        log(
            f"connections allowed again; during the outage GET /tasks -> {probe.status_code} "
            f"{probe.text[:120]}"
        )
        done.wait(180)
        failed = [s for s in statuses if s != 200]
        log(
            f"workload: {statuses.count(200)} claims approved, {len(failed)} refused steps (retried): "
            f"{sorted(set(failed))}"
        )
        checks["the workload finished after the database came back"] = (
            [] if done.is_set() else ["it did not finish"]
        )
        checks["while the database is away: 503, never 500"] = sorted(
            {e for e in api.server_errors if " 500 " in e}
        )
        checks["after: the API answers from the database again"] = (
            [] if api.call("GET", "/tasks").status_code == 200 else ["GET /tasks failed after the outage"]
        )
        counts = wait_rewards_settled(stack.engine, timeout=120, expected=CITIZENS * TASKS)
        log(f"rewards: {counts}")
        stack.stop_workers()
        results, view = invariants.check_all(
            stack.w3, stack.deployment, stack.engine, settings=stack.settings, euro_per_coin=Decimal("1.00")
        )
        results.update(checks)
        ok = invariants.conclude(stack, api, results, view)
    print(f"  drill 4 {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s", flush=True)
    return ok
