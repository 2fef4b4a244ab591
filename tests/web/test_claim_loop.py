"""A rejected claim is no dead end: the citizen sends a new photo or gives the claim back (its place
goes to someone else); a full task offers no claim button that cannot work."""

from __future__ import annotations

from pathlib import Path

from eth_account import Account
from playwright.sync_api import Page, expect

from tests.web.helpers import PageFactory, Server, address_of, by_id, photo_file, restore_wallet, shot
from tests.web.setup_api import ApiUser, new_task, operator


def _citizen(new_page: PageFactory) -> Page:
    page = new_page("en")
    restore_wallet(page, Account.create().key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    return page


def _send_photo(page: Page, path: Path) -> None:
    by_id(page, "proof-photo").set_input_files(str(path))
    by_id(page, "proof-submit").click()


def test_a_rejected_claim_can_be_sent_again_with_a_new_photo(
    server: Server, new_page: PageFactory, screenshots: Path, tmp_path: Path
) -> None:
    city = operator(server)
    task = new_task(city, title="Clear the Emmaplein", capacity=1)
    page = _citizen(new_page)
    page.goto(f"/#/tasks/{task['id']}")
    by_id(page, "claim").click()
    _send_photo(page, photo_file(tmp_path))
    card = by_id(page, "claim-card").first
    expect(card).to_have_attribute("data-status", "submitted")

    claim_id = card.get_attribute("data-claim-id")
    city.post(f"/claims/{claim_id}/reject", json={"reason": "Send a photo of the cleared square."})
    expect(card).to_have_attribute("data-status", "rejected", timeout=15_000)
    expect(card.get_by_test_id("reject-reason")).to_contain_text("cleared square")
    expect(card.get_by_test_id("give-back")).to_be_visible()
    shot(page, screenshots, "claim-rejected")

    _send_photo(page, photo_file(tmp_path, "square.png"))
    expect(by_id(page, "claim-card").first).to_have_attribute("data-status", "submitted")
    assert city.get(f"/claims/{claim_id}")["status"] == "submitted"  # type: ignore[index]


def test_a_rejected_claim_can_be_given_back_and_frees_the_place(
    server: Server, new_page: PageFactory, tmp_path: Path
) -> None:
    city = operator(server)
    task = new_task(city, title="Sweep the Pancratiusplein", capacity=1)
    page = _citizen(new_page)
    page.goto(f"/#/tasks/{task['id']}")
    by_id(page, "claim").click()
    card = by_id(page, "claim-card").first
    expect(card).to_have_attribute("data-status", "claimed")
    claim_id = card.get_attribute("data-claim-id")
    city.post(f"/claims/{claim_id}/reject", json={"reason": "Nobody else can take it while you hold it."})
    page.goto("/#/tasks")  # a hash change, not a reload: the key stays unlocked
    page.goto("/#/claims")
    expect(by_id(page, "claim-card").first).to_have_attribute("data-status", "rejected")
    page.once("dialog", lambda dialog: dialog.accept())
    by_id(page, "claim-card").first.get_by_test_id("give-back").click()
    expect(by_id(page, "claim-card").first).to_have_attribute("data-status", "released")
    assert city.get(f"/claims/{claim_id}")["status"] == "released"  # type: ignore[index]

    other = _citizen(new_page)
    other.goto(f"/#/tasks/{task['id']}")
    expect(by_id(other, "claim")).to_be_enabled()
    by_id(other, "claim").click()
    expect(by_id(other, "claim-card").first).to_have_attribute("data-status", "claimed")
    assert address_of(other) != address_of(page)


def test_a_full_task_shows_the_claim_button_disabled_with_the_reason(
    server: Server, new_page: PageFactory, screenshots: Path
) -> None:
    task = new_task(operator(server), title="Water the plants at the library", capacity=1)
    ApiUser(server, Account.create()).post(f"/tasks/{task['id']}/claims")
    page = new_page("nl")
    restore_wallet(page, Account.create().key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    page.goto(f"/#/tasks/{task['id']}")
    expect(by_id(page, "claim")).to_be_disabled()
    expect(by_id(page, "claim-why")).to_have_text("Alle plekken zijn bezet.")
    expect(by_id(page, "task-reward")).to_have_text("15,00 heitjes")
