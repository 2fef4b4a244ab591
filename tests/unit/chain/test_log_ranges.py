"""Which node errors mean "ask for fewer blocks", and how LogRanges splits a range and remembers it."""

from __future__ import annotations

import pytest

from backend.chain.logs import GROW_AFTER, LogRanges, is_range_refusal
from backend.chain.rpc import RpcError


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-32005, "query returned more than 10000 results"),
        (-32005, "limit exceeded"),
        (-32602, "block range is too large"),
        (-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"),
        (-32000, "exceed maximum block range: 50000"),
        (-32000, "query exceeds max block range 100000"),
        (-32614, "eth_getLogs is limited to a 10,000 range"),
        (35, "ranges over 10000 blocks are not supported on freetier"),
        (-32000, "block range too wide"),
        (None, "Block range limit exceeded."),
    ],
)
def test_a_providers_refusal_of_a_large_log_query_is_recognised(code, message) -> None:
    assert is_range_refusal(RpcError("eth_getLogs", code, message))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-32000, "internal error"),
        (-32602, "invalid argument 0: hex string without 0x prefix"),
        (None, "header not found"),
    ],
)
def test_other_errors_are_not_a_reason_to_ask_for_less(code, message) -> None:
    assert not is_range_refusal(RpcError("eth_getLogs", code, message))


def node_taking(max_blocks: int, asked: list[tuple[int, int]]):
    def fetch(start: int, end: int) -> list[int]:
        asked.append((start, end))
        if end - start + 1 > max_blocks:
            raise RpcError("eth_getLogs", -32005, "query returned more than 10000 results")
        return list(range(start, end + 1))

    return fetch


def test_read_returns_every_block_in_ranges_the_node_takes() -> None:
    asked: list[tuple[int, int]] = []
    ranges = LogRanges()

    assert ranges.read(node_taking(5, asked), 100, 199) == list(range(100, 200))
    refused = [a for a in asked if a[1] - a[0] + 1 > 5]
    assert refused[:5] == [(100, 199), (100, 149), (100, 124), (100, 111), (100, 105)]  # halved down to 3
    answered = len(asked) - len(refused)
    assert len(refused) <= 5 + answered // GROW_AFTER  # then only a wider try now and then


def test_a_remembered_width_grows_again_after_a_run_of_successes() -> None:
    ranges = LogRanges()
    ranges.refused(0, 99, RpcError("eth_getLogs", -32005, "limit exceeded"))
    assert ranges.width == 50
    for n in range(GROW_AFTER):
        ranges.passed(n * 50, n * 50 + 49)
    assert ranges.width == 100


def test_one_block_refused_or_another_error_is_raised() -> None:
    ranges = LogRanges()
    with pytest.raises(RpcError):
        ranges.refused(7, 7, RpcError("eth_getLogs", -32005, "limit exceeded"))
    with pytest.raises(RpcError):
        ranges.refused(0, 99, RpcError("eth_getLogs", -32000, "internal error"))
    assert ranges.width is None
