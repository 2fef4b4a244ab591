"""A node that refuses wide `eth_getLogs` ranges, as public providers do: the indexer and the chain
adapter split the range (half, down to one block) and read every event, through a real proxy in front
of Anvil that answers with each provider's own refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.logs import LogSource
from backend.chain.rpc import Rpc, RpcError
from backend.indexer.models import ChainEvent
from backend.indexer.service import Indexer
from tests.support.coin import new_account
from tests.support.picky_node import REFUSALS, picky_node


def rewarded_amounts(runtime) -> list[int]:
    with runtime.sessions() as session:
        query = select(ChainEvent.amount).where(ChainEvent.kind == "rewarded").order_by(ChainEvent.block_number)
        return list(session.scalars(query))


def indexer_through(runtime, url: str) -> Indexer:
    return Indexer(runtime, source=LogSource(Rpc(url), runtime.deployment.address))


def rewards_in_blocks(coin, w3, count: int, empty_between: int = 0) -> None:
    citizen = new_account(w3)
    for claim in range(1, count + 1):
        coin.reward(citizen.address, claim, claim)
        if empty_between:
            w3.provider.make_request("anvil_mine", [hex(empty_between)])


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_the_indexer_reads_every_event_through_a_node_that_refuses_wide_ranges(
    runtime, coin, w3, settings, refusal
) -> None:
    rewards_in_blocks(coin, w3, 7)
    with picky_node(settings.rpc_url, max_blocks=3, refusal=refusal) as node:
        indexer_through(runtime, node.url).run_until_idle()

    assert rewarded_amounts(runtime) == [1, 2, 3, 4, 5, 6, 7]
    assert node.refused, "the node refused the first, wide query"
    assert all(last - first + 1 <= 3 for first, last in node.answered)


def test_the_indexer_remembers_the_range_the_node_takes(runtime, coin, w3, settings) -> None:
    rewards_in_blocks(coin, w3, 6, empty_between=9)  # 60 blocks: 20 queries of 3
    with picky_node(settings.rpc_url, max_blocks=3) as node:
        indexer_through(runtime, node.url).run_until_idle()

    assert rewarded_amounts(runtime) == [1, 2, 3, 4, 5, 6]
    # Halving 2,000 down to 3 blocks once (about 10 refusals), then it asks for what the node takes,
    # trying a wider range again only now and then.
    assert len(node.refused) <= 12 + len(node.answered) // 16
    assert len(node.answered) >= 20


def test_an_error_that_is_not_about_size_is_not_retried_smaller(runtime, coin, w3, settings) -> None:
    rewards_in_blocks(coin, w3, 3)
    with picky_node(settings.rpc_url, max_blocks=3) as node:
        node.broken = True
        with pytest.raises(RpcError, match="internal error"):
            indexer_through(runtime, node.url).step()

    assert len(node.refused) == 1
    assert rewarded_amounts(runtime) == []


def test_a_node_that_refuses_even_one_block_is_an_error(runtime, coin, w3, settings) -> None:
    rewards_in_blocks(coin, w3, 2)
    with picky_node(settings.rpc_url, max_blocks=0) as node:
        with pytest.raises(RpcError, match="more than 10000 results"):
            indexer_through(runtime, node.url).step()

    assert node.refused[-1][0] == node.refused[-1][1], "it halved down to a single block first"


@pytest.mark.parametrize("refusal", ["infura", "blockpi"])
def test_the_chain_adapter_reads_events_since_the_deployment_through_a_picky_node(
    runtime, coin, w3, settings, refusal
) -> None:
    rewards_in_blocks(coin, w3, 5, empty_between=2)
    onchain = [1, 3, 5]
    with picky_node(settings.rpc_url, max_blocks=4, refusal=refusal) as node:
        picky = Chain.at(node.url, runtime.deployment)
        paid = picky.rewards_paid(onchain)
        events = picky.get_logs(runtime.deployment.block, event="Rewarded")

    assert sorted(p.units for p in paid) == [1, 3, 5]
    assert [e.args["amount"] for e in events] == [1, 2, 3, 4, 5]
    assert node.refused and all(last - first + 1 <= 4 for first, last in node.answered)
