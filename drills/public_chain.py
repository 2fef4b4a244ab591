"""Drill 6: a chain that behaves like a public one. Anvil mines a block every 5 seconds (as Gnosis
Chain) instead of one per transaction, and the backend waits CONFIRMATIONS = 3 blocks before it counts
money. Citizens are rewarded, pay at a shop's till through payment requests, and the shop redeems:
- the till shows "paid" once the payment is in a block (within about one block of the pay), while the
  payment request is confirmed only when the indexer counts it CONFIRMATIONS deep;
- a redemption's payout exists only once its burn is CONFIRMATIONS deep, never at inclusion;
- every reward goes out, and every money invariant holds at the end."""

from __future__ import annotations

import statistics
import time
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import text

from drills import invariants
from drills.client import Api
from drills.harness import Stack, log
from drills.workload import People, sign_typed, wait_rewards_settled

BLOCK_SECONDS = 5
CONFIRMATIONS = 3
CITIZENS = 4
PAYMENTS = 6
POLL_SECONDS = 0.25


def run(*, seed: int, postgres: bool = False) -> bool:
    print(
        f"\n== drill 6: {BLOCK_SECONDS}-second blocks, {CONFIRMATIONS} confirmations "
        f"({'PostgreSQL' if postgres else 'SQLite'})",
        flush=True,
    )
    started = time.monotonic()
    checks: dict[str, list[str]] = {}
    env = {"CONFIRMATIONS": str(CONFIRMATIONS)}
    with Stack("public-chain", postgres=postgres, block_seconds=BLOCK_SECONDS, extra_env=env) as stack:
        api = Api(stack.base_url, patience=90)
        people = People(api, citizens=[Account.create() for _ in range(CITIZENS)])
        task = people.post_task(reward="20.00", capacity=CITIZENS)
        people.register_merchant()
        for citizen in people.citizens:
            people.do_task(citizen, task)
        wait_rewards_settled(stack.engine, timeout=180, expected=CITIZENS)
        people.wait_merchant_on_chain(timeout=120)
        log(f"{CITIZENS} rewards confirmed and the shop registered, on {BLOCK_SECONDS}-second blocks")

        paid_after, confirmed_after, early = [], [], []
        for i in range(PAYMENTS):
            paid, confirmed, confirmed_when_paid = _pay_at_till(api, people, people.citizens[i % CITIZENS])
            paid_after.append(paid)
            confirmed_after.append(confirmed)
            if confirmed_when_paid:
                early.append(f"payment {i + 1}: confirmed already when the till first saw it paid")
        log(
            f"till: paid after p50 {statistics.median(paid_after):.1f} s (max {max(paid_after):.1f} s), "
            f"confirmed after p50 {statistics.median(confirmed_after):.1f} s"
        )
        # "Within one block": the payment waits at most one block to be included, plus the till's poll.
        slow = [f"{s:.1f} s" for s in paid_after if s > 2 * BLOCK_SECONDS]
        checks[f"the till shows paid within about one block (≤ {2 * BLOCK_SECONDS} s)"] = slow
        checks["the till's request is confirmed only after the confirmations"] = early

        offer = people.redemption_offer("10.00")
        response = people.relay_redemption(offer)
        tx_hash = str(response.json()["tx_hash"])
        included = _wait_included(stack, tx_hash)
        at_inclusion = _payouts_of(stack, tx_hash)
        deep_enough = included + CONFIRMATIONS - 1
        while stack.w3.eth.block_number < deep_enough + 1:
            time.sleep(0.5)
        deadline = time.monotonic() + 60
        while not _payouts_of(stack, tx_hash) and time.monotonic() < deadline:
            time.sleep(0.5)
        later = _payouts_of(stack, tx_hash)
        log(
            f"redemption in block {included}: payouts at inclusion {len(at_inclusion)}, "
            f"after the confirmations {len(later)}"
        )
        checks["no payout at a redemption's inclusion"] = [f"{len(at_inclusion)} payouts"] if at_inclusion else []
        checks["the payout once the burn is deep enough"] = [] if len(later) == 1 else [f"{len(later)} payouts"]

        time.sleep(BLOCK_SECONDS * (CONFIRMATIONS + 1))  # the last payments become deep enough to count
        stack.stop_workers()
        results, view = invariants.check_all(
            stack.w3, stack.deployment, stack.engine, settings=stack.settings, euro_per_coin=Decimal("1.00")
        )
        results.update(checks)
        results["no 5xx"] = list(api.server_errors)
        ok = invariants.conclude(stack, api, results, view)
    print(f"  drill 6 {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s", flush=True)
    return ok


def _pay_at_till(api: Api, people: People, citizen: LocalAccount) -> tuple[float, float, bool]:
    """The shop's till asks for 2.50, the citizen pays it; returns (seconds to paid, seconds to
    confirmed, whether the first `paid` the till saw was already confirmed)."""
    shop = people.token(people.merchant)
    payer = people.token(citizen)
    request = api.ok("POST", "/payment-requests", token=shop, json={"amount": "2.50"})
    offer = api.ok("POST", f"/payment-requests/{request['id']}/typed-data", token=payer, json={"from": citizen.address})
    m = offer["typed_data"]["message"]
    body: dict[str, Any] = {
        "from": m["from"], "to": m["to"], "value": int(m["value"]), "validAfter": int(m["validAfter"]),
        "validBefore": int(m["validBefore"]), "nonce": m["nonce"],
        "signature": sign_typed(citizen, offer["typed_data"]), "request_id": request["id"],
    }
    t0 = time.monotonic()
    api.ok("POST", "/payments", token=payer, json=body)
    paid_at: float | None = None
    confirmed_when_paid = False
    while True:
        seen = api.ok("GET", f"/payment-requests/{request['id']}", token=shop)
        now = time.monotonic() - t0
        if paid_at is None and seen["status"] == "paid":
            paid_at, confirmed_when_paid = now, bool(seen.get("confirmed"))
        if seen.get("confirmed"):
            return (paid_at if paid_at is not None else now), now, confirmed_when_paid
        if now > 120:
            raise RuntimeError(f"payment request {request['id']} not confirmed after 120 s: {seen}")
        time.sleep(POLL_SECONDS)


def _wait_included(stack: Stack, tx_hash: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            receipt = stack.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - TransactionNotFound: not in a block yet
            receipt = None
        if receipt is not None:
            return int(receipt["blockNumber"])
        time.sleep(0.2)
    raise RuntimeError(f"redemption {tx_hash} not in a block after {timeout} s")


def _payouts_of(stack: Stack, tx_hash: str) -> list[Any]:
    with stack.engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM payouts WHERE tx_hash = :h"), {"h": tx_hash.lower()}))
