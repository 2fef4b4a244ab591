"""A citizen's data rights on the account screen: download their data, the yearly statement, erasure."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from eth_account import Account
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from backend.claims.models import Claim
from tests.web.helpers import ANVIL_OPERATOR_KEY, Server, by_id, create_wallet, restore_wallet, shot
from tests.web.setup_api import ApiUser, claim_with_proof, new_task, operator, wait_for

Account.enable_unaudited_hdwallet_features()


def _paid_claim(server: Server, phrase: list[str]) -> int:
    """A claim of the browser's wallet, proven, approved and paid on chain (through the API)."""
    citizen = ApiUser(server, Account.from_mnemonic(" ".join(phrase)))
    city = operator(server)
    claim = claim_with_proof(citizen, new_task(city, title="Sweep the Pancratiusplein", reward="12.00")["id"])
    city.post(f"/claims/{claim['id']}/approve")
    wait_for(
        lambda: (citizen.get(f"/claims/{claim['id']}")["reward"] or {}).get("status") == "confirmed",  # type: ignore[index]
        "the reward to be confirmed",
    )
    return int(claim["id"])


def test_a_citizen_downloads_their_data_and_statement_then_erases_it(
    page: Page, server: Server, screenshots: Path
) -> None:
    phrase = create_wallet(page)
    claim_id = _paid_claim(server, phrase)
    page.goto("/#/account")
    expect(by_id(page, "data-rights")).to_be_visible()

    with page.expect_download() as exported:
        by_id(page, "export").click()
    data = json.loads(open(exported.value.path(), encoding="utf-8").read())
    assert [c["note"] for c in data["claims"]] == ["Done."]

    with page.expect_download() as statement:
        by_id(page, "statement").click()
    text = PdfReader(io.BytesIO(open(statement.value.path(), "rb").read())).pages[0].extract_text()
    year = datetime.now(UTC).year
    assert "Yearly statement of rewards" in text and f"Total {year}" in text

    by_id(page, "erase").click()
    expect(by_id(page, "erase-confirm")).to_contain_text("7 years")
    shot(page, screenshots, "account-data")
    by_id(page, "erase-yes").click()
    expect(by_id(page, "erase-done")).to_contain_text("1 photos and 1 notes")
    with server.runtime.sessions() as session:
        claim = session.scalars(select(Claim).where(Claim.id == claim_id)).one()
    assert claim.note is None and claim.photo_file is None and claim.citizen.startswith("erased-")


def test_erasure_can_be_cancelled(page: Page) -> None:
    create_wallet(page)
    page.goto("/#/account")

    by_id(page, "erase").click()
    by_id(page, "erase-cancel").click()

    expect(by_id(page, "erase-confirm")).to_have_count(0)
    expect(by_id(page, "erase")).to_be_visible()


def test_the_city_is_told_plainly_that_its_account_cannot_be_erased(page: Page) -> None:
    restore_wallet(page, ANVIL_OPERATOR_KEY)
    expect(by_id(page, "restore-wallet")).to_be_hidden()
    page.goto("/#/account")

    by_id(page, "erase").click()
    by_id(page, "erase-yes").click()

    expect(by_id(page, "erase-error")).to_have_text("A city account cannot erase itself.")
