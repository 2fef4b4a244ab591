"""The frame around every screen: signed out there is no empty tab bar or account icon; on a desktop
the tabs sit under the header, above the content."""

from __future__ import annotations

from eth_account import Account
from playwright.sync_api import expect

from tests.web.helpers import PageFactory, by_id, restore_wallet


def test_signed_out_there_is_no_empty_tab_bar_or_account_icon(new_page: PageFactory) -> None:
    page = new_page("en")
    page.goto("/")
    expect(by_id(page, "welcome")).to_be_visible()
    expect(page.locator("#tabs")).to_be_hidden()
    expect(by_id(page, "account-link")).to_be_hidden()


def test_on_a_desktop_the_tabs_sit_above_the_content(new_page: PageFactory) -> None:
    page = new_page("en")
    page.set_viewport_size({"width": 1280, "height": 800})
    restore_wallet(page, Account.create().key.hex())
    expect(by_id(page, "tasks")).to_be_visible()
    tabs = page.locator("#tabs").bounding_box()
    view = page.locator("#view").bounding_box()
    assert tabs is not None and view is not None
    assert tabs["y"] + tabs["height"] <= view["y"]


def test_on_a_phone_the_tabs_sit_at_the_bottom(new_page: PageFactory) -> None:
    page = new_page("en")
    restore_wallet(page, Account.create().key.hex())
    expect(by_id(page, "tasks")).to_be_visible()
    tabs = page.locator("#tabs").bounding_box()
    assert tabs is not None and tabs["y"] + tabs["height"] == page.viewport_size["height"]  # type: ignore[index]
