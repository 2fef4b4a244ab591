"""The open-data file of a closed month is built once and served from disk afterwards (issue 16): what
arrives later for that month does not change it; the months still open are built from the events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from itertools import count

import pytest
from eth_account import Account

from backend.db import transaction, utcnow
from backend.indexer.models import TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.reports import open_data, totals
from backend.reports.service import MonthRange
from backend.settings import ANVIL_TEST_KEYS
from tests.support.accounts import new_account

OPERATOR = Account.from_key(ANVIL_TEST_KEYS["deployer"])
API = "/api/v1/reports/open-data"
JANUARY, FEBRUARY = datetime(2025, 1, 10, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC)
numbers = count(1)


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, OPERATOR)


@pytest.fixture
def shop(runtime) -> str:
    address = new_account().address
    with transaction(runtime.sessions) as session:
        session.add(Merchant(address=address, name="Bakkerij", iban="NL02ABNA0123456789", chain_status="done"))
    return address


def pay(runtime, shop: str, when: datetime, people: int = 1, amount: int = 250) -> None:
    """`people` citizens each pay the shop once at `when` (as the indexer records a Transfer)."""
    with transaction(runtime.sessions) as session:
        for _ in range(people):
            n = next(numbers)
            session.add(ChainEvent(
                tx_hash="0x" + f"{n:064x}", log_index=0, block_number=n, block_hash="0x" + "00" * 32,
                block_time=when, kind=TRANSFER, account=new_account().address, counterparty=shop, amount=amount,
            ))


def close_past_months(runtime) -> None:
    """What the indexer does as the chain moves on: the totals of the months long over are closed."""
    with transaction(runtime.sessions) as session:
        totals.rebuild(session, runtime.settings.city_name)
        totals.close_months(session, runtime.settings.city_name, utcnow())


def files(runtime) -> open_data.MonthFiles:
    s = runtime.settings
    return open_data.MonthFiles(s.open_data_dir, s.city_name, s.open_data_min_citizens)


def fresh_build(runtime, months: MonthRange) -> str:
    with runtime.read_sessions() as session:
        return open_data.HEADER + open_data.rows_between(session, runtime.settings.open_data_min_citizens, months)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_closed_months_file_equals_a_fresh_build_and_stays_when_late_events_arrive(client, operator, runtime, shop):
    pay(runtime, shop, JANUARY, people=6)
    close_past_months(runtime)
    expected = fresh_build(runtime, MonthRange("2025-01", "2025-01"))

    first = client.get(API, params={"from": "2025-01", "to": "2025-01"}, headers=operator)
    path = files(runtime).path("2025-01")
    built_at, built = path.stat().st_mtime_ns, path.read_text()

    assert first.status_code == 200
    assert first.text == built == expected
    assert rows(first.text)[0]["people"] == "6"

    pay(runtime, shop, JANUARY, people=1)  # a late fact for a closed month
    again = client.get(API, params={"from": "2025-01", "to": "2025-01"}, headers=operator)

    assert again.text == first.text
    assert (path.stat().st_mtime_ns, path.read_text()) == (built_at, built)
    assert fresh_build(runtime, MonthRange("2025-01", "2025-01")) != expected  # the events did change


def test_the_whole_file_reads_closed_months_from_disk_and_builds_the_open_ones(client, operator, runtime, shop):
    now = utcnow()
    pay(runtime, shop, JANUARY, people=5)
    pay(runtime, shop, FEBRUARY, people=7)
    pay(runtime, shop, now, people=5)
    close_past_months(runtime)
    expected = fresh_build(runtime, MonthRange())

    whole = client.get(API, headers=operator)

    assert whole.status_code == 200
    assert whole.text == expected
    assert files(runtime).path("2025-01").exists() and files(runtime).path("2025-02").exists()
    this_month = now.strftime("%Y-%m")
    assert not files(runtime).path(this_month).exists()  # still open: built from the events each time

    pay(runtime, shop, FEBRUARY, people=3)  # late: left out, the month is closed
    pay(runtime, shop, now, people=1)  # the open month shows it at once
    later = {(r["month"], r["measure"]): r["people"] for r in rows(client.get(API, headers=operator).text)}

    assert later[("2025-01", "paid_to_merchants")] == "5"
    assert later[("2025-02", "paid_to_merchants")] == "7"
    assert later[(this_month, "paid_to_merchants")] == "6"


def test_a_range_of_closed_months_streams_their_files_in_order(client, operator, runtime, shop):
    pay(runtime, shop, JANUARY, people=5)
    pay(runtime, shop, FEBRUARY, people=6)
    close_past_months(runtime)

    both = client.get(API, params={"from": "2025-01", "to": "2025-02"}, headers=operator)
    january = client.get(API, params={"from": "2025-01", "to": "2025-01"}, headers=operator)
    february = client.get(API, params={"from": "2025-02", "to": "2025-02"}, headers=operator)

    assert both.text == fresh_build(runtime, MonthRange("2025-01", "2025-02"))
    assert both.text.splitlines() == january.text.splitlines() + february.text.splitlines()[1:]
