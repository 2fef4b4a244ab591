"""The API benchmark: requests/s and p50/p99 latency of GET /api/v1/tasks and GET /api/v1/accounts/{address}
at 50 concurrent clients, against a real server process (`heitje up --no-workers` on its own Anvil,
SQLite database and free port, all on 127.0.0.1), driven by an async httpx load generator.

Bounded: each endpoint gets a warm-up, then at most REQUESTS requests or SECONDS seconds, whichever
comes first.

Hostile photos (issue 11): the latency of GET /api/v1/tasks with no uploads, beside the same while three
clients keep sending 49-megapixel PNGs as proof (each ~140 KB on the wire; refused from the header), and
while three keep sending 24-megapixel ones (decoded and downscaled in the photo workers).
`python -m bench.api uploads` runs only these."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
from eth_account import Account

CLIENTS = 50
REQUESTS = 3000  # per endpoint
SECONDS = 20.0  # per endpoint, at most
WARMUP = 100
TASKS = 60  # the seeded list: GET /tasks returns up to 100 per page


async def _load(
    base_url: str, path: str, *, clients: int, requests: int, seconds: float, raw: bool = False
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    issued = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as http:
        for _ in range(WARMUP):
            await http.get(path)
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    response = await http.get(path)
                except httpx.TimeoutException:
                    statuses[0] = statuses.get(0, 0) + 1  # no answer within the timeout: counted, not timed
                    continue
                except httpx.TransportError:
                    statuses[-1] = statuses.get(-1, 0) + 1  # the connection dropped without an answer: counted
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    if raw:
        return {"latencies": latencies, "statuses": statuses, "seconds": elapsed}
    return _figures(latencies, statuses, clients=clients, elapsed=elapsed)


def _figures(latencies: list[float], statuses: dict[int, int], *, clients: int, elapsed: float) -> dict[str, Any]:
    latencies.sort()
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "non_200": {({0: "timeout", -1: "dropped"}.get(k) or str(k)): v for k, v in statuses.items() if k != 200},
    }


CLIENTS_PER_PROCESS = 50  # one httpx pool serves at most this many clients (see _load_spread)


def _load_in_process(args: tuple[str, str, int, int, float]) -> tuple[list[float], dict[int, int], float]:
    base_url, path, clients, requests, seconds = args
    figures = asyncio.run(_load(base_url, path, clients=clients, requests=requests, seconds=seconds, raw=True))
    return figures["latencies"], figures["statuses"], figures["seconds"]


def _load_spread(base_url: str, path: str, *, clients: int, requests: int, seconds: float) -> dict[str, Any]:
    """`_load` with the clients spread over processes of CLIENTS_PER_PROCESS each, their figures merged.
    200 people are 200 separate clients: one httpx pool shared by all of them spends time per request
    that grows with its connections (it scans them), which on a 2-core machine is taken from the server
    it measures; each process's pool stays at the size of the 50-client figure it is compared with."""
    import multiprocessing

    processes = max(1, -(-clients // CLIENTS_PER_PROCESS))
    share = [(base_url, path, clients // processes, requests // processes, seconds) for _ in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_load_in_process, share)
    latencies = [t for part in parts for t in part[0]]
    statuses: dict[int, int] = {}
    for _, part_statuses, _ in parts:
        for code, n in part_statuses.items():
            statuses[code] = statuses.get(code, 0) + n
    return _figures(latencies, statuses, clients=clients, elapsed=max(part[2] for part in parts))


UPLOADERS = 3
UPLOAD_CLIENTS = 10
UPLOAD_REQUESTS = 1000
UPLOAD_SECONDS = 10.0


def _flat_png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 60)).save(out, format="PNG")
    return out.getvalue()


async def _tasks_while_uploading(base_url: str, proofs: list[tuple[str, int]], photo: bytes | None) -> dict[str, Any]:
    """GET /tasks figures while each (token, claim id) in `proofs` sends `photo` as proof again and again
    (one upload at a time per uploader); `photo=None` measures with no uploads."""
    stop = asyncio.Event()
    answers: dict[str, int] = {}

    async def uploader(token: str, claim_id: int) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            while not stop.is_set():
                response = await http.post(
                    f"/api/v1/claims/{claim_id}/proof",
                    headers={"Authorization": f"Bearer {token}"},
                    files={"photo": ("proof.png", photo or b"", "image/png")},
                )
                code = response.json().get("error", {}).get("code") if response.status_code >= 400 else None
                key = f"{response.status_code} {code}" if code else str(response.status_code)
                answers[key] = answers.get(key, 0) + 1

    running = [asyncio.create_task(uploader(t, c)) for t, c in proofs] if photo is not None else []
    await asyncio.sleep(1.0 if running else 0)  # the uploads are under way before measuring
    figures = await _load(
        base_url, "/api/v1/tasks", clients=UPLOAD_CLIENTS, requests=UPLOAD_REQUESTS, seconds=UPLOAD_SECONDS
    )
    stop.set()
    await asyncio.gather(*running)
    if running:
        figures["uploads"] = answers
    return figures


def upload_figures(stack: Any) -> dict[str, Any]:
    """GET /tasks p50/p99 with no uploads, during three 49-MP uploads and during three 24-MP uploads."""
    from drills.client import Api
    from drills.workload import People

    api = Api(stack.base_url)
    people = People(api, citizens=[Account.create() for _ in range(UPLOADERS)])
    task_id = people.post_task(reward="12.00", capacity=UPLOADERS + 1)
    for i in range(TASKS):
        people.post_task(reward="12.50", capacity=5, district=f"District {i % 6}")
    proofs = [(people.token(c), people.claim(c, task_id)) for c in people.citizens]
    api.close()
    runs = {
        "GET /api/v1/tasks, no uploads": None,
        "GET /api/v1/tasks during three 49-MP uploads": _flat_png(7000, 7000),
        "GET /api/v1/tasks during three 24-MP uploads": _flat_png(6000, 4000),
    }
    results: dict[str, Any] = {}
    for name, photo in runs.items():
        results[name] = figures = asyncio.run(_tasks_while_uploading(stack.base_url, proofs, photo))
        print(
            f"   {name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms "
            f"({figures['requests']} requests, {UPLOAD_CLIENTS} clients"
            f"{', uploads answered: ' + str(figures['uploads']) if 'uploads' in figures else ''})",
            flush=True,
        )
    return results


def run_uploads() -> dict[str, Any]:
    from drills.harness import Stack

    with Stack("bench-uploads") as stack:
        stack.stop_workers()
        return upload_figures(stack)


def _seed(stack: Any) -> str:
    """Posts TASKS tasks and rewards one citizen (so the account has a balance and history)."""
    from drills.client import Api
    from drills.workload import People, wait_rewards_settled

    api = Api(stack.base_url)
    people = People(api, citizens=[Account.create()])
    task_ids = [
        people.post_task(reward="12.50", capacity=5, district=f"District {i % 6}") for i in range(TASKS)
    ]
    citizen = people.citizens[0]
    for task_id in task_ids[:3]:
        people.do_task(citizen, task_id)
    wait_rewards_settled(stack.engine, expected=3, timeout=120)
    api.close()
    return str(citizen.address)


def run() -> dict[str, Any]:
    from drills.harness import Stack

    with Stack("bench-api") as stack:
        address = _seed(stack)
        stack.stop_workers()  # measure the API alone
        endpoints = {
            "GET /api/v1/tasks": "/api/v1/tasks",
            "GET /api/v1/accounts/{address}": f"/api/v1/accounts/{address}",
        }
        results: dict[str, Any] = {}
        for name, path in endpoints.items():
            results[name] = asyncio.run(
                _load(stack.base_url, path, clients=CLIENTS, requests=REQUESTS, seconds=SECONDS)
            )
            figures = results[name]
            print(
                f"   {name}: {figures['requests_per_s']} req/s, p50 {figures['p50_ms']} ms, "
                f"p99 {figures['p99_ms']} ms ({figures['requests']} requests, {CLIENTS} clients"
                f"{', non-200: ' + str(figures['non_200']) if figures['non_200'] else ''})",
                flush=True,
            )
        results.update(upload_figures(stack))
    from drills.harness import postgres_available

    # its "targets" go to results.json's "targets" (bench/__main__.py)
    results["reads"] = run_reads(postgres=postgres_available())
    results["clients"] = CLIENTS
    results["server"] = "heitje up --no-workers (uvicorn, 1 process), SQLite, Anvil; 127.0.0.1"
    return results




# --- reads at the speed of the database, no collapse under load (issue 14) ---------------------------
# `python -m bench.api reads`: GET /tasks and GET /accounts/{address} against a bench-only route serving the
# same SQL (bench/server.py) at 50 clients; then 200 clients for 20 s on GET /tasks. SQLite with one process;
# with `--postgres` also PostgreSQL with two processes.
OVERLOAD_CLIENTS = 200
OVERLOAD_SECONDS = 20.0
READS_REQUESTS = 6000  # per run, at most (SECONDS bounds it too)


READS_HEADING = "## Reads at the speed of the database"
READS_NOTE = (
    "\nThe load comes from async httpx on the same 2 cores as the server (and, on a shared machine, whatever\n"
    "else runs): absolute figures move with it; each ratio is measured in the same run, the route and its SQL\n"
    "alternating twice (the better of each kept). 50 clients share one process; 200 clients are four such\n"
    "processes of 50 (one httpx pool of 200 connections costs more per request than the server it measures).\n"
)


class BenchStack:
    """A drills Stack whose API process is bench/server.py (the app plus the bench-only SQL routes)."""

    def __new__(cls, name: str, *, postgres: bool = False, processes: int = 1) -> Any:
        import subprocess
        import sys

        from drills.harness import Stack

        class _Stack(Stack):
            def _spawn(self, what: str, *args: str) -> subprocess.Popen[bytes]:
                if what != "api":
                    return super()._spawn(what, *args)
                out = open(self.dir / "api.log", "ab")  # noqa: SIM115 - lives with the process
                env = {**self.env, "BENCH_PROCESSES": str(processes)}
                return subprocess.Popen(  # noqa: S603 - our own bench server
                    [sys.executable, "-m", "bench.server"], env=env, stdout=out, stderr=subprocess.STDOUT
                )

        return _Stack(name, postgres=postgres)


def _slim(figures: dict[str, Any]) -> dict[str, Any]:
    keep = ("requests_per_s", "p50_ms", "p99_ms", "clients", "requests", "non_200")
    return {k: figures[k] for k in keep}


def _five_hundreds(figures: dict[str, Any]) -> int:
    return sum(n for code, n in figures["non_200"].items() if code in ("timeout", "dropped") or code.startswith("5"))


def reads_figures(stack: Any, address: str) -> dict[str, Any]:
    """The route and its SQL side by side (each measured twice, alternating, the better of each kept),
    then GET /tasks at 200 clients."""
    pairs = {
        "tasks": ("/api/v1/tasks", "/bench/tasks-sql"),
        "accounts": (f"/api/v1/accounts/{address}", f"/bench/accounts-sql/{address}"),
    }
    out: dict[str, Any] = {}
    for name, (route, sql) in pairs.items():
        best: dict[str, dict[str, Any]] = {}
        for _ in range(2):
            for label, path in (("route", route), ("sql", sql)):
                figures = asyncio.run(
                    _load(stack.base_url, path, clients=CLIENTS, requests=READS_REQUESTS, seconds=SECONDS / 2)
                )
                if label not in best or figures["requests_per_s"] > best[label]["requests_per_s"]:
                    best[label] = figures
        route_f, sql_f = best["route"], best["sql"]
        out[name] = {
            "route": _slim(route_f),
            "sql": _slim(sql_f),
            "ratio": round(route_f["requests_per_s"] / sql_f["requests_per_s"], 2),
            "p99_over_p50": round(route_f["p99_ms"] / route_f["p50_ms"], 2),
        }
        print(
            f"   {name}: route {route_f['requests_per_s']} req/s "
            f"(p50 {route_f['p50_ms']} ms, p99 {route_f['p99_ms']} ms)"
            f" vs its SQL {sql_f['requests_per_s']} req/s (p50 {sql_f['p50_ms']} ms, p99 {sql_f['p99_ms']} ms):"
            f" {out[name]['ratio']}x",
            flush=True,
        )
    heavy = _load_spread(
        stack.base_url, "/api/v1/tasks", clients=OVERLOAD_CLIENTS, requests=10**9, seconds=OVERLOAD_SECONDS
    )
    at_50 = out["tasks"]["route"]["requests_per_s"]
    out["overload"] = {
        **_slim(heavy),
        "seconds": heavy["seconds"],
        "five_hundreds": _five_hundreds(heavy),
        "vs_50_clients": round(heavy["requests_per_s"] / at_50, 2),
    }
    print(
        f"   GET /tasks at {OVERLOAD_CLIENTS} clients for {heavy['seconds']} s: {heavy['requests_per_s']} req/s "
        f"({out['overload']['vs_50_clients']}x the 50-client figure), p50 {heavy['p50_ms']} ms, "
        f"p99 {heavy['p99_ms']} ms, 5xx/timeouts: {out['overload']['five_hundreds']}, non-200: {heavy['non_200']}",
        flush=True,
    )
    return out


def run_reads(*, postgres: bool = False) -> dict[str, Any]:
    """The reads figures on SQLite with one process (and, with `postgres`, PostgreSQL with two)."""
    setups = [("sqlite_1_process", False, 1)] + ([("postgres_2_processes", True, 2)] if postgres else [])
    section: dict[str, Any] = {}
    for key, on_postgres, processes in setups:
        print(f"   -- {key}", flush=True)
        with BenchStack(f"bench-reads-{processes}", postgres=on_postgres, processes=processes) as stack:
            address = _seed(stack)
            stack.stop_workers()  # measure the API alone
            section[key] = reads_figures(stack, address)
    sqlite_run = section["sqlite_1_process"]
    section["targets"] = {
        "tasks_vs_sql": sqlite_run["tasks"]["ratio"],
        "accounts_vs_sql": sqlite_run["accounts"]["ratio"],
        "overload_5xx": sqlite_run["overload"]["five_hundreds"],
        "overload_vs_50": sqlite_run["overload"]["vs_50_clients"],
    }
    section["server"] = "bench/server.py (the app of heitje up --no-workers + bench-only SQL routes), Anvil; 127.0.0.1"
    section["load"] = (
        "async httpx on the same machine (its CPU is shared with the server): 50 clients in one process, "
        "200 in four processes of 50"
    )
    return section


def save_reads(section: dict[str, Any]) -> None:
    """Merges the reads section and its targets into bench/results.json and rewrites bench/results.md."""
    import json

    from bench.__main__ import HERE, machine, reads_markdown

    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = machine()
    results.setdefault("api", {})["reads"] = {k: v for k, v in section.items() if k != "targets"}
    results.setdefault("targets", {}).update(section["targets"])
    path.write_text(json.dumps(results, indent=2) + "\n")
    # results.md: the reads section replaced (or added at the end); the rest stays as the last full run wrote it
    table = HERE / "results.md"
    text = table.read_text() if table.exists() else ""
    start = text.find(READS_HEADING)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start].rstrip("\n") + ("\n" + text[end:] if end >= 0 else "")
    table.write_text(text.rstrip("\n") + "\n" + "\n".join(reads_markdown(results)) + "\n")


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    if sys.argv[1:2] == ["reads"]:
        reads = run_reads(postgres="--postgres" in sys.argv)
        save_reads(reads)
        print(json.dumps(reads, indent=2))
    else:
        print(json.dumps(run_uploads() if sys.argv[1:] == ["uploads"] else run(), indent=2))
