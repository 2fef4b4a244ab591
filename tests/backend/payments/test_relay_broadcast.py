"""A broadcast whose answer goes wrong (issue 14): the node took the batch but the answer was lost, or
the node answers "already known". The relay is recorded with the transaction the node has, and the
authorization is never sent a second time (a second transaction would revert and burn the city's gas,
and the till would wait for a payment the database does not know)."""

from __future__ import annotations

import pytest
from eth_account import Account
from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.relay_pipeline import RelayPipeline
from backend.chain.relayer import Relayer
from backend.db import transaction
from backend.payments import service
from backend.payments.models import Payment
from tests.backend.payments.chain_helpers import balance, citizen_with, set_merchant, signed_transfer, transfer_of
from tests.support.chain import web3_of
from tests.support.flaky_node import flaky_node


@pytest.mark.parametrize(
    ("mode", "refuse_lookups"), [("lost", False), ("already_known", False), ("already_known", True)]
)
def test_a_batch_whose_answer_went_wrong_is_recorded_with_the_transaction_the_node_has_and_sent_once(
    runtime, mode, refuse_lookups
):
    shop = Account.create().address
    set_merchant(runtime, shop)
    citizens = [citizen_with(runtime, 1000) for _ in range(3)]
    transfers = [transfer_of(signed_transfer(runtime, c, shop, 10)) for c in citizens]
    w3 = web3_of(runtime.chain)
    relayer_address = Relayer(runtime.chain, runtime.settings.relayer_key).address
    sent_before = w3.eth.get_transaction_count(relayer_address, "pending")

    # refuse_lookups: the node (a provider's rate limit) will not say which transactions it has.
    with flaky_node(runtime.settings.rpc_url, mode, refuse_lookups=refuse_lookups) as node:
        chain = Chain.at(node.url, runtime.deployment)
        relayer = Relayer(chain, runtime.settings.relayer_key)
        pipeline = RelayPipeline(relayer, runtime.sessions, idle_seconds=0.2)
        jobs = []
        for transfer in transfers:
            sig = transfer.signature
            call = chain.transfer_with_authorization(
                from_=transfer.from_, to=transfer.to, value=transfer.value, valid_after=transfer.valid_after,
                valid_before=transfer.valid_before, nonce=transfer.nonce, v=sig.v, r=sig.r, s=sig.s,
            )
            jobs.append(service._relay_job(runtime, transfer, call.data, relayer.simulate(call)))
        futures = [pipeline.submit(job) for job in jobs]
        answers = [future.result(timeout=60) for future in futures]

    hashes = [payment.tx_hash for payment, _ in answers]
    assert all(created for _, created in answers)
    receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=30) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1, 1]
    # One transaction per authorization: the relayer's count moved by three, not six.
    assert w3.eth.get_transaction_count(relayer_address, "pending") == sent_before + 3
    with transaction(runtime.sessions) as session:
        recorded = {
            p.nonce: p.tx_hash
            for p in session.scalars(select(Payment).where(Payment.nonce.in_([t.nonce for t in transfers])))
        }
    assert recorded == {t.nonce: h for t, h in zip(transfers, hashes, strict=True)}
    assert balance(runtime, shop) == 30
