"""Drill 1: kill -9 the API and the workers at random moments during 500 approvals and 100 payments,
restart them each time, then check that every approved claim was rewarded exactly once, every payment
moved coins exactly once, and every money invariant holds."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from eth_account import Account
from sqlalchemy import text

from drills import invariants
from drills.client import Api
from drills.harness import Stack, log
from drills.workload import People, wait_rewards_settled

CITIZENS = 50
TASKS = 10  # 50 citizens x 10 tasks = 500 approvals
PAYMENTS = 100  # two per citizen
REWARD = "12.00"
PAYMENT = "1.50"
THREADS = 8
KILLS = 3  # per phase (approvals only; approvals with payments): several, and bounded so the runtime is too


class Chaos(threading.Thread):
    """Every few seconds kills the API, the workers or both with SIGKILL, and restarts them."""

    def __init__(self, stack: Stack, rng: random.Random) -> None:
        super().__init__(name="chaos", daemon=True)
        self.stack, self.rng = stack, rng
        self.stop = threading.Event()
        self.kills: list[str] = []
        self.budget = KILLS
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.wait(self.rng.uniform(2.0, 5.0)):
                if len(self.kills) >= self.budget:
                    continue
                target = self.rng.choice(["api", "workers", "both"])
                if target in ("api", "both"):
                    self.stack.kill_api()
                if target in ("workers", "both"):
                    self.stack.kill_workers()
                self.kills.append(target)
                log(f"kill -9 {target} (#{len(self.kills)})")
                time.sleep(self.rng.uniform(0.1, 1.0))
                if target in ("workers", "both"):
                    self.stack.start_workers()
                if target in ("api", "both"):
                    self.stack.start_api()
        except BaseException as exc:  # noqa: BLE001 - reported by the drill
            self.error = exc


def run(*, seed: int, postgres: bool = False) -> bool:
    rng = random.Random(seed)  # noqa: S311 - chaos timing, not cryptography
    print(
        f"\n== drill 1: kill -9 during {CITIZENS * TASKS} approvals and {PAYMENTS} payments "
        f"({'PostgreSQL' if postgres else 'SQLite'}, seed {seed})",
        flush=True,
    )
    started = time.monotonic()
    with Stack("crash", postgres=postgres) as stack:
        # Long enough to ride out any restart; short enough that a stack which cannot come back ends the drill.
        api = Api(stack.base_url, patience=120)
        people = People(api, citizens=[Account.create() for _ in range(CITIZENS)])
        log(f"stack up in {time.monotonic() - started:.1f} s: API {stack.base_url}, chain {stack.rpc_url}")
        tasks = [people.post_task(reward=REWARD, capacity=CITIZENS) for _ in range(TASKS)]
        people.register_merchant()
        for citizen in people.citizens:
            people.token(citizen)
        chaos = Chaos(stack, rng)
        chaos.start()
        log(f"chaos on; {TASKS} tasks posted, {CITIZENS} citizens signed in")

        jobs = [(c, t) for t in tasks for c in people.citizens]
        rng.shuffle(jobs)
        first, rest = jobs[: len(jobs) // 2], jobs[len(jobs) // 2 :]
        with ThreadPoolExecutor(THREADS) as pool:
            claim_ids = list(pool.map(lambda job: people.do_task(*job), first))
        log(f"{len(claim_ids)} claims approved; waiting for their rewards before paying")
        wait_rewards_settled(stack.engine, timeout=180, expected=len(first))
        people.wait_merchant_on_chain(timeout=120)
        chaos.budget += KILLS
        payers = [c for c in people.citizens for _ in range(PAYMENTS // CITIZENS)]
        with ThreadPoolExecutor(THREADS) as pool:
            approvals = pool.map(lambda job: people.do_task(*job), rest)
            payments = pool.map(lambda citizen: people.pay(citizen, PAYMENT), payers)
            claim_ids += list(approvals)
            paid = list(payments)
        chaos.stop.set()
        chaos.join()
        if chaos.error is not None:
            raise RuntimeError(f"the chaos thread failed: {chaos.error}") from chaos.error
        log(
            f"workload done: {len(set(claim_ids))} claims approved, {len(paid)} payments relayed, "
            f"{len(chaos.kills)} kills "
            f"({', '.join(f'{k}x{chaos.kills.count(k)}' for k in ('api', 'workers', 'both'))}), "
            f"{api.retries} client retries across restarts"
        )
        if stack.api_proc is None or stack.api_proc.poll() is not None:
            stack.start_api()
        if stack.worker_proc is None or stack.worker_proc.poll() is not None:
            stack.start_workers()
        counts = wait_rewards_settled(stack.engine, timeout=180, expected=CITIZENS * TASKS)
        log(f"rewards settled: {counts}")
        payments_ok = wait_payments(stack, api, PAYMENTS)
        stack.stop_workers()
        results, view = invariants.check_all(
            stack.w3, stack.deployment, stack.engine, settings=stack.settings, euro_per_coin=Decimal("1.00")
        )
        results["every relayed payment moved coins exactly once"] = (
            payment_problems(view, people.merchant.address, PAYMENTS, int(Decimal(PAYMENT) * 100))
            + payments_ok
        )
        results["no 5xx other than 503 chain_unavailable"] = [
            e for e in api.server_errors if "chain_unavailable" not in e
        ]
        approved = scalar(stack, "SELECT COUNT(*) FROM claims WHERE status = 'approved'")
        results[f"{CITIZENS * TASKS} claims approved in the database"] = (
            [] if approved == CITIZENS * TASKS else [f"{approved} approved"]
        )
        with stack.engine.connect() as conn:
            in_db = {int(r[0]) for r in conn.execute(text("SELECT id FROM claims WHERE status = 'approved'"))}
        people.lost_writes += [
            f"approval of claim {c} (answered 200)" for c in sorted(set(claim_ids) - in_db)
        ]
        results["every 2xx answer's write is in the database (no acknowledged write lost)"] = (
            people.lost_writes
        )
        ok = invariants.conclude(stack, api, results, view)
    print(f"  drill 1 {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s", flush=True)
    return ok


def scalar(stack: Stack, sql: str) -> int:
    with stack.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def wait_payments(stack: Stack, api: Api, expected: int, timeout: float = 120) -> list[str]:
    """Asks GET /payments/{tx_hash} (the state the indexer recorded: confirmed once the payment's
    authorization was used on chain) for every payment until each is confirmed; returns the problems."""
    with stack.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT tx_hash FROM payments"))]
    deadline = time.monotonic() + timeout
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        for tx_hash in hashes:
            if statuses.get(tx_hash) != "confirmed":
                response = api.call("GET", f"/payments/{tx_hash}")
                statuses[tx_hash] = response.json().get("status", str(response.status_code))
        if all(s == "confirmed" for s in statuses.values()):
            break
        stack.mine(1)
        time.sleep(0.5)
    counts = {s: list(statuses.values()).count(s) for s in set(statuses.values())}
    log(f"payments: {len(hashes)} rows; by status (GET /payments/{{tx_hash}}): {counts}")
    problems = []
    if len(hashes) != expected:
        problems.append(f"{len(hashes)} payment rows, expected {expected}")
    if counts.get("confirmed", 0) != expected:
        problems.append(f"payments by status {counts}, expected {expected} confirmed")
    return problems


def payment_problems(view: invariants.ChainView, merchant: str, expected: int, units: int) -> list[str]:
    to_shop = [
        t for t in view.transfers if t["args"]["to"] == merchant and t["args"]["from"] != invariants.ZERO
    ]
    problems = []
    if len(to_shop) != expected:
        problems.append(f"{len(to_shop)} Transfer events to the shop, expected {expected}")
    if any(t["args"]["value"] != units for t in to_shop):
        problems.append("a payment moved a different amount than signed")
    if view.balances.get(merchant, 0) != expected * units - sum(e["args"]["amount"] for e in view.redeemed):
        problems.append(f"the shop holds {view.balances.get(merchant, 0)} units, expected {expected * units}")
    return problems
