"""backend/paging.py: cursors round-trip, refuse what the server did not hand out, and pages are bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend import paging
from backend.errors import BadCursor

BY_ID = (paging.Key(object(), int),)
BY_TIME_AND_ADDRESS = (paging.Key(object(), datetime), paging.Key(object(), str))


def test_a_cursor_gives_back_the_key_it_was_made_from():
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert paging.decode(paging.encode([moment, "0xabc"]), BY_TIME_AND_ADDRESS) == (moment, "0xabc")


def test_a_cursor_is_url_safe_text():
    assert paging.encode([2**62]).replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize("values", [["1"], [True], [1.5], [2**63], [1, 2]])
def test_a_cursor_whose_values_do_not_fit_the_order_is_refused(values):
    with pytest.raises(BadCursor):
        paging.decode(paging.encode(values), BY_ID)


def test_a_page_size_is_fifty_unless_asked_and_never_above_two_hundred():
    assert (paging.bounded(None), paging.bounded(10), paging.bounded(10_000), paging.bounded(0)) == (50, 10, 200, 1)


def test_the_next_cursor_is_the_last_row_of_a_full_page_and_none_after_the_last():
    assert paging.page_of([5, 4, 3], 2, lambda n: (n,)) == paging.Page([5, 4], paging.encode([4]))
    assert paging.page_of([2, 1], 2, lambda n: (n,)) == paging.Page([2, 1], None)


def test_every_walks_all_pages():
    pages = {None: paging.Page([3, 2], "a"), "a": paging.Page([1], None)}
    assert paging.every(lambda cursor: pages[cursor]) == [3, 2, 1]
