"""The whole story in a real browser, with real signatures made by the wallets in the pages:
a citizen makes a wallet, claims a task and sends a photo; the city approves; the citizen is paid
and pays a shop by its QR payload; the shop sees the payment and cashes in; the city exports the
SEPA file and marks it paid. Screenshots of each main screen go to docs/screenshots/."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.web.helpers import (
    ANVIL_OPERATOR_KEY,
    PageFactory,
    address_of,
    answer_quiz,
    by_id,
    create_wallet,
    photo_file,
    restore_wallet,
    script_errors,
    shot,
    unlock,
)

SHOP_IBAN = "NL02ABNA0123456789"
WAIT = 45_000  # the reward sender and the indexer work in the background; wait for what a person would see


def test_citizen_city_and_shop_walk_the_whole_story(
    new_page: PageFactory, screenshots: Path, tmp_path: Path
) -> None:
    city = new_page("en")
    citizen = new_page("nl")
    shop = new_page("en")

    # The city's operator brings in the deployment admin's key and posts a task with a place.
    restore_wallet(city, ANVIL_OPERATOR_KEY)
    expect(by_id(city, "review")).to_be_visible()
    city.goto("/#/city/tasks")
    expect(by_id(city, "city-tasks")).to_be_visible()
    if not by_id(city, "task-title").is_visible():  # the form is folded away once there are tasks
        by_id(city, "task-new").click()
    by_id(city, "task-title").fill("Paint the bench on the Pancratiusplein")
    by_id(city, "task-description").fill("Sand the green bench and give it two coats of paint.")
    by_id(city, "task-district").fill("Centrum")
    by_id(city, "task-reward").fill("15,00")
    by_id(city, "task-capacity").fill("2")
    by_id(city, "task-minutes").fill("180")
    by_id(city, "task-latitude").fill("50.8882")
    by_id(city, "task-longitude").fill("5.9795")
    by_id(city, "task-create").click()
    expect(by_id(city, "city-task").first).to_contain_text("Paint the bench")
    shot(city, screenshots, "city-tasks")

    # A citizen (Dutch phone) makes a wallet: the 12 words are shown once.
    citizen.goto("/")
    shot(citizen, screenshots, "welcome")
    by_id(citizen, "start-new").click()
    by_id(citizen, "passphrase").fill("bench-by-the-pond")
    by_id(citizen, "passphrase-again").fill("bench-by-the-pond")
    by_id(citizen, "create-submit").click()
    expect(by_id(citizen, "phrase-words").locator("li")).to_have_count(12)
    shot(citizen, screenshots, "recovery-phrase")
    phrase = by_id(citizen, "phrase-words").locator("li").all_inner_texts()
    by_id(citizen, "phrase-written").check()
    by_id(citizen, "phrase-done").click()
    answer_quiz(citizen, phrase)

    # ... finds the task in their district, with its place on the map, and claims it.
    expect(by_id(citizen, "tasks")).to_be_visible()
    by_id(citizen, "district").select_option("Centrum")
    expect(by_id(citizen, "task-card")).to_have_count(1)
    shot(citizen, screenshots, "tasks")
    by_id(citizen, "task-card").click()
    expect(by_id(citizen, "task-reward")).to_have_text("15,00 heitjes")
    osm = "https://www.openstreetmap.org/?mlat=50.8882&mlon=5.9795#map=17/50.8882/5.9795"
    expect(by_id(citizen, "map-link")).to_have_attribute("href", osm)
    shot(citizen, screenshots, "task")
    by_id(citizen, "claim").click()

    # ... sends the photo from the camera.
    by_id(citizen, "proof-photo").set_input_files(str(photo_file(tmp_path)))
    by_id(citizen, "proof-note").fill("Beide kanten geschilderd.")
    by_id(citizen, "proof-submit").click()
    expect(by_id(citizen, "claim-card")).to_have_attribute("data-status", "submitted")
    shot(citizen, screenshots, "claims")
    claim_id = by_id(citizen, "claim-card").get_attribute("data-claim-id")

    # The city reviews the photo and approves.
    city.goto("/#/city/review")
    card = city.locator(f"[data-testid=review-card][data-claim-id='{claim_id}']")
    expect(card.get_by_test_id("review-photo")).not_to_have_js_property("naturalWidth", 0)  # the photo loaded
    expect(card.get_by_test_id("review-note")).to_contain_text("Beide kanten geschilderd.")
    shot(city, screenshots, "city-review")
    card.get_by_test_id("approve").click()
    expect(card).to_be_hidden()

    # The citizen sees the claim paid, with its receipt, and the coins in the balance.
    expect(by_id(citizen, "claim-card")).to_have_attribute("data-reward", "confirmed", timeout=WAIT)
    receipt = by_id(citizen, "tx-hash").text_content() or ""
    expect(by_id(citizen, "tx-code")).to_have_text(f"{receipt[2:6]}…{receipt[-4:]}")
    by_id(citizen, "tab-tab_wallet").click()
    expect(by_id(citizen, "balance")).to_have_text("15,00")
    shot(citizen, screenshots, "wallet")

    # A shop makes its wallet; the city registers it with its IBAN.
    create_wallet(shop)
    shop_address = address_of(shop)
    city.goto("/#/city/shops")
    by_id(city, "shop-new").click()
    by_id(city, "shop-name").fill("Bakkerij Pelzer")
    by_id(city, "shop-address").fill(shop_address)
    by_id(city, "shop-iban").fill(SHOP_IBAN)
    by_id(city, "shop-register").click()
    shop_card = city.locator(f"[data-testid=city-shop][data-address='{shop_address}']")
    expect(shop_card).to_contain_text("Bakkerij Pelzer")
    expect(shop_card.get_by_test_id("shop-state")).to_have_text("Active", timeout=WAIT)  # mined by the sender
    shot(city, screenshots, "city-shops")

    # The shop opens the app again: now it is a shop. It types 12,50 and shows the code.
    unlock(shop)
    expect(by_id(shop, "checkout")).to_be_visible()
    by_id(shop, "checkout-amount").fill("12,50")
    by_id(shop, "checkout-show").click()
    expect(by_id(shop, "checkout-due")).to_have_text("12.50 heitje")
    payload = by_id(shop, "checkout-payload").text_content() or ""
    assert payload.startswith(shop.evaluate("location.origin") + "/#/pay/")  # a phone camera opens this link
    shot(shop, screenshots, "shop-checkout")

    # The citizen scans (here: pastes) the code, sees who and how much, and pays.
    by_id(citizen, "tab-tab_pay").click()
    by_id(citizen, "pay-link").fill(payload)
    by_id(citizen, "pay-link-go").click()
    expect(by_id(citizen, "pay-shop")).to_have_text("Bakkerij Pelzer")
    expect(by_id(citizen, "pay-amount")).to_have_text("12,50 heitje")
    shot(citizen, screenshots, "pay-confirm")
    by_id(citizen, "pay-confirm-button").click()
    expect(by_id(citizen, "pay-done")).to_be_visible()
    expect(by_id(citizen, "pay-done-text")).to_have_text("Je betaalde 12,50 aan Bakkerij Pelzer.")
    expect(by_id(citizen, "pay-state")).to_have_text("Bevestigd", timeout=WAIT)
    shot(citizen, screenshots, "pay-done")
    by_id(citizen, "to-wallet").click()
    expect(by_id(citizen, "balance")).to_have_text("2,50", timeout=WAIT)
    expect(by_id(citizen, "history-item")).to_have_count(2)

    # The till sees the payment arrive.
    expect(by_id(shop, "checkout-paid")).to_be_visible(timeout=WAIT)
    expect(by_id(shop, "takings")).to_have_text("12.50")
    expect(by_id(shop, "incoming-payment")).to_have_count(1)
    shot(shop, screenshots, "shop-paid")

    # The shop cashes in its coins (signed in the page, relayed by the API).
    by_id(shop, "tab-tab_redeem").click()
    expect(by_id(shop, "balance")).to_have_text("12.50")
    by_id(shop, "redeem-amount").fill("12.50")
    by_id(shop, "redeem-submit").click()
    expect(by_id(shop, "redemption")).to_have_count(1)
    expect(by_id(shop, "redemption-state")).to_have_text("Waiting for payout", timeout=WAIT)
    shot(shop, screenshots, "shop-redeem")

    # The city exports the SEPA file for the shop's euros and marks it paid.
    city.goto("/#/city/payouts")
    expect(by_id(city, "payouts-due")).to_have_text("€ 12.50", timeout=WAIT)
    shot(city, screenshots, "city-payouts")
    with city.expect_download() as download_info:
        by_id(city, "sepa-export").click()
    xml = Path(download_info.value.path()).read_text()
    assert "pain.001" in xml and SHOP_IBAN in xml and ">12.50<" in xml
    expect(by_id(city, "batch")).to_have_count(1)
    # Marking a file paid cannot be undone: the app asks first, and "Cancel" changes nothing.
    asked: list[str] = []
    city.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    by_id(city, "batch-paid").click()
    expect(by_id(city, "batch-state")).to_have_text("In a bank file")
    assert asked and "cannot be undone" in asked[0]
    city.once("dialog", lambda dialog: dialog.accept())
    by_id(city, "batch-paid").click()
    expect(by_id(city, "batch-state")).to_have_text("Paid out")
    expect(by_id(shop, "redemption-state")).to_have_text("Paid out", timeout=WAIT)
    assert script_errors(citizen) == script_errors(shop) == script_errors(city) == []
