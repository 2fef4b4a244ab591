"""The growth benchmark: does a request cost what its answer costs, or what the archive holds?

Seeds a database directly with SQL inserts at scale S (1k citizens, 5k claims, 20k chain events, with
their payouts, redemptions and SEPA batches) and M (10x), then times each path through the app in
process (the ASGI app called directly, over a FakeChain: no node, no network), warm median of
REPEATS requests, and reports each path's time per scale and the ratio M/S. For the CSV exports the
time to the first byte of the body is measured beside the whole answer.

`python -m bench.growth` runs S and M on SQLite; `--large` adds L (100x S); `--postgres URL` runs on
that PostgreSQL database instead (its tables are dropped and created again); with `--large --save` the
run is kept in bench/results.json as `growth.large` and shown in results.md. `make bench` (`run()`) runs
S and M on SQLite and then on PostgreSQL when one answers (BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else
DEFAULT_POSTGRES; skipped with a message otherwise).

Beside the times: the API process's memory while it serves the paths (peak resident set, reset after
seeding through /proc/self/clear_refs, against CEILING_MB) and each path's peak of Python allocations
(tracemalloc, one request measured on its own after the timings, so it slows none of them). Every path
answers a bounded page or a file whose size does not grow with the archive, so each must stay within
FLAT_RATIO from S to M, and under TARGET_MS at M (exports to their first byte).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from backend import models_registry  # noqa: F401 - every table in Base.metadata
from backend.app import create_app
from backend.audit.models import AuditEntry
from backend.auth.deps import User, current_user
from backend.claims.models import Claim
from backend.db import Base, make_engine, make_session_factory, normalise_url, transaction, utcnow
from backend.indexer.models import REDEEMED, REWARDED, TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.payouts.models import EXPORTED, PAID, Payout, PayoutBatch
from backend.redemptions.models import Redemption
from backend.reports import totals
from backend.tasks.models import Task
from tests.support.fake_chain import FakeChain
from tests.support.unit import unit_settings

SCALES = {"S": 1, "M": 10, "L": 100}
BASE = {"citizens": 1_000, "claims": 5_000, "events": 20_000, "payouts": 2_000, "batches": 20}
MERCHANTS = 50
DISTRICTS = ("Centrum", "Zuid", "Noord", "Heerlerheide", "Hoensbroek", "Welten")
REPEATS = 5
OPERATOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil's PUBLIC test account #0
START = datetime(2021, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=5 * 365)  # five years of history
CEILING_MB = 400  # the API process's resident memory while it serves these paths
FLAT_RATIO = 1.5  # a path whose answer does not grow stays within this from S to M
TARGET_MS = 100  # at M, on both databases (exports: to the first byte)
# Exports are timed to their first byte (their whole answer is a file as large as the months asked for).
EXPORTS = ("GET /reports/summary.csv", "GET /reports/open-data", "GET /reports/open-data (one month)")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/heitje_bench"


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


def _when(rng: random.Random) -> datetime:
    return START + SPAN * rng.random()


def seed(engine: Engine, factor: int) -> dict[str, Any]:
    """Fills an empty database; returns what it holds and how long the inserts and the totals' rebuild took."""
    rng = random.Random(16)
    n = {key: value * factor for key, value in BASE.items()}
    citizens = [_address(1_000_000 + i) for i in range(n["citizens"])]
    merchants = [_address(2_000_000 + i) for i in range(MERCHANTS)]
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with transaction(sessions) as session:
        session.execute(
            insert(Merchant),
            [
                {"address": m, "name": f"Winkel {i}", "iban": "NL02ABNA0123456789", "chain_status": "done"}
                for i, m in enumerate(merchants)
            ],
        )
        tasks = max(1, n["claims"] // 5)
        session.execute(
            insert(Task),
            [
                {
                    "id": i + 1,
                    "title": f"Taak {i}",
                    "description": "Bank schilderen",
                    "district": DISTRICTS[i % len(DISTRICTS)],
                    "reward_units": 1500,
                    "capacity": 5,
                    "minutes": 60,
                    "created_by": OPERATOR,
                }
                for i in range(tasks)
            ],
        )
        session.execute(
            insert(Claim),
            [
                {
                    "id": i + 1,
                    "task_id": i % tasks + 1,
                    "citizen": citizens[(i + i // tasks) % len(citizens)],
                    "status": "approved",
                    "reviewed_at": _when(rng),
                    "reviewed_by": OPERATOR,
                }
                for i in range(n["claims"])
            ],
        )
        for part in range(0, n["claims"], 10_000):  # each approval is audited
            session.execute(
                insert(AuditEntry),
                [
                    {"at": _when(rng), "actor": OPERATOR, "action": "claim_approved", "subject": f"claim:{i + 1}",
                     "details": "{}"}
                    for i in range(part, min(part + 10_000, n["claims"]))
                ],
            )
        events = []
        for i in range(n["events"]):
            kind = (REWARDED, TRANSFER, TRANSFER, REDEEMED)[i % 4]
            who = citizens[rng.randrange(len(citizens))]
            shop = merchants[rng.randrange(len(merchants))]
            row = {
                "tx_hash": "0x" + f"{i:064x}",
                "log_index": 0,
                "block_number": i + 1,
                "block_hash": "0x" + f"{i:064x}",
                "block_time": START + SPAN * (i / n["events"]),
                "kind": kind,
                "amount": 100 + i % 900,
            }
            if kind == REWARDED:
                row |= {"account": who, "ref": "0x" + f"{i:064x}"}
            elif kind == TRANSFER:
                row |= {"account": who, "counterparty": shop if i % 2 else citizens[rng.randrange(len(citizens))]}
            else:
                row |= {"account": shop, "ref": "0x" + f"{i:064x}"}
            events.append(row)
        for part in range(0, len(events), 10_000):
            session.execute(insert(ChainEvent), events[part : part + 10_000])
        xml = "<Document>" + "<CdtTrfTxInf>...</CdtTrfTxInf>" * 2_000 + "</Document>"  # ~60 KB, as a real file
        session.execute(
            insert(PayoutBatch),
            [
                {
                    "id": b + 1,
                    "message_id": f"HEITJE-{b}",
                    "payout_count": n["payouts"] // n["batches"],
                    "total_cents": 100_000,
                    "xml": xml,
                    "created_by": OPERATOR,
                    "created_at": _when(rng),
                }
                for b in range(n["batches"])
            ],
        )
        payouts, redemptions = [], []
        for i in range(n["payouts"]):
            ref, when = "0x" + f"{10**9 + i:064x}", _when(rng)
            batch = i % n["batches"] + 1
            payouts.append(
                {
                    "tx_hash": "0x" + f"{10**9 + i:064x}",
                    "log_index": 0,
                    "block_number": i + 1,
                    "block_hash": "0x" + "ab" * 32,
                    "merchant": merchants[i % MERCHANTS],
                    "ref": ref,
                    "units": 500,
                    "amount_cents": 500,
                    "status": PAID if i % 2 else EXPORTED,
                    "batch_id": batch,
                    "redeemed_at": when,
                    "exported_at": when,
                    "paid_at": when if i % 2 else None,
                }
            )
            redemptions.append(
                {
                    "ref": ref,
                    "merchant": merchants[i % MERCHANTS],
                    "amount": 500,
                    "auth_nonce": ref,
                    "valid_after": 0,
                    "valid_before": 2**40,
                    "status": "burned",
                    "tx_hash": "0x" + f"{10**9 + i:064x}",
                }
            )
        for part in range(0, len(payouts), 10_000):
            session.execute(insert(Payout), payouts[part : part + 10_000])
            session.execute(insert(Redemption), redemptions[part : part + 10_000])
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions) as session:
        rows = totals.rebuild(session, unit_settings().city_name)
        totals.close_months(session, unit_settings().city_name, utcnow())  # as the indexer does when it catches up
    return {
        **n,
        "seed_s": round(inserted, 2),
        "rebuild_s": round(time.perf_counter() - started, 2),
        "total_rows": rows,
        "citizen": citizens[7],
    }


async def _call(app: Any, path: str) -> tuple[int, float, float, int]:
    """One GET through the ASGI app: (status, seconds to the first byte of the body, seconds to the end, bytes)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    status, first, size = 0, 0.0, 0
    started = time.perf_counter()

    sent, done = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, first, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            if not first:
                first = time.perf_counter() - started
            size += len(message["body"])
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    return status, first, time.perf_counter() - started, size


def paths(citizen: str) -> dict[str, str]:
    return {
        "GET /reports/summary": "/api/v1/reports/summary",
        "GET /reports/summary.csv": "/api/v1/reports/summary.csv",
        "GET /reports/open-data": "/api/v1/reports/open-data",
        "GET /reports/open-data (one month)": "/api/v1/reports/open-data?from=2024-03&to=2024-03",
        "GET /payouts": "/api/v1/payouts",
        "GET /redemptions": "/api/v1/redemptions",
        "GET /accounts/{address}": f"/api/v1/accounts/{citizen}",
        "GET /payouts/batches": "/api/v1/payouts/batches",
    }


class _Runtime:
    """What the app needs of a runtime: settings, a FakeChain, and this database."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.settings = unit_settings(open_data_dir=folder / "open-data")
        self.chain = FakeChain()
        self.engine = engine
        self.sessions = make_session_factory(engine)
        self.read_sessions = make_session_factory(engine.execution_options(heitje_read=True))

    @property
    def deployment(self) -> Any:
        return self.chain.deployment

    def close(self) -> None:
        self.engine.dispose()


def _rss_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (the peak since the last reset) of this process, in MB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
        return True
    except OSError:
        return False


def time_paths(engine: Engine, citizen: str, folder: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each path's warm median, and the process's memory while it served them."""
    runtime = _Runtime(engine, folder)
    app = create_app(runtime, web_dir=None)  # type: ignore[arg-type]
    app.dependency_overrides[current_user] = lambda: User(OPERATOR, ("citizen", "operator"))
    gc.collect()
    reset = _reset_peak_rss()
    memory: dict[str, Any] = {"rss_before_mb": _rss_mb("VmRSS")}
    out = {}
    for name, path in paths(citizen).items():
        runs = [asyncio.run(_call(app, path)) for _ in range(REPEATS + 1)][1:]  # the first warms up
        statuses = {r[0] for r in runs}
        out[name] = {
            "ms": round(statistics.median(r[2] for r in runs) * 1000, 1),
            "first_byte_ms": round(statistics.median(r[1] for r in runs) * 1000, 1),
            "kb": round(runs[-1][3] / 1024, 1),
            "status": sorted(statuses)[0] if len(statuses) == 1 else sorted(statuses),
        }
    memory["rss_peak_mb"] = _rss_mb("VmHWM") if reset else None
    for name, path in paths(citizen).items():
        tracemalloc.start()
        asyncio.run(_call(app, path))
        out[name]["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return out, memory


def run_scale(scale: str, database: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = database or f"sqlite:///{Path(folder) / 'growth.db'}"
        engine = make_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        held = seed(engine, SCALES[scale])
        print(
            f"   {scale}: seeded {held['events']:,} events, {held['claims']:,} claims in {held['seed_s']} s; "
            f"totals rebuilt in {held['rebuild_s']} s",
            flush=True,
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give a live database
        figures, memory = time_paths(engine, held.pop("citizen"), Path(folder))
        for name, f in figures.items():
            print(
                f"   {scale} {name}: {f['ms']} ms (first byte {f['first_byte_ms']} ms, {f['kb']} KB, "
                f"{f['python_peak_mb']} MB allocated, {f['status']})",
                flush=True,
            )
        print(f"   {scale} memory: peak RSS {memory['rss_peak_mb']} MB (ceiling {CEILING_MB} MB)", flush=True)
        engine.dispose()
    return {"held": held, "paths": figures, "memory": memory}


def _answer_ms(name: str, figures: dict[str, Any]) -> float:
    """What a path is judged by: an export's first byte, anything else's whole answer."""
    return float(figures["first_byte_ms"] if name in EXPORTS else figures["ms"])


def run_database(*, large: bool = False, database: str | None = None) -> dict[str, Any]:
    """S and M (and L with `large`) on one database, with the ratios M/S and the checks."""
    scales = ["S", "M", "L"] if large else ["S", "M"]
    results: dict[str, Any] = {"database": "postgresql" if database else "sqlite"}
    for scale in scales:
        results[scale] = run_scale(scale, database)
    ratios, slow, grew = {}, [], []
    for name, s in results["S"]["paths"].items():
        m = results["M"]["paths"][name]
        ratio = round(_answer_ms(name, m) / _answer_ms(name, s), 2) if _answer_ms(name, s) else None
        ratios[name] = ratio
        if ratio is not None and ratio > FLAT_RATIO:
            grew.append(name)
        if _answer_ms(name, m) >= TARGET_MS:
            slow.append(name)
    results["ratio_M_over_S"] = ratios
    peaks = {s: results[s]["memory"]["rss_peak_mb"] for s in scales if results[s]["memory"]["rss_peak_mb"] is not None}
    results["checks"] = {
        f"grew more than {FLAT_RATIO}x from S to M": grew,
        f"{TARGET_MS} ms or more at M": slow,
        f"peak RSS above {CEILING_MB} MB": [s for s, peak in peaks.items() if peak > CEILING_MB],
    }
    results["rss_peak_mb"] = max(peaks.values()) if peaks else None
    return results


def postgres_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES


def reachable_postgres(url: str) -> str | None:
    """None when the database answers (created first if the server has no such database), else why not."""
    target = make_url(normalise_url(url))
    try:
        probe = create_engine(target, connect_args={"connect_timeout": 3})
        try:
            with probe.connect():
                return None
        except Exception:  # noqa: BLE001 - maybe only the database is missing: try the server's own
            server = create_engine(target.set(database="postgres"), connect_args={"connect_timeout": 3},
                                   isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            server.dispose()
            return None
        finally:
            probe.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def run(*, large: bool = False) -> dict[str, Any]:
    """`make bench`: SQLite, then PostgreSQL when one answers."""
    results: dict[str, Any] = {"ceiling_mb": CEILING_MB, "flat_ratio": FLAT_RATIO, "target_ms": TARGET_MS}
    print("   sqlite", flush=True)
    results["sqlite"] = run_database(large=large)
    url = postgres_url()
    why = reachable_postgres(url)
    if why is None:
        print(f"   postgresql ({make_url(url).render_as_string(hide_password=True)})", flush=True)
        results["postgresql"] = run_database(large=large, database=url)
    else:
        print(f"   postgresql skipped: nothing answers at {make_url(url).render_as_string(hide_password=True)} ({why})",
              flush=True)
        results["postgresql"] = {"skipped": f"no PostgreSQL at {url}: {why}"}
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    """The growth section of bench/results.md: one table per database (either `run()`'s or one
    `run_database()`'s result)."""
    if "ratio_M_over_S" in results:
        return _database_markdown(results, CEILING_MB)
    lines: list[str] = []
    for database in ("sqlite", "postgresql", "large"):
        data = results.get(database) or {}
        if "skipped" in data:
            lines += ["", f"## Growth ({database}): skipped, {data['skipped']}"]
        elif "ratio_M_over_S" in data:
            lines += _database_markdown(data, results.get("ceiling_mb", CEILING_MB))
    return lines


def _database_markdown(results: dict[str, Any], ceiling: int) -> list[str]:
    scales = [s for s in ("S", "M", "L") if s in results]
    lines = [
        "",
        f"## Growth ({results['database']}, {' '.join(scales)}; warm median of {REPEATS} requests, in process)",
        "",
        "| path | " + " | ".join(f"{s} ms (first byte)" for s in scales) + " | M/S | peak allocated at "
        + scales[-1] + " |",
        "| --- | " + " | ".join("---:" for _ in scales) + " | ---: | ---: |",
    ]
    for name, ratio in results["ratio_M_over_S"].items():
        cells = [f"{results[s]['paths'][name]['ms']} ({results[s]['paths'][name]['first_byte_ms']})" for s in scales]
        peak = results[scales[-1]]["paths"][name].get("python_peak_mb")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio}× | {peak} MB |")
    rss = ", ".join(f"{s} {results[s]['memory']['rss_peak_mb']} MB" for s in scales)
    lines += ["", f"API process peak RSS while serving: {rss} (ceiling {ceiling} MB). M/S compares what a path "
              "is judged by: an export's first byte, any other path's whole answer."]
    held = "; ".join(
        f"{s} {results[s]['held']['events']:,} events, {results[s]['held']['claims']:,} claims and audit entries, "
        f"{results[s]['held']['payouts']:,} payouts (seeded in {results[s]['held']['seed_s']} s, totals rebuilt in "
        f"{results[s]['held']['rebuild_s']} s)"
        for s in scales
    )
    lines.append(f"Held: {held}.")
    failed = {check: names for check, names in (results.get("checks") or {}).items() if names}
    listed = "; ".join(f"{check}: {', '.join(names)}" for check, names in failed.items())
    lines.append(f"Checks: {listed or 'all pass'}. (In-process times of a few tens of milliseconds vary up to 2x "
                 "between runs on a shared machine: a ratio above 1.5 between two of them is checked again before "
                 "it is read as growth.)")
    return lines


def save_large(outcome: dict[str, Any]) -> None:
    """Keeps a run with L in bench/results.json (growth.large) and writes bench/results.md again."""
    import json

    from bench.__main__ import HERE
    from bench.__main__ import markdown as all_markdown

    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("growth", {})["large"] = outcome
    path.write_text(json.dumps(results, indent=2) + "\n")
    if "machine" in results:
        (HERE / "results.md").write_text(all_markdown(results))


if __name__ == "__main__":
    args = sys.argv[1:]
    db = args[args.index("--postgres") + 1] if "--postgres" in args else None
    outcome = run_database(large="--large" in args, database=db)
    print("\n".join(markdown(outcome)))
    if "--large" in args and "--save" in args:  # `python -m bench.growth --large --postgres URL --save`
        save_large(outcome)
