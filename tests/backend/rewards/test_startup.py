"""`heitje up` and `heitje worker` refuse to start when the chain holds rewards for claim ids of this
installation that the database does not know (the database is behind the chain), and say how to
recover."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backend.errors import DatabaseBehindChain
from backend.rewards.startup import check_database_not_behind_chain, skip_claim_numbers_past
from backend.settings import ROOT
from tests.backend.claims.helpers import Loop, run_sender
from tests.backend.rewards.chain_helpers import restore_backup_taken_before
from tests.support.chain import coin_of


def _restored_after_paying_two(loop: Loop, runtime) -> tuple[int, int]:
    first, _ = loop.approved_claim()
    second, _ = loop.approved_claim()
    run_sender(runtime, until_confirmed=2)
    restore_backup_taken_before(runtime, first)
    return first, second


def test_database_restored_behind_the_chain_is_refused_with_the_claims_it_lacks(loop: Loop, runtime) -> None:
    first, second = _restored_after_paying_two(loop, runtime)
    with pytest.raises(DatabaseBehindChain) as refused:
        check_database_not_behind_chain(runtime)
    message = refused.value.message
    assert f"{first}" in message and f"{second}" in message
    assert "newest backup" in message and "heitje rewards skip-claims" in message


def test_database_that_knows_every_paid_claim_starts(loop: Loop, runtime) -> None:
    loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    check_database_not_behind_chain(runtime)


def test_rewards_of_another_installation_do_not_stop_this_one(loop: Loop, runtime, w3) -> None:
    from tests.support.accounts import MINTER

    other = ((0x1234 << 128) | 7).to_bytes(32, "big")
    coin = coin_of(runtime.chain)
    w3.eth.wait_for_transaction_receipt(
        coin.functions.reward(MINTER.address, 100, other).transact({"from": MINTER.address})
    )
    check_database_not_behind_chain(runtime)


def test_skipping_claim_numbers_past_the_chain_lets_it_start_and_new_claims_get_fresh_numbers(
    loop: Loop, runtime
) -> None:
    _, second = _restored_after_paying_two(loop, runtime)
    skip_claim_numbers_past(runtime, second)
    check_database_not_behind_chain(runtime)
    fresh, _ = loop.approved_claim()
    assert fresh == second + 1


def test_worker_command_refuses_to_start_behind_the_chain(loop: Loop, runtime) -> None:
    _restored_after_paying_two(loop, runtime)
    settings = runtime.settings
    env = {
        **os.environ,
        "HEITJE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "RPC_URL": str(settings.rpc_url),
        "DEPLOYMENTS_DIR": str(settings.deployments_dir),
        "PHOTO_DIR": str(settings.photo_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "behind the chain" in done.stderr


def test_a_start_reads_only_new_blocks_yet_still_finds_rewards_paid_since_the_last_start(
    loop: Loop, runtime, w3
) -> None:
    loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    w3.provider.make_request("anvil_mine", [hex(100)])
    check_database_not_behind_chain(runtime)  # remembers that everything up to here is known
    first, _ = loop.approved_claim()
    run_sender(runtime, until_confirmed=2)
    restore_backup_taken_before(runtime, first)
    with pytest.raises(DatabaseBehindChain):
        check_database_not_behind_chain(runtime)
