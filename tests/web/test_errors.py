"""What goes wrong is said in a sentence a citizen understands, and nothing is paid by mistake."""

from __future__ import annotations

from eth_account import Account
from playwright.sync_api import Page, expect

from tests.web.helpers import ANVIL_OPERATOR_KEY, PageFactory, Server, by_id, restore_wallet
from tests.web.setup_api import ApiUser, claim_with_proof, funded_citizen, new_task, operator


def _signed_in(page, key: str) -> None:
    restore_wallet(page, key)
    by_id(page, "restore-wallet").wait_for(state="detached")


def test_claiming_a_full_task_says_so_in_plain_dutch(server: Server, new_page: PageFactory) -> None:
    task = new_task(operator(server), title="Water the plants at the library", capacity=1)
    page = new_page("nl")
    _signed_in(page, Account.create().key.hex())
    page.goto(f"/#/tasks/{task['id']}")
    by_id(page, "claim").wait_for()
    ApiUser(server, Account.create()).post(f"/tasks/{task['id']}/claims")  # the last place goes meanwhile
    by_id(page, "claim").click()
    expect(by_id(page, "claim-error")).to_have_text("Dit klusje is vol: alle plekken zijn al gekozen.")


def test_rejected_claim_shows_the_citys_reason_to_the_citizen(server: Server, new_page: PageFactory) -> None:
    citizen = Account.create()
    task = new_task(operator(server), title="Sweep the bus stop")
    claim = claim_with_proof(ApiUser(server, citizen), task["id"])
    city = new_page("en")
    _signed_in(city, ANVIL_OPERATOR_KEY)
    card = city.locator(f"[data-testid=review-card][data-claim-id='{claim['id']}']")
    card.get_by_test_id("reject").click()
    expect(card.get_by_test_id("review-error")).to_have_text("Write a reason; the resident reads it.")
    card.get_by_test_id("reject-reason-input").fill("The photo shows another bus stop.")
    card.get_by_test_id("reject").click()
    expect(card).to_be_hidden()

    page = new_page("en")
    _signed_in(page, citizen.key.hex())
    page.goto("/#/claims")
    expect(by_id(page, "claim-status")).to_have_text("Not approved.")
    expect(by_id(page, "reject-reason")).to_have_text("Reason: The photo shows another bus stop.")


def test_link_to_someone_who_is_not_a_shop_pays_nothing(server: Server, page: Page) -> None:
    citizen = funded_citizen(server)
    _signed_in(page, citizen.key.hex())
    page.goto("/#/pay")
    coin = server.runtime.deployment.address
    nobody = Account.create().address
    by_id(page, "pay-link").fill(f"ethereum:{coin}@31337/transfer?address={nobody}&uint256=500")
    by_id(page, "pay-link-go").click()
    expect(by_id(page, "not-a-shop")).to_have_text("This is not a shop that takes heitjes. Nothing was paid.")
    assert server.runtime.chain.balance_of(citizen.address) == 1500


def test_code_for_another_coin_is_refused(server: Server, page: Page) -> None:
    _signed_in(page, Account.create().key.hex())
    page.goto("/#/pay")
    other_coin, someone = Account.create().address, Account.create().address
    by_id(page, "pay-link").fill(f"ethereum:{other_coin}@31337/transfer?address={someone}&uint256=500")
    by_id(page, "pay-link-go").click()
    expect(by_id(page, "pay-error")).to_have_text("This code is for another coin or city. Nothing was paid.")


def test_text_that_is_not_a_payment_link_is_explained(server: Server, page: Page) -> None:
    _signed_in(page, Account.create().key.hex())
    page.goto("/#/pay")
    by_id(page, "pay-link").fill("https://example.org/not-a-payment")
    by_id(page, "pay-link-go").click()
    expect(by_id(page, "pay-error")).to_have_text(
        "This link is not a Heitje payment. Copy the shop's whole link.")


def test_a_lost_connection_is_a_sentence_not_a_stack_trace(server: Server, page: Page) -> None:
    _signed_in(page, Account.create().key.hex())
    page.route("**/api/v1/tasks*", lambda route: route.abort("internetdisconnected"))
    page.goto("/#/tasks")
    expect(by_id(page, "load-error")).to_have_text("No connection. Check your internet and try again.")


def test_app_opened_at_another_address_explains_why_sign_in_fails(server: Server, page: Page) -> None:
    other_address = server.url.replace("127.0.0.1", "localhost")  # same server, not the configured address
    page.goto(f"{other_address}/#/wallet/restore")
    by_id(page, "restore-secret").fill(Account.create().key.hex())
    by_id(page, "passphrase").fill("bench-by-the-pond")
    by_id(page, "passphrase-again").fill("bench-by-the-pond")
    by_id(page, "restore-submit").click()
    expect(by_id(page, "form-error")).to_have_text(
        "Signing in only works at the app's official address. Open Heitje from the city's link.")
