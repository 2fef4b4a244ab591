"""Rewards per second: approved claims paid through the persistent sender (rewardBatch, nonces managed,
many transactions in flight) next to the naive way (one `reward` transaction per claim, send, wait
for its receipt, next).

`run()` starts its own Anvil on a free port, deploys the coin, builds a SQLite database, signs in 40
citizens and an operator for real (EIP-4361), and has them claim and prove 2,000 claims through the API
(not timed). Then it approves all 2,000 through the API (timed: `approve_api_per_s`) and runs the
reward sender until every reward is confirmed on chain (timed: `rewards_per_s`, the pay-out rate from
a full outbox); `end_to_end_rewards_per_s` covers approvals plus pay-out. The naive way then pays
NAIVE_CLAIMS other claims on the same chain, one send-and-wait each (`naive_rewards_per_s`).
Standalone: `python -m bench.rewards`. Targets (issue 4): rewards_per_s >= 1,000 and >= 20 x naive.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.chain import coin_of, web3_of

CLAIMS = int(os.environ.get("BENCH_CLAIMS", 2000))
CITIZENS = CLAIMS // 50  # 50 claims each: 50 x 15.00 stays under the yearly cap of 1,500.00
NAIVE_CLAIMS = int(os.environ.get("BENCH_NAIVE_CLAIMS", 300))
TARGET_RATE, TARGET_RATIO = 1000, 20


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 160, 60)).save(out, format="JPEG")
    return out.getvalue()


def _sign_in(client: Any, account: Any) -> dict[str, str]:
    from tests.backend.conftest import sign_message, siwe_message

    nonce = client.get("/api/v1/auth/nonce").json()["nonce"]
    message = siwe_message(account.address, nonce, domain="bench", uri="http://bench")
    token = client.post(
        "/api/v1/auth/login", json={"message": message, "signature": sign_message(account, message)}
    ).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _prepare(client: Any, operator: dict[str, str]) -> list[int]:
    """40 citizens claim and prove each of 50 tasks through the API; returns the claim ids."""
    from eth_account import Account

    tasks = [
        client.post(
            "/api/v1/tasks",
            headers=operator,
            json={
                "title": f"Task {i}",
                "description": "bench",
                "district": "Centrum",
                "reward": "15.00",
                "minutes": 180,  # 5.00 an hour: the default MAX_HOURLY_RATE
                "capacity": CITIZENS,
            },
        ).json()["id"]
        for i in range(CLAIMS // CITIZENS)
    ]
    photo = _photo()
    claim_ids = []
    for _ in range(CITIZENS):
        citizen = _sign_in(client, Account.create())
        for task_id in tasks:
            claim_id = client.post(f"/api/v1/tasks/{task_id}/claims", headers=citizen).json()["id"]
            proof = client.post(
                f"/api/v1/claims/{claim_id}/proof",
                headers=citizen,
                files={"photo": ("p.jpg", photo, "image/jpeg")},
            )
            assert proof.status_code == 200, proof.text
            claim_ids.append(claim_id)
    return claim_ids


def _all_confirmed(runtime: Any) -> bool:
    from sqlalchemy import func, select

    from backend.rewards.models import Reward

    with runtime.sessions() as session:
        waiting = session.scalar(select(func.count()).select_from(Reward).where(Reward.status != "confirmed"))
    return waiting == 0


def _naive(runtime: Any, minter_key: str, first_claim: int) -> float:
    from eth_account import Account
    from web3 import Web3

    from backend.chain.client import claim_id_bytes

    prefix = 0xBE9C << 112  # another installation's ids, so the sender's claims are untouched
    w3, coin = web3_of(runtime.chain), coin_of(runtime.chain)
    minter = Account.from_key(minter_key)
    citizen = Account.create().address
    nonce = w3.eth.get_transaction_count(minter.address)
    started = time.perf_counter()
    for i in range(NAIVE_CLAIMS):
        tx = coin.functions.reward(citizen, 1500, claim_id_bytes(first_claim + i, prefix=prefix)).build_transaction(
            {"from": minter.address, "nonce": nonce + i, "gas": 150_000, "chainId": runtime.chain.chain_id}
        )
        signed = minter.sign_transaction(tx)
        receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
        assert receipt["status"] == 1, Web3.to_hex(signed.hash)
    return NAIVE_CLAIMS / (time.perf_counter() - started)


def run() -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from backend import migrate
    from backend.app import create_app
    from backend.chain import anvil
    from backend.chain.client import connect
    from backend.chain.deploy import deploy_coin
    from backend.rewards.sender import make_sender
    from backend.runtime import Runtime
    from backend.settings import ANVIL_TEST_KEYS, Settings
    from tests.backend.conftest import DEPLOYER, MINTER

    port = anvil.free_port()
    work = Path(tempfile.mkdtemp(prefix="heitje-bench-rewards-"))
    proc = anvil.start_anvil(port, log_path=work / "anvil.log")
    try:
        w3 = connect(f"http://127.0.0.1:{port}")
        deployment = deploy_coin(
            w3,
            deployer_key=ANVIL_TEST_KEYS["deployer"],
            name="Heerlens Heitje",
            symbol="HEIT",
            admin=DEPLOYER.address,
            minter=MINTER.address,
            registrars=(MINTER.address,),
            deployments_dir=work / "deployments",
        )
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{work / 'heitje.db'}",
            rpc_url=f"http://127.0.0.1:{port}",
            deployments_dir=work / "deployments",
            photo_dir=work / "photos",
            host="bench",
            port=80,
            public_url="http://bench",
        )
        runtime = Runtime(settings=settings, deployment=deployment)
        migrate.upgrade(runtime.engine)
        coin = coin_of(runtime.chain)
        # Room for the whole run under the coin's mint limit (the default is 100,000.00 a day).
        w3.eth.wait_for_transaction_receipt(
            coin.functions.setMintLimit(10**15, 86400).transact({"from": DEPLOYER.address})
        )
        with TestClient(create_app(runtime, web_dir=None)) as client:
            operator = _sign_in(client, DEPLOYER)
            claim_ids = _prepare(client, operator)

            started = time.perf_counter()
            for claim_id in claim_ids:
                response = client.post(f"/api/v1/claims/{claim_id}/approve", headers=operator)
                assert response.status_code == 200, response.text
            approved = time.perf_counter()

        worker = make_sender(runtime)
        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        try:
            while True:
                busy = worker.tick()
                if not busy and _all_confirmed(runtime):
                    break
        finally:
            worker.close()
        done = time.perf_counter()
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        total_units = CLAIMS * 1500
        assert int(coin.functions.totalSupply().call()) == total_units, "every claim paid exactly once"
        from backend.rewards.installation import claim_ids as installation_ids

        with runtime.sessions() as session:
            onchain = installation_ids(session).onchain
        assert all(runtime.chain.is_rewarded(onchain(c)) for c in (claim_ids[0], claim_ids[-1]))

        naive = _naive(runtime, ANVIL_TEST_KEYS["minter"], first_claim=10**9)
        rate = CLAIMS / (done - approved)
        result = {
            "claims": CLAIMS,
            "rewards_per_s": round(rate, 1),
            "naive_rewards_per_s": round(naive, 1),
            "ratio_vs_naive": round(rate / naive, 1),
            "approve_api_per_s": round(CLAIMS / (approved - started), 1),
            "end_to_end_rewards_per_s": round(CLAIMS / (done - started), 1),
            "batch_size": settings.reward_batch_size,
            "naive_claims": NAIVE_CLAIMS,
        }
        runtime.close()
    finally:
        anvil.stop(proc)
    result["meets_targets"] = (
        result["rewards_per_s"] >= TARGET_RATE and result["ratio_vs_naive"] >= TARGET_RATIO
    )
    print("rewards: " + ", ".join(f"{k}={v}" for k, v in result.items()))
    return result


if __name__ == "__main__":
    run()
