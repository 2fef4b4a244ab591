"""On-chain claim ids: the installation's random 128-bit prefix in the high half, the claim's number
in the low half; claims paid before prefixes existed keep their bare number."""

from __future__ import annotations

import pytest

from backend.chain.client import claim_id_bytes, claim_number_of
from backend.db import transaction
from backend.rewards.installation import ClaimIds, claim_ids
from tests.backend.claims.helpers import Loop, run_sender
from tests.support.chain import coin_of


def test_paid_claim_id_is_the_installation_prefix_above_the_claim_number(loop: Loop, runtime) -> None:
    claim_id, citizen = loop.approved_claim()
    run_sender(runtime, until_confirmed=1)
    with transaction(runtime.sessions) as session:
        prefix = claim_ids(session).prefix
    [paid] = [e for e in runtime.chain.rewards_with_prefix(prefix) if e.citizen == citizen.address.lower()]
    assert paid.claim_id >> 128 == prefix
    assert paid.claim_id & (2**128 - 1) == claim_id


def test_installation_prefix_is_made_once_and_kept(runtime) -> None:
    with transaction(runtime.sessions) as session:
        first = claim_ids(session)
    with transaction(runtime.sessions) as session:
        assert claim_ids(session) == first
    assert first.prefix >= 2**127  # 128 bits, never the bare numbers' 0


def test_claims_from_before_prefixes_keep_their_bare_number() -> None:
    ids = ClaimIds(prefix=0xABC << 100, first_prefixed_claim=10)
    assert ids.onchain(9) == (9).to_bytes(32, "big")
    assert ids.onchain(10) == claim_id_bytes(10, prefix=0xABC << 100)
    assert [ids.number_of(ids.onchain(n)) for n in (9, 10)] == [9, 10]


def test_claim_id_of_another_prefix_is_not_ours() -> None:
    ids = ClaimIds(prefix=5)
    assert ids.number_of(claim_id_bytes(3, prefix=6)) is None
    assert claim_number_of(claim_id_bytes(3, prefix=6), prefix=6) == 3


def test_claim_number_past_128_bits_is_refused() -> None:
    with pytest.raises(ValueError):
        claim_id_bytes(2**128, prefix=1)


def test_a_batch_of_prefixed_sequential_claim_ids_costs_at_most_30000_gas_per_claim(runtime, w3) -> None:
    from eth_account import Account

    from tests.support.accounts import MINTER

    with transaction(runtime.sessions) as session:
        ids = claim_ids(session)
    citizens = [Account.create().address for _ in range(100)]
    tx = coin_of(runtime.chain).functions.rewardBatch(
        citizens, [1000] * 100, [ids.onchain(n) for n in range(1, 101)]
    ).transact({"from": MINTER.address, "gas": 8_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] // 100 <= 30_000
