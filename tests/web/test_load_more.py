"""Lists that grow (the audit trail, a wallet's history) show their newest page and load older pages
on request (README, "Lists and paging"): every row once, in order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from eth_account import Account
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.db import transaction
from backend.indexer.models import TRANSFER, ChainEvent
from tests.web.helpers import ANVIL_OPERATOR_KEY, Server, by_id, restore_wallet

PAGE = 50  # the API's default page


def _signed_in(page: Page, key: str) -> None:
    restore_wallet(page, key)
    by_id(page, "restore-wallet").wait_for(state="detached")


def test_the_audit_trail_loads_older_entries_on_request(server: Server, page: Page) -> None:
    with transaction(server.runtime.sessions) as session:
        for n in range(PAGE + 7):
            audit.record(session, "cli", "task_posted", f"task:{90_000 + n}")
    _signed_in(page, ANVIL_OPERATOR_KEY)
    with server.runtime.sessions() as session:  # the server is shared: other tests' decisions are there too
        total = session.scalar(select(func.count()).select_from(AuditEntry))
    page.goto("/#/city/audit")
    entries = by_id(page, "audit-entry")
    expect(entries).to_have_count(PAGE)

    for shown in range(PAGE, total, PAGE):
        by_id(page, "audit-list-more").click()
        expect(entries).to_have_count(min(total, shown + PAGE))

    expect(by_id(page, "audit-list-more")).to_be_hidden()
    # this test's entries only: the shared server holds other tests' tasks too (task:9 may be one of them)
    texts = entries.locator(".small").all_inner_texts()
    ids = [int(found) for text in texts for found in re.findall(r"task:(9\d{4})\b", text)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == PAGE + 7


def test_a_wallets_history_loads_older_lines_on_request(server: Server, page: Page) -> None:
    citizen = Account.create()
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    with transaction(server.runtime.sessions) as session:
        for n in range(PAGE + 5):  # coins received from others, one a day
            session.add(ChainEvent(
                tx_hash="0x" + f"{0xabc000 + n:064x}", log_index=0, block_number=10**6 + n, block_hash="0x" + "00" * 32,
                block_time=start + timedelta(days=n), kind=TRANSFER, account=Account.create().address,
                counterparty=citizen.address, amount=100 + n,
            ))
    _signed_in(page, citizen.key.hex())
    page.goto("/#/wallet")
    lines = by_id(page, "history-item")
    expect(lines).to_have_count(PAGE)

    by_id(page, "history-more").click()

    expect(lines).to_have_count(PAGE + 5)
    expect(by_id(page, "history-more")).to_be_hidden()
