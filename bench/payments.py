"""Relayed payments per second: signed transferWithAuthorization requests through POST /payments.

`run()` starts a drills Stack: its own Anvil (automine: every relayed transaction is mined as it
arrives), the coin deployed by `heitje deploy`, and the API as a city runs it (`heitje up
--no-workers`, its own process, SQLite; the rate-limit counters written as in production with limits
no bench reaches). It rewards CITIZENS citizens with `rewardBatch`, registers a merchant, signs
PAYMENTS authorizations up front with eth-account, signs every payer in, and posts from threads of
this process (the clients share no interpreter with the server). Figures:

- relayed_payments_per_s: CLIENTS concurrent HTTP clients posting the signed payments; each
  request checks signature, window, nonce, closed loop and balance, simulates, takes the relayer
  nonce lock and broadcasts; timed until every payment is accepted (and then checked mined).
- sequential_payments_per_s: the same, one client at a time.
- baseline_raw_transfers_per_s: the node alone in the same run: signed plain `transfer`s from the
  merchant to citizens sent back to back with known nonces (no HTTP, no checks, no database).
- baseline_raw_transfers_concurrent_per_s: the same with CLIENTS senders at once (one key and one
  thread each), the concurrency of the relayed figure.
- targets.relay_vs_raw (issue 14: >= 0.67): relayed_payments_per_s / baseline_raw_transfers_concurrent_per_s.

Standalone: `python -m bench.payments`.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from backend.chain import typed_data
from backend.chain.client import connect
from backend.chain.typed_data import Domain
from backend.settings import ANVIL_TEST_KEYS

CITIZENS = 200
PAYMENTS = 600  # split between the two runs below
CLIENTS = 8
BATCH = 100


def _send(w3: Web3, key: str, call: Any) -> None:
    sender = Account.from_key(key).address
    tx = call.build_transaction({"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending")})
    tx_hash = w3.eth.send_raw_transaction(Account.sign_transaction(tx, key).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1


def _signed_payments(deployment: Any, citizens: list[Any], shop: str, count: int) -> list[dict[str, Any]]:
    domain = Domain.of(deployment)
    valid_before = int(time.time()) + 3600
    bodies = []
    for i in range(count):
        payer = citizens[i % len(citizens)]
        nonce = typed_data.random_nonce()
        data = typed_data.transfer_with_authorization(
            domain,
            from_=payer.address,
            to=shop,
            value=100,
            valid_after=0,
            valid_before=valid_before,
            nonce=nonce,
        )
        bodies.append(
            {
                "from": payer.address,
                "to": shop,
                "value": 100,
                "validAfter": 0,
                "validBefore": valid_before,
                "nonce": nonce,
                "signature": typed_data.sign(payer.key, data).hex,
            }
        )
    return bodies


def _sign_in_all(base: str, citizens: list[Any]) -> dict[str, dict[str, str]]:
    """Each payer signs in once (relaying needs the payer signed in), as a wallet app does: not timed."""
    from tests.support.accounts import sign_message, siwe_message

    headers = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for citizen in citizens:
            nonce = client.get("/api/v1/auth/nonce").json()["nonce"]
            message = siwe_message(citizen.address, nonce, domain=base.split("://", 1)[1], uri=base)
            login = client.post(
                "/api/v1/auth/login", json={"message": message, "signature": sign_message(citizen, message)}
            )
            login.raise_for_status()
            headers[citizen.address] = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return headers


def _post_all(
    base: str, bodies: list[dict[str, Any]], clients: int, headers: dict[str, dict[str, str]]
) -> tuple[float, list[str]]:
    local = threading.local()

    def post(body: dict[str, Any]) -> str:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60)
        response = local.client.post("/api/v1/payments", json=body, headers=headers[body["from"]])
        if response.status_code != 201:
            raise RuntimeError(f"payment refused: {response.status_code} {response.text}")
        return str(response.json()["tx_hash"])

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        hashes = list(pool.map(post, bodies))
    return time.perf_counter() - began, hashes


def _raw_baseline(w3: Web3, coin: Any, shop: Any, citizens: list[Any], count: int) -> float:
    nonce = w3.eth.get_transaction_count(shop.address, "pending")
    chain_id = w3.eth.chain_id
    gas_price = w3.eth.gas_price
    signed = []
    for i in range(count):
        tx = coin.functions.transfer(citizens[i % len(citizens)].address, 1).build_transaction(
            {
                "from": shop.address,
                "nonce": nonce + i,
                "gas": 80_000,
                "gasPrice": gas_price,
                "chainId": chain_id,
            }
        )
        signed.append(shop.sign_transaction(tx).raw_transaction)
    began = time.perf_counter()
    hashes = [w3.eth.send_raw_transaction(raw) for raw in signed]
    elapsed = time.perf_counter() - began
    assert w3.eth.wait_for_transaction_receipt(hashes[-1])["status"] == 1
    return count / elapsed


def _raw_concurrent_baseline(w3: Web3, coin: Any, funder: Any, count: int, senders: int) -> float:
    """Raw signed transfers/s with `senders` keys sending at once, each its own share back to back
    (to the merchant `funder`, which gave them the coins: the closed loop allows that)."""
    keys = [Account.create() for _ in range(senders)]
    for key in keys:
        _send(w3, funder.key, coin.functions.transfer(key.address, count))
        w3.provider.make_request("anvil_setBalance", [key.address, hex(10**18)])  # type: ignore[arg-type]
    chain_id, gas_price = w3.eth.chain_id, w3.eth.gas_price
    shares = []
    for key in keys:
        nonce = w3.eth.get_transaction_count(key.address, "pending")
        shares.append(
            [
                key.sign_transaction(
                    coin.functions.transfer(funder.address, 1).build_transaction(
                        {"from": key.address, "nonce": nonce + i, "gas": 80_000, "gasPrice": gas_price,
                         "chainId": chain_id}
                    )
                ).raw_transaction
                for i in range(count // senders)
            ]
        )
    url = w3.provider.endpoint_uri  # type: ignore[attr-defined]

    def send_all(raws: list[bytes]) -> str:
        own = connect(str(url))  # one connection per sender, as separate clients would have
        return str(Web3.to_hex([own.eth.send_raw_transaction(raw) for raw in raws][-1]))

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        last = list(pool.map(send_all, shares))
    elapsed = time.perf_counter() - began
    assert all(w3.eth.wait_for_transaction_receipt(h)["status"] == 1 for h in last)
    return (count // senders) * senders / elapsed


def run() -> dict[str, Any]:
    """SQLite with one API process, and (when a PostgreSQL server answers) PostgreSQL with two: the
    production recipe (`heitje up --workers 2`). `relay_vs_raw` is the better of the two."""
    from drills.harness import postgres_available

    setups = {"sqlite_1_process": run_one(postgres=False, processes=1)}
    if postgres_available():
        setups["postgres_2_processes"] = run_one(postgres=True, processes=2)
    best = max(setups.values(), key=lambda r: r["relay_vs_raw"])
    return {**best, "setups": setups, "targets": {"relay_vs_raw": best["relay_vs_raw"]}}


def run_one(*, postgres: bool, processes: int) -> dict[str, Any]:
    import subprocess

    from drills.harness import Stack

    class _Stack(Stack):
        def _spawn(self, what: str, *args: str) -> subprocess.Popen[bytes]:
            if args[:1] == ("up",) and processes > 1:
                args = (*args, "--workers", str(processes))
            return super()._spawn(what, *args)

    # The API is its own process (`heitje up --no-workers`, as a city runs it), so the HTTP clients here
    # share no interpreter with it; the city's rate-limit counters are written as in production, with
    # limits no bench reaches. The workers are stopped once the coin is seeded: the API alone is measured.
    buckets = ("sign_in", "claims", "uploads", "reads", "writes", "relays")
    limits = ",".join(f"{bucket}=1000000/60" for bucket in buckets)
    with _Stack(f"bench-payments-{processes}", postgres=postgres, extra_env={"RATE_LIMITS": limits}) as stack:
        stack.stop_workers()
        w3 = stack.w3
        minter = Account.from_key(ANVIL_TEST_KEYS["minter"])
        deployer = Account.from_key(ANVIL_TEST_KEYS["deployer"])
        deployment = stack.deployment
        coin = w3.eth.contract(address=deployment.address, abi=connect_abi())
        citizens = [Account.from_key((i + 1).to_bytes(32, "big")) for i in range(CITIZENS)]
        for start in range(0, CITIZENS, BATCH):
            group = citizens[start : start + BATCH]
            _send(
                w3,
                minter.key,
                coin.functions.rewardBatch(
                    [c.address for c in group],
                    [10_000] * len(group),
                    [(start + i + 1).to_bytes(32, "big") for i in range(len(group))],
                ),
            )
        shop = Account.create()
        _send(w3, minter.key, coin.functions.setMerchant(shop.address, True))
        w3.eth.send_transaction({"from": deployer.address, "to": shop.address, "value": 10**18})
        base = stack.base_url

        bodies = _signed_payments(deployment, citizens, shop.address, PAYMENTS)
        headers = _sign_in_all(base, citizens)
        sequential_n = PAYMENTS // 3
        seq_time, _ = _post_all(base, bodies[:sequential_n], clients=1, headers=headers)
        par_time, hashes = _post_all(base, bodies[sequential_n:], clients=CLIENTS, headers=headers)
        assert all(w3.eth.get_transaction_receipt(h)["status"] == 1 for h in hashes[-20:])
        assert coin.functions.balanceOf(shop.address).call() == 100 * PAYMENTS
        baseline = _raw_baseline(w3, coin, shop, citizens, 300)
        concurrent = _raw_concurrent_baseline(w3, coin, shop, 400, CLIENTS)
    relayed = (PAYMENTS - sequential_n) / par_time
    result = {
        "relayed_payments_per_s": round(relayed, 1),
        "sequential_payments_per_s": round(sequential_n / seq_time, 1),
        "baseline_raw_transfers_per_s": round(baseline, 1),
        "baseline_raw_transfers_concurrent_per_s": round(concurrent, 1),
        "relay_vs_raw": round(relayed / concurrent, 2),
        "clients": CLIENTS,
        "payments": PAYMENTS,
        "database": "postgresql" if postgres else "sqlite",
        "processes": processes,
        "server": f"heitje up --no-workers --workers {processes}: its own processes; clients: threads of the bench",
    }
    print(
        f"   {result['database']}, {processes} API process(es): "
        f"relayed payments: {result['relayed_payments_per_s']:,.1f}/s with {CLIENTS} clients, "
        f"{result['sequential_payments_per_s']:,.1f}/s one at a time; "
        f"the node alone takes {result['baseline_raw_transfers_per_s']:,.1f} raw transfers/s "
        f"({result['baseline_raw_transfers_concurrent_per_s']:,.1f}/s from {CLIENTS} senders at once): "
        f"relay_vs_raw {result['relay_vs_raw']:.2f}",
        flush=True,
    )
    return result


def connect_abi() -> list[dict[str, Any]]:
    from backend.chain.artifacts import coin_abi

    return coin_abi()


if __name__ == "__main__":
    print(run())
