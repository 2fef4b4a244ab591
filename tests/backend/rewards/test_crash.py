"""Crashes: the sender killed with SIGKILL mid-flight, and a crash between storing and broadcasting.
Every approved claim is still rewarded exactly once, on chain and in the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.chain.ledger import ChainTx
from backend.chain.sender import TxSender
from backend.rewards.sender import make_sender
from backend.settings import ROOT
from tests.backend.claims.helpers import Loop, rewards_by_claim, run_sender
from tests.backend.rewards.chain_helpers import onchain_id
from tests.support.chain import coin_of


def _rewarded_events(runtime, claim_id: int) -> int:
    coin = coin_of(runtime.chain)
    return len(
        coin.events.Rewarded().get_logs(
            argument_filters={"claimId": onchain_id(runtime, claim_id)}, from_block=runtime.deployment.block
        )
    )


def _start_worker(runtime, log_path: Path) -> subprocess.Popen[bytes]:
    settings = runtime.settings
    env = {
        **os.environ,
        "HEITJE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "RPC_URL": str(settings.rpc_url),
        "DEPLOYMENTS_DIR": str(settings.deployments_dir),
        "PHOTO_DIR": str(settings.photo_dir),
        "WORKER_POLL_SECONDS": "0.05",
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _statuses(runtime) -> list[str]:
    return [r.status for r in rewards_by_claim(runtime).values()]


def test_worker_killed_after_sending_and_before_confirming_rewards_each_claim_once(
    loop: Loop, runtime, w3, tmp_path: Path
) -> None:
    approved = [loop.approved_claim() for _ in range(3)]
    w3.provider.make_request("evm_setAutomine", [False])
    worker = _start_worker(runtime, tmp_path / "worker-1.log")
    try:
        _wait_for(lambda: _statuses(runtime) == ["sent"] * 3, "the batch to be sent")
        with runtime.sessions() as session:
            tx = session.scalars(select(ChainTx)).one()
        _wait_for(
            lambda: tx.status == "sent" or _tx_status(runtime) == "sent", "the broadcast to be recorded"
        )
        assert w3.eth.get_transaction(tx.tx_hash)["blockNumber"] is None  # in the mempool, not mined
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
        if worker.poll() is None:
            worker.kill()
    w3.provider.make_request("evm_mine", [])
    restarted = _start_worker(runtime, tmp_path / "worker-2.log")
    try:
        _wait_for(lambda: _statuses(runtime) == ["confirmed"] * 3, "confirmation after the restart")
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(15)
    for claim_id, citizen in approved:
        assert _rewarded_events(runtime, claim_id) == 1
        assert runtime.chain.balance_of(citizen.address) == 1500
    with runtime.sessions() as session:
        assert [t.status for t in session.scalars(select(ChainTx))] == ["confirmed"]


def _tx_status(runtime) -> str:
    with runtime.sessions() as session:
        return session.scalars(select(ChainTx.status)).one()


class _Crash(BaseException):
    """Stands in for the process dying (not an Exception, so nothing catches it)."""


def test_crash_between_storing_and_broadcasting_sends_the_stored_transaction_once(
    loop: Loop, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim_id, citizen = loop.approved_claim()
    worker = make_sender(runtime)

    def crash(self: TxSender, rows: list) -> None:
        if rows:
            raise _Crash()

    with monkeypatch.context() as patch:
        patch.setattr(TxSender, "_broadcast_rows", crash)
        with pytest.raises(_Crash):
            worker.tick()
    worker.close()
    assert _tx_status(runtime) == "pending"  # stored, signed, never broadcast
    run_sender(runtime, until_confirmed=1)
    assert _rewarded_events(runtime, claim_id) == 1
    assert runtime.chain.balance_of(citizen.address) == 1500
    assert _tx_status(runtime) == "confirmed"
