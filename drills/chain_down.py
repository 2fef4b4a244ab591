"""Drill 2: the chain goes away for 10 s in the middle of work. Requests that need the chain answer
503 `chain_unavailable` at once; requests that do not (tasks, claims, balances, approvals: the reward goes to the
outbox) keep working; when the chain is back, the queued rewards go out and everything resumes."""

from __future__ import annotations

import time
from decimal import Decimal

from eth_account import Account

from drills import invariants
from drills.client import Api, error_code
from drills.harness import Stack, log
from drills.workload import People, wait_rewards_settled

DOWN_SECONDS = 10
CITIZENS = 6


def run(*, seed: int, postgres: bool = False) -> bool:
    print(
        f"\n== drill 2: Anvil stopped for {DOWN_SECONDS} s in the middle "
        f"({'PostgreSQL' if postgres else 'SQLite'})",
        flush=True,
    )
    started = time.monotonic()
    checks: dict[str, list[str]] = {}
    with Stack("chain-down", postgres=postgres, chain_state=True) as stack:
        api = Api(stack.base_url, patience=60)
        people = People(api, citizens=[Account.create() for _ in range(CITIZENS)])
        task = people.post_task(reward="10.00", capacity=CITIZENS * 2)
        second = people.post_task(reward="10.00", capacity=CITIZENS * 2)
        people.register_merchant()
        for citizen in people.citizens:
            people.do_task(citizen, task)
        waiting = [people.claim(c, second) for c in people.citizens]
        for citizen, claim_id in zip(people.citizens, waiting, strict=True):
            people.send_proof(citizen, claim_id)
        wait_rewards_settled(stack.engine, expected=CITIZENS)
        people.wait_merchant_on_chain()
        payer = people.citizens[0]
        offer = api.ok(
            "POST",
            "/payments/typed-data",
            json={"from": payer.address, "to": people.merchant.address, "amount": "2.00"},
        )
        payer_token = people.token(payer)  # relaying needs the payer signed in
        log(f"{CITIZENS} rewards confirmed, {CITIZENS} more claims waiting for approval; stopping Anvil")

        stack.stop_chain()
        down_at = time.monotonic()
        op = people.token(people.operator)
        need_chain = {
            "POST /payments": lambda: api.call(
                "POST", "/payments", token=payer_token, json=_signed_body(payer, offer)
            ),
            "POST /redemptions/verify": lambda: api.call(
                "POST", "/redemptions/verify", token=op, json={"tx_hash": "0x" + "ab" * 32}
            ),
        }
        for name, request in need_chain.items():
            response = request()
            problem = (
                None
                if response.status_code == 503 and error_code(response) == "chain_unavailable"
                else (f"{response.status_code} {response.text[:200]}")
            )
            checks.setdefault("while down: requests that need the chain get 503 chain_unavailable", [])
            if problem:
                checks["while down: requests that need the chain get 503 chain_unavailable"].append(
                    f"{name}: {problem}"
                )
            log(f"chain down: {name} -> {response.status_code} {error_code(response)}")
        keep_working = {
            "GET /tasks": lambda: api.call("GET", "/tasks"),
            "GET /tasks/{id}": lambda: api.call("GET", f"/tasks/{task}"),
            "GET /claims (operator)": lambda: api.call("GET", "/claims", token=op),
            "GET /merchants": lambda: api.call("GET", "/merchants"),
            # balances come from the indexed chain (table account_balances): no node needed
            "GET /accounts/{address}": lambda: api.call("GET", f"/accounts/{payer.address}", token=payer_token),
            "GET /auth/nonce": lambda: api.call("GET", "/auth/nonce"),
        }
        for i, claim_id in enumerate(waiting):
            keep_working[f"POST /claims/{{id}}/approve #{i + 1}"] = lambda cid=claim_id: api.call(
                "POST", f"/claims/{cid}/approve", token=op
            )
        checks["while down: everything else keeps working"] = []
        for name, request in keep_working.items():
            response = request()
            if response.status_code != 200:
                checks["while down: everything else keeps working"].append(
                    f"{name}: {response.status_code} {response.text[:200]}"
                )
        log(
            f"chain down: {len(keep_working)} requests that need no chain answered "
            f"({len(checks['while down: everything else keeps working'])} failed), "
            f"incl. {len(waiting)} approvals"
        )
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
        stack.start_chain()
        log(f"Anvil back after {time.monotonic() - down_at:.1f} s (state reloaded)")

        counts = wait_rewards_settled(stack.engine, timeout=90, expected=2 * CITIZENS)
        log(f"rewards after the outage: {counts}")
        response = api.call("GET", f"/accounts/{payer.address}")
        checks["after: the balance answers"] = (
            []
            if response.status_code == 200
            else [f"GET /accounts -> {response.status_code} {response.text[:200]}"]
        )
        paid = api.call("POST", "/payments", token=payer_token, json=_signed_body(payer, offer))
        checks["after: the payment refused while down goes through with the same body"] = (
            [] if paid.status_code in (200, 201) else [f"{paid.status_code} {paid.text[:200]}"]
        )
        log(f"after: GET /accounts -> {response.status_code}, the same payment -> {paid.status_code}")
        time.sleep(1.0)
        stack.mine(2)
        stack.stop_workers()
        results, view = invariants.check_all(
            stack.w3, stack.deployment, stack.engine, settings=stack.settings, euro_per_coin=Decimal("1.00")
        )
        results.update(checks)
        results["no 5xx other than 503 chain_unavailable"] = [
            e for e in api.server_errors if "chain_unavailable" not in e
        ]
        ok = invariants.conclude(stack, api, results, view)
    print(f"  drill 2 {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s", flush=True)
    return ok


def _signed_body(payer: Account, offer: dict) -> dict:  # type: ignore[type-arg]
    from drills.workload import sign_typed

    message = offer["typed_data"]["message"]
    return {
        "from": message["from"],
        "to": message["to"],
        "value": message["value"],
        "validAfter": message["validAfter"],
        "validBefore": message["validBefore"],
        "nonce": message["nonce"],
        "signature": sign_typed(payer, offer["typed_data"]),
    }
