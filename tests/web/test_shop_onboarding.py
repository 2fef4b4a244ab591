"""A shop goes from the welcome screen to its till without signing out: it shows the city a QR code, its
address and a short registration code; the city registers it by the code; the shop's app notices."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.web.helpers import ANVIL_OPERATOR_KEY, PASSPHRASE, PageFactory, answer_quiz, by_id, restore_wallet, shot

WAIT = 45_000


def test_a_shop_goes_from_the_welcome_screen_to_its_till_without_signing_out(
    new_page: PageFactory, screenshots: Path
) -> None:
    shop = new_page("nl")
    shop.goto("/")
    by_id(shop, "start-shop").click()
    by_id(shop, "passphrase").fill(PASSPHRASE)
    by_id(shop, "passphrase-again").fill(PASSPHRASE)
    by_id(shop, "create-submit").click()
    phrase = by_id(shop, "phrase-words").locator("li").all_inner_texts()
    by_id(shop, "phrase-written").check()
    by_id(shop, "phrase-done").click()
    answer_quiz(shop, phrase)

    expect(by_id(shop, "shop-join")).to_be_visible()
    expect(by_id(shop, "shop-join-qr").locator("svg")).to_be_visible()
    address = by_id(shop, "shop-join-address").inner_text()
    code = by_id(shop, "registration-code").inner_text()
    assert len(address) == 42 and code == f"{address[2:7]}-{address[7:12]}".upper()
    by_id(shop, "copy-address").click()
    expect(by_id(shop, "copy-status")).not_to_be_empty()
    shot(shop, screenshots, "shop-join")

    city = new_page("en")
    restore_wallet(city, ANVIL_OPERATOR_KEY)
    expect(by_id(city, "review")).to_be_visible()
    city.goto("/#/city/shops")
    by_id(city, "shop-new").click()
    by_id(city, "shop-name").fill("Bakkerij Jansen")
    by_id(city, "shop-address").fill(code.lower())  # read out over the counter, typed as heard
    by_id(city, "shop-iban").fill("NL91ABNA0417164300")
    by_id(city, "shop-register").click()
    expect(city.locator(f"[data-testid=city-shop][data-address='{address}']")).to_contain_text("Bakkerij Jansen")

    # Nobody touches the shop's phone: it sees its new role by itself and opens the till.
    expect(by_id(shop, "checkout")).to_be_visible(timeout=WAIT)
    assert shop.evaluate("sessionStorage.getItem('heitje.token')")  # the same sign-in
    expect(by_id(shop, "tab-tab_checkout")).to_be_visible()
