"""The till sees "paid" when the payment is in a block, as on a chain with 5-second blocks it must; the
money is counted (the payment confirmed) only CONFIRMATIONS blocks deep, by the indexer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.indexer.service import Indexer
from tests.backend.payments.chain_helpers import citizen_with
from tests.support.api import as_signed_in
from tests.support.payment_requests import API, Till, signed_for_request


@pytest.fixture
def manual_blocks(w3) -> Iterator[None]:
    """Anvil mines only when asked (evm_mine), like a chain with a block time."""
    w3.provider.make_request("evm_setAutomine", [False])
    yield
    w3.provider.make_request("evm_setAutomine", [True])


def test_paying_until_in_a_block_then_paid_and_counted_only_when_confirmed(
    client, runtime, till: Till, w3, manual_blocks, monkeypatch
) -> None:
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"confirmations": 3}))
    w3.provider.make_request("evm_setAutomine", [True])  # the citizen's coins arrive at once
    payer = citizen_with(runtime, 1000)
    w3.provider.make_request("evm_setAutomine", [False])
    request = till.ask("3.00")

    relayed = client.post(
        f"{API}/payments", json=signed_for_request(client, payer, request["id"]), headers=as_signed_in(client, payer)
    )
    assert relayed.status_code == 201, relayed.text
    assert till.look(request["id"])["status"] == "paying"  # in the node's pool, not in a block

    w3.provider.make_request("evm_mine", [])
    paid = till.look(request["id"])
    assert (paid["status"], paid["confirmed"], paid["payment"]["status"]) == ("paid", False, "sent")

    Indexer(runtime).run_until_idle()  # one confirmation of three: nothing counted yet
    assert till.look(request["id"])["confirmed"] is False

    w3.provider.make_request("anvil_mine", [hex(2)])
    Indexer(runtime).run_until_idle()
    confirmed = till.look(request["id"])
    assert (confirmed["status"], confirmed["confirmed"], confirmed["payment"]["status"]) == (
        "paid", True, "confirmed"
    )
