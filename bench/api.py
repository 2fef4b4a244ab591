"""The API benchmark: requests/s and p50/p99 latency of GET /api/v1/tasks and GET /api/v1/accounts/{address}
at 50 concurrent clients, against a real server process (`heitje up --no-workers` on its own Anvil,
SQLite database and free port, all on 127.0.0.1), driven by an async httpx load generator.

Bounded: each endpoint gets a warm-up, then at most REQUESTS requests or SECONDS seconds, whichever
comes first."""

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


async def _load(base_url: str, path: str, *, clients: int, requests: int, seconds: float) -> dict[str, Any]:
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
                latencies.append(time.perf_counter() - t0)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "non_200": {("timeout" if k == 0 else str(k)): v for k, v in statuses.items() if k != 200},
    }


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
    results["clients"] = CLIENTS
    results["server"] = "heitje up --no-workers (uvicorn, 1 process), SQLite, Anvil; 127.0.0.1"
    return results


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run(), indent=2))
