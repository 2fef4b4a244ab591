"""Indexer throughput: 20,000 coin events read from a fresh checkpoint into the database.

`run()` starts its own Anvil on a free port, deploys the coin, emits 10,000 rewards with
`rewardBatch` (each pays one claim: a `Transfer` and a `Rewarded` log, so 20,000 events), then
times `Indexer.run_until_idle()` from an empty database (SQLite in a temporary directory, or
BENCH_DATABASE_URL) through every chunk: eth_getLogs, decoding, inserts, checkpoint. Baseline in
the same run: decoding the same logs with web3's contract-event ABI decoder (`process_log`),
decoding only, no database. Standalone: `python -m bench.indexer`. Target: >= 10,000 events/s.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlalchemy import text
from web3 import Web3

from backend import migrate
from backend.chain import anvil
from backend.chain.client import connect
from backend.chain.deploy import deploy_coin
from backend.chain.events import KIND_BY_TOPIC
from backend.indexer.service import Indexer
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS, Settings
from backend.wiring import register_indexer_handlers
from tests.support.chain import coin_of

CLAIMS = 10_000  # x 2 events each
BATCH = 500  # claims per rewardBatch transaction
TARGET = 10_000


def _send(w3: Web3, key: str, call: Any) -> None:
    sender = Account.from_key(key).address
    tx = call.build_transaction({"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending")})
    tx["gas"] = int(tx["gas"] * 1.2)
    tx_hash = w3.eth.send_raw_transaction(Account.sign_transaction(tx, key).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1


def _emit(w3: Web3, coin: Any) -> None:
    admin, minter = ANVIL_TEST_KEYS["deployer"], ANVIL_TEST_KEYS["minter"]
    _send(w3, admin, coin.functions.setMintLimit(10**15, 86_400))  # room for any benchmark size
    citizens = [Account.from_key((i + 1).to_bytes(32, "big")).address for i in range(200)]
    for start in range(0, CLAIMS, BATCH):
        ids = range(start + 1, start + BATCH + 1)
        _send(w3, minter, coin.functions.rewardBatch(
            [citizens[i % len(citizens)] for i in ids], [1500] * BATCH, [i.to_bytes(32, "big") for i in ids],
        ))


def _web3_decode_rate(w3: Web3, coin: Any, start: int) -> float:
    raw = w3.eth.get_logs({"address": coin.address, "fromBlock": start, "toBlock": "latest"})
    events = {"rewarded": coin.events.Rewarded(), "transfer": coin.events.Transfer()}
    topic_kind = {bytes.fromhex(t[2:]): k for t, k in KIND_BY_TOPIC.items()}
    began = time.perf_counter()
    decoded = [
        events[topic_kind[bytes(log["topics"][0])]].process_log(log)
        for log in raw
        if topic_kind.get(bytes(log["topics"][0])) in events
    ]
    return len(decoded) / (time.perf_counter() - began)


def _empty(runtime: Runtime) -> None:
    """A fresh checkpoint: a reused BENCH_DATABASE_URL still holds the last run (same coin address)."""
    with runtime.engine.begin() as conn:
        for table in ("payouts", "payout_batches", "chain_events", "indexer_checkpoints"):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - constant table names


def run() -> dict[str, Any]:
    port = anvil.free_port()
    proc = anvil.start_anvil(port, extra_args=("--gas-limit", "60000000"))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            w3 = connect(f"http://127.0.0.1:{port}", timeout=60)
            admin = Account.from_key(ANVIL_TEST_KEYS["deployer"]).address
            minter = Account.from_key(ANVIL_TEST_KEYS["minter"]).address
            deployment = deploy_coin(
                w3, deployer_key=ANVIL_TEST_KEYS["deployer"], name="Bench Heitje", symbol="BHT",
                admin=admin, minter=minter, registrars=(minter,), deployments_dir=Path(tmp),
            )
            settings = Settings(
                environment="test",
                rpc_url=f"http://127.0.0.1:{port}",
                database_url=os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db",
                deployments_dir=Path(tmp),
            )
            runtime = Runtime(settings=settings, deployment=deployment)
            migrate.upgrade(runtime.engine)
            _empty(runtime)
            emit_began = time.perf_counter()
            _emit(w3, coin_of(runtime.chain))
            print(f"indexer: emitted {2 * CLAIMS:,} events in {time.perf_counter() - emit_began:.1f} s")

            began, cpu_began = time.perf_counter(), time.process_time()
            steps = Indexer(runtime, handlers=register_indexer_handlers()).run_until_idle()
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
            events = sum(s.events for s in steps if s.kind == "read")
            baseline = _web3_decode_rate(w3, coin_of(runtime.chain), deployment.block)
            runtime.close()
    finally:
        anvil.stop(proc)
    result = {
        "indexer_events": events,
        "indexer_seconds": round(seconds, 3),
        "indexer_cpu_seconds": round(cpu, 3),  # this process only; Anvil's share is in the wall time
        "indexer_events_per_s": round(events / seconds, 1),
        "web3_decode_only_events_per_s": round(baseline, 1),
        "indexer_target_events_per_s": TARGET,
    }
    print(
        f"indexer: {events:,} events in {seconds:.2f} s ({cpu:.2f} s CPU) = {events / seconds:,.0f} events/s "
        f"(target >= {TARGET:,}); web3 process_log alone decodes {baseline:,.0f} events/s"
    )
    return result


if __name__ == "__main__":
    run()
