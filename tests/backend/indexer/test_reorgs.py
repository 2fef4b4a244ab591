"""Reorgs on a real Anvil (evm_snapshot / evm_revert, then a different branch is mined)."""

from __future__ import annotations

from sqlalchemy import select

from backend.db import transaction
from backend.indexer.models import ChainEvent
from backend.payouts import service as payouts
from backend.payouts.models import Payout
from tests.support.coin import funded_merchant, new_account


def payout_rows(runtime):
    with runtime.sessions() as session:
        return list(session.scalars(select(Payout).order_by(Payout.id)))


def redeemed_events(runtime):
    with runtime.sessions() as session:
        return list(session.scalars(select(ChainEvent).where(ChainEvent.kind == "redeemed")))


def other_branch(coin, w3, blocks):
    """Mines `blocks` blocks that differ from the old branch (each carries a different transaction)."""
    for _ in range(blocks):
        coin.set_merchant(new_account(w3).address, True)


def test_a_redemption_reorged_out_before_its_confirmations_yields_no_payout(runtime, coin, make_indexer, w3):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=3)
    fork = coin.snapshot()
    coin.redeem(merchant, 500, 42)
    coin.mine(1)  # 2 confirmations: not yet
    indexer.run_until_idle()

    coin.revert(fork)
    other_branch(coin, w3, 5)
    indexer.run_until_idle()

    assert redeemed_events(runtime) == []
    assert payout_rows(runtime) == []


def test_a_reorg_above_a_confirmed_redemption_leaves_its_payout_standing(runtime, coin, make_indexer, w3):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=2)
    coin.redeem(merchant, 500, 42)
    coin.mine(1)
    indexer.run_until_idle()
    [payout] = payout_rows(runtime)
    fork = coin.snapshot()
    other_branch(coin, w3, 3)
    indexer.run_until_idle()  # the checkpoint is now on blocks the reorg will replace

    coin.revert(fork)
    other_branch(coin, w3, 4)
    steps = indexer.run_until_idle()

    assert "reorg" in [s.kind for s in steps]
    assert [(p.id, p.status, p.reorged_at) for p in payout_rows(runtime)] == [(payout.id, "due", None)]
    assert len(redeemed_events(runtime)) == 1
    assert indexer.checkpoint() == (
        coin.head() - 1,
        "0x" + bytes(w3.eth.get_block(coin.head() - 1)["hash"]).hex(),
    )


def test_a_due_payout_whose_redemption_is_reorged_out_is_removed(runtime, coin, make_indexer, w3):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=2)
    fork = coin.snapshot()
    coin.redeem(merchant, 500, 42)
    coin.mine(1)
    indexer.run_until_idle()
    assert len(payout_rows(runtime)) == 1

    coin.revert(fork)
    other_branch(coin, w3, 4)
    indexer.run_until_idle()

    assert payout_rows(runtime) == []
    assert redeemed_events(runtime) == []


def test_an_exported_payout_whose_redemption_is_reorged_out_is_flagged_not_deleted(
    runtime, coin, make_indexer, w3
):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=2)
    fork = coin.snapshot()
    coin.redeem(merchant, 500, 42)
    coin.mine(1)
    indexer.run_until_idle()
    with transaction(runtime.sessions) as session:
        payouts.export_due(session, runtime.settings, operator="test")

    coin.revert(fork)
    other_branch(coin, w3, 4)
    indexer.run_until_idle()

    [payout] = payout_rows(runtime)
    assert payout.status == "exported"
    assert payout.reorged_at is not None
    assert redeemed_events(runtime) == []


def test_an_exported_redemption_mined_again_on_the_new_branch_keeps_its_one_payout(
    runtime, coin, make_indexer, w3
):
    merchant = funded_merchant(runtime, coin, units=500, claim=1)
    indexer = make_indexer(confirmations=2)
    fork = coin.snapshot()
    redeemed = coin.redeem(merchant, 500, 42)
    coin.mine(1)
    indexer.run_until_idle()
    with transaction(runtime.sessions) as session:
        payouts.export_due(session, runtime.settings, operator="test")
    [exported] = payout_rows(runtime)

    coin.revert(fork)
    other_branch(coin, w3, 2)
    again = coin.resend(redeemed)  # the same signed transaction, in a later block
    coin.mine(1)
    indexer.run_until_idle()

    [payout] = payout_rows(runtime)
    assert (payout.id, payout.status, payout.reorged_at) == (exported.id, "exported", None)
    assert payout.block_number == again["blockNumber"] != exported.block_number
    assert len(redeemed_events(runtime)) == 1
