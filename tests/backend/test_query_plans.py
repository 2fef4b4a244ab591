"""Every query a list or report request runs uses an index (issue 16): each list endpoint is called (first
page and a later one), and the reports (summary, exports by month), every SELECT it sends is explained, and a
full scan of a growing table fails the test.

SQLite: a step "SCAN <table>" without "USING ... INDEX" is a full scan, except the one a keyset page
walks in its own order (ORDER BY <table>.id DESC ... LIMIT, no temporary sort): that reads one page.
PostgreSQL (DATABASE_URL): "Seq Scan on <table>", with enable_seqscan off (on tiny tables PostgreSQL
would rightly prefer a sequential scan; off, it still takes one when there is no index to use)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from backend import paging
from backend.audit import service as audit
from backend.db import utcnow
from backend.indexer.models import TRANSFER, ChainEvent
from backend.merchants.models import Merchant
from backend.reports import totals
from tests.support.accounts import DEPLOYER, new_account

API = "/api/v1"
GROWING = {
    "chain_events", "payouts", "payout_batches", "redemptions", "claims", "payments", "tasks", "merchants",
    "rewards", "chain_txs", "audit_entries", "sepa_releases", "report_totals",
}
LATER = paging.encode([10**9])  # a cursor for the lists ordered by id: "the page after id 10**9"


def _captured(runtime, call) -> list[tuple[str, object]]:
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            statements.append((statement, parameters))

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    return statements


def _full_scans(runtime, statement: str, parameters) -> list[str]:
    with runtime.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            # Empty tables make every join look free; a page of a large table is a nested loop.
            conn.execute(text("SET enable_mergejoin = off"))
            conn.execute(text("SET enable_hashjoin = off"))
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            return _postgres_full_scans(plan, statement)
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    sorted_in_memory = any("TEMP B-TREE FOR ORDER BY" in step for step in plan)
    scans = []
    for step in plan:
        m = re.fullmatch(r"SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX \w+)?", step.strip())
        if m and m.group(1) in GROWING and not (not sorted_in_memory and _walks_a_page(statement, m.group(1))):
            scans.append(step)
    return scans


def _postgres_full_scans(plan: list[str], statement: str) -> list[str]:
    """Seq Scans of growing tables, and index scans without an Index Cond (a walk of the whole index)
    unless they walk a keyset page."""
    scans = []
    sorted_in_memory = any(re.search(r"\bSort\b", line) for line in plan)
    for i, line in enumerate(plan):
        m = re.search(r"(Seq Scan|Index (?:Only )?Scan(?: Backward)?) (?:using \w+ )?on (\w+)", line)
        if not m or m.group(2) not in GROWING:
            continue
        if m.group(1) == "Seq Scan":
            scans.append(line.strip())
            continue
        details = []
        for following in plan[i + 1:]:
            if "->" in following:
                break
            details.append(following)
        conditioned = any("Index Cond:" in d for d in details)
        if not conditioned and not (not sorted_in_memory and _walks_a_page(statement, m.group(2))):
            scans.append(line.strip())
    return scans


def _walks_a_page(statement: str, table: str) -> bool:
    """A keyset page read in the list's own order: ORDER BY <table>.<key> DESC ... LIMIT, and no filter
    but the cursor's (comparisons on the order's columns), so it stops after one page of rows."""
    order = re.search(rf"ORDER BY ((?:{table}\.\w+ DESC(?:, )?)+)\s+LIMIT", statement)
    if order is None:
        return False
    keys = set(re.findall(rf"{table}\.(\w+)", order.group(1)))
    where = re.search(r"\bWHERE (.*) ORDER BY", statement, re.S)
    filters = set(re.findall(rf"{table}\.(\w+)", where.group(1))) if where else set()
    return filters <= keys or (table, frozenset(filters)) in COMPUTED_FILTERS


# Filters no index can serve, on a walk of the newest rows that stops after a page: a task's open/full/
# closed state comes from its claims (places taken) and the time; the newest tasks are the open ones.
COMPUTED_FILTERS = {
    ("tasks", frozenset({"closed", "closes_at", "id", "capacity"})),
}


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, DEPLOYER)


@pytest.fixture
def citizen(client, sign_in):
    account = new_account()
    return account.address, sign_in(client, account)


@pytest.fixture
def merchant(client, runtime, sign_in):
    account = new_account()
    with runtime.sessions() as session, session.begin():
        session.add(Merchant(address=account.address, name="Bakkerij", iban="NL91ABNA0417164300", chain_status="set"))
    return account.address, sign_in(client, account)


@pytest.fixture
def reports(runtime, merchant):
    """An event in a closed month (February 2026) and one now, the running totals, a decision audited:
    so the report paths run every query they have."""
    shop, _ = merchant
    with runtime.sessions() as session, session.begin():
        for n, when in enumerate((datetime(2026, 2, 10, tzinfo=UTC), utcnow())):
            session.add(ChainEvent(
                tx_hash="0x" + f"{n:064x}", log_index=0, block_number=n + 1, block_hash="0x" + "00" * 32,
                block_time=when, kind=TRANSFER, account=new_account().address, counterparty=shop, amount=100,
            ))
        audit.record(session, "cli", "task_posted", "task:1")
    with runtime.sessions() as session, session.begin():
        totals.rebuild(session, runtime.settings.city_name)
        totals.close_months(session, runtime.settings.city_name, utcnow())


def _requests(operator, citizen, merchant):
    citizen_address, citizen_headers = citizen
    shop, shop_headers = merchant
    registry_cursor = paging.encode([datetime(2030, 1, 1, tzinfo=UTC), "0x" + "f" * 40])
    lists = [
        ("/payouts", {}, operator),
        ("/payouts", {"status": "due"}, operator),
        ("/payouts", {"batch_id": 1}, operator),
        ("/redemptions", {}, operator),
        ("/redemptions", {}, shop_headers),
        ("/payments", {}, citizen_headers),
        ("/payments", {"to": shop}, shop_headers),
        ("/payments", {"from": citizen_address}, operator),
        ("/claims", {}, operator),
        ("/claims", {}, citizen_headers),
        ("/claims", {"status": "submitted"}, operator),
        ("/claims", {"status": "approved"}, citizen_headers),
        ("/claims", {"task_id": 1}, operator),
        ("/tasks", {}, None),
        ("/tasks", {"district": "Centrum"}, None),
        ("/tasks", {"status": "open"}, None),
        ("/audit", {}, operator),
        ("/payouts/batches", {}, operator),
        ("/payouts/releases", {}, operator),
    ]
    for path, params, headers in lists:
        yield path, params, headers
        yield path, {**params, "cursor": LATER}, headers
    yield "/merchants/registry", {}, operator
    yield "/merchants/registry", {"cursor": registry_cursor}, operator
    yield f"/accounts/{citizen_address}", {}, citizen_headers
    history_cursor = paging.encode([datetime(2030, 1, 1, tzinfo=UTC), "reward", 5])
    yield f"/accounts/{citizen_address}", {"cursor": history_cursor}, citizen_headers
    # the reports: the summary from the running totals, the exports by month
    yield "/reports/summary.csv", {}, operator
    yield "/reports/summary.csv", {"from": "2026-01", "to": "2026-03"}, operator
    yield "/reports/summary", {"from": "2026-01", "to": "2026-03"}, operator
    yield "/reports/open-data", {"from": "2026-01", "to": "2026-03"}, operator  # a closed month's file, built
    yield "/reports/open-data", {"from": "2026-02", "to": "2026-02"}, operator  # ... and read from disk
    yield "/reports/open-data", {"from": "2026-01"}, operator  # closed months and the open one


def test_no_list_request_scans_a_growing_table(client, runtime, operator, citizen, merchant, reports):
    found = {}
    for path, params, headers in _requests(operator, citizen, merchant):
        def call(path=path, params=params, headers=headers):
            response = client.get(API + path, params=params, headers=headers or {})
            assert response.status_code == 200, (path, params, response.text)

        for statement, parameters in _captured(runtime, call):
            scans = _full_scans(runtime, statement, parameters)
            if scans:
                found[f"{path} {params}: {' '.join(statement.split())[:300]}"] = scans
    assert found == {}, found


def test_the_check_sees_a_full_scan(runtime):
    """The test above can fail: a query on an unindexed column is reported."""
    statement = "SELECT id FROM payments WHERE value = 5"
    assert _full_scans(runtime, statement, ()) != []


def test_the_check_sees_a_walk_in_order_that_filters_on_the_way(runtime):
    """Walking an index in the list's order while filtering on another column reads the whole table for
    a rare value (an account's history by block, without an index on the account)."""
    statement = (
        "SELECT chain_events.id FROM chain_events WHERE chain_events.amount = 5 "
        "ORDER BY chain_events.block_number DESC LIMIT 51"
    )
    assert _full_scans(runtime, statement, ()) != []
