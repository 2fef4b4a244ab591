"""Dutch and English: the switch changes every sentence and is remembered."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.helpers import PageFactory, by_id


def test_dutch_phone_gets_dutch(new_page: PageFactory) -> None:
    page = new_page("nl")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Help je buurt, verdien heitjes")
    assert page.evaluate("document.documentElement.lang") == "nl"


def test_switch_to_english_and_back_is_remembered(new_page: PageFactory) -> None:
    page = new_page("nl")
    page.goto("/")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Help your neighbourhood, earn heitjes")
    page.reload()
    expect(by_id(page, "start-new")).to_have_text("I'm new: make my wallet")
    page.get_by_role("button", name="NL").click()
    expect(by_id(page, "start-new")).to_have_text("Ik ben nieuw: maak mijn portemonnee")
