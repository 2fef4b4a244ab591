"""The growth benchmark: does a request cost what its answer costs, or what the archive holds?

Seeds a database directly with SQL inserts at scale S (1k citizens, 5k claims, 20k chain events, with
their payouts, redemptions and SEPA batches) and M (10x), then times each path through the app in
process (the ASGI app called directly, over a FakeChain: no node, no network), warm median of
REPEATS requests, and reports each path's time per scale and the ratio M/S. For the CSV exports the
time to the first byte of the body is measured beside the whole answer.

`python -m bench.growth` runs S and M on SQLite; `--large` adds L (100x S); `--postgres URL` runs on
that PostgreSQL database instead (its tables are dropped and created again). `make bench` runs S and M
on SQLite.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from backend import models_registry  # noqa: F401 - every table in Base.metadata
from backend.app import create_app
from backend.auth.deps import User, current_user
from backend.claims.models import Claim
from backend.db import Base, make_engine, make_session_factory, transaction
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
        session.execute(insert(Payout), payouts)
        session.execute(insert(Redemption), redemptions)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions) as session:
        rows = totals.rebuild(session, unit_settings().city_name)
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

    def __init__(self, engine: Engine) -> None:
        self.settings = unit_settings()
        self.chain = FakeChain()
        self.engine = engine
        self.sessions = make_session_factory(engine)
        self.read_sessions = make_session_factory(engine.execution_options(heitje_read=True))

    @property
    def deployment(self) -> Any:
        return self.chain.deployment

    def close(self) -> None:
        self.engine.dispose()


def time_paths(engine: Engine, citizen: str) -> dict[str, dict[str, Any]]:
    runtime = _Runtime(engine)
    app = create_app(runtime, web_dir=None)  # type: ignore[arg-type]
    app.dependency_overrides[current_user] = lambda: User(OPERATOR, ("citizen", "operator"))
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
    return out


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
        figures = time_paths(engine, held.pop("citizen"))
        for name, f in figures.items():
            print(
                f"   {scale} {name}: {f['ms']} ms (first byte {f['first_byte_ms']} ms, {f['kb']} KB, {f['status']})",
                flush=True,
            )
        engine.dispose()
    return {"held": held, "paths": figures}


def run(*, large: bool = False, database: str | None = None) -> dict[str, Any]:
    scales = ["S", "M", "L"] if large else ["S", "M"]
    results: dict[str, Any] = {"database": "postgresql" if database else "sqlite"}
    for scale in scales:
        results[scale] = run_scale(scale, database)
    ratios = {}
    for name, s in results["S"]["paths"].items():
        m = results["M"]["paths"][name]
        ratios[name] = round(m["ms"] / s["ms"], 2) if s["ms"] else None
    results["ratio_M_over_S"] = ratios
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    scales = [s for s in ("S", "M", "L") if s in results]
    lines = [
        "",
        f"## Growth ({results['database']}; warm median of {REPEATS} requests, in process)",
        "",
        "| path | " + " | ".join(f"{s} ms (first byte)" for s in scales) + " | M/S |",
        "| --- | " + " | ".join("---:" for _ in scales) + " | ---: |",
    ]
    for name, ratio in results["ratio_M_over_S"].items():
        cells = [f"{results[s]['paths'][name]['ms']} ({results[s]['paths'][name]['first_byte_ms']})" for s in scales]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio}× |")
    return lines


if __name__ == "__main__":
    args = sys.argv[1:]
    db = args[args.index("--postgres") + 1] if "--postgres" in args else None
    outcome = run(large="--large" in args, database=db)
    print("\n".join(markdown(outcome)))
