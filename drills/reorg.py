"""Drill 3: a reorg of depth 3 during redemptions. Burns are relayed and indexed (payouts created);
then Anvil replaces the last 3 blocks (`anvil_reorg`), so some burns leave the canonical chain.
The indexer must roll back: no payout may remain for a burn the chain no longer has, every burn the
chain has must still have exactly one payout, and new redemptions must go through afterwards."""

from __future__ import annotations

import time
from decimal import Decimal

from eth_account import Account
from sqlalchemy import text

from drills import invariants
from drills.client import Api
from drills.harness import Stack, log
from drills.workload import People, wait_rewards_settled

DEPTH = 3


def payouts(stack: Stack) -> list[dict]:  # type: ignore[type-arg]
    with stack.engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                text(
                    "SELECT tx_hash, block_number, units, status, reorged_at "
                    "FROM payouts ORDER BY block_number"
                )
            )
        ]


def wait_payouts(stack: Stack, count: int, timeout: float = 30) -> list[dict]:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    rows: list[dict] = []  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        rows = [r for r in payouts(stack) if r["reorged_at"] is None]
        if len(rows) >= count:
            return rows
        stack.mine(1)
        time.sleep(0.3)
    return rows


def redeem(people: People, stack: Stack, amount: str) -> str:
    offer = people.redemption_offer(amount)
    response = people.relay_redemption(offer)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"relay refused: {response.status_code} {response.text[:300]}")
    return str(response.json()["tx_hash"])


def run(*, seed: int, postgres: bool = False) -> bool:
    print(
        f"\n== drill 3: a reorg of depth {DEPTH} during redemptions "
        f"({'PostgreSQL' if postgres else 'SQLite'})",
        flush=True,
    )
    started = time.monotonic()
    checks: dict[str, list[str]] = {}
    with Stack("reorg", postgres=postgres) as stack:
        api = Api(stack.base_url)
        people = People(api, citizens=[Account.create() for _ in range(4)])
        task = people.post_task(reward="50.00", capacity=4)
        people.register_merchant()
        for citizen in people.citizens:
            people.do_task(citizen, task)
        wait_rewards_settled(stack.engine, expected=4)
        people.wait_merchant_on_chain()
        for citizen in people.citizens:
            people.pay(citizen, "40.00")
        time.sleep(0.5)
        before = [redeem(people, stack, "20.00") for _ in range(2)]
        settled = wait_payouts(stack, 2)
        log(
            f"2 redemptions burned and indexed ({len(settled)} payouts due); "
            "now 3 more, each in its own block"
        )

        head_before = stack.w3.eth.block_number
        doomed = [redeem(people, stack, "10.00") for _ in range(3)]
        raw = {h: stack.rpc("eth_getRawTransactionByHash", [h]) for h in doomed}
        blocks = [int(stack.w3.eth.get_transaction_receipt(h)["blockNumber"]) for h in doomed]
        time.sleep(2.0)  # let the indexer act on them first: the worst case for a reorg
        due_before = [r for r in payouts(stack) if r["reorged_at"] is None]
        log(
            f"burns in blocks {blocks} (head was {head_before}); "
            f"live payouts before the reorg: {len(due_before)}"
        )
        stack.rpc("anvil_reorg", [DEPTH, []])
        gone = [h for h in doomed if _receipt(stack, h) is None]
        log(
            f"anvil_reorg depth {DEPTH}: head {stack.w3.eth.block_number}, "
            f"{len(gone)} of {len(doomed)} burns "
            "left the chain"
        )
        stack.mine(2)
        rolled_back = wait_payouts(stack, 0)
        time.sleep(2.0)
        rolled_back = [r for r in payouts(stack) if r["reorged_at"] is None]
        verdict = api.ok(
            "POST", "/redemptions/verify", token=people.token(people.merchant), json={"tx_hash": gone[0]}
        )
        log(
            f"indexer rolled back: {len(rolled_back)} live payouts; verify of a reorged-away burn -> "
            f"{verdict['verdict']}/{verdict['reason']}"
        )
        checks["the indexer removes payouts of reorged-away burns"] = (
            []
            if len(rolled_back) == len(before)
            else [f"{len(rolled_back)} live payouts, expected {len(before)}"]
        )
        checks["a reorged-away burn is not verified"] = (
            [] if verdict["verdict"] != "verified" else [str(verdict)]
        )

        # A real node puts the transactions of dropped blocks back into its pool; Anvil does not, so do it.
        for tx_hash in gone:
            stack.w3.eth.send_raw_transaction(raw[tx_hash])  # type: ignore[arg-type]
        stack.mine(2)
        final = wait_payouts(stack, len(before) + len(doomed))
        verdicts = [
            api.ok("POST", "/redemptions/verify", token=people.token(people.merchant), json={"tx_hash": h})
            for h in doomed
        ]
        log(
            f"the dropped burns re-broadcast and mined again: {len(final)} live payouts; verdicts "
            f"{[v['verdict'] for v in verdicts]}"
        )
        checks["re-mined burns are verified again"] = [
            f"{v['tx_hash']}: {v['verdict']}/{v['reason']}" for v in verdicts if v["verdict"] != "verified"
        ]

        resumed = redeem(people, stack, "5.00")
        stack.mine(2)
        verdict = api.ok(
            "POST", "/redemptions/verify", token=people.token(people.merchant), json={"tx_hash": resumed}
        )
        final = wait_payouts(stack, len(before) + len(doomed) + 1)
        log(
            f"a new redemption after the reorg: {verdict['verdict']} ({verdict['reason']}); "
            f"live payouts {len(final)}"
        )
        checks["redemptions resume after the reorg"] = (
            [] if verdict["verdict"] == "verified" else [str(verdict)]
        )
        stack.mine(2)
        time.sleep(1.0)
        stack.stop_workers()
        results, view = invariants.check_all(
            stack.w3, stack.deployment, stack.engine, settings=stack.settings, euro_per_coin=Decimal("1.00")
        )
        results.update(checks)
        results["no 5xx"] = list(api.server_errors)
        ok = invariants.conclude(stack, api, results, view)
    print(f"  drill 3 {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s", flush=True)
    return ok


def _receipt(stack: Stack, tx_hash: str) -> object | None:
    try:
        return stack.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - TransactionNotFound: the reorg dropped it
        return None
