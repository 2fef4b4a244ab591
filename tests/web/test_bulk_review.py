"""The city's review screen decides several photos at once: the chosen cards are approved (or rejected
with one reason) in one request; a card the API refuses stays, with the reason on it."""

from __future__ import annotations

from eth_account import Account
from playwright.sync_api import expect

from tests.web.helpers import ANVIL_OPERATOR_KEY, PageFactory, Server, by_id, restore_wallet
from tests.web.setup_api import ApiUser, claim_with_proof, new_task, operator


def test_the_city_approves_several_photos_at_once_and_sees_which_were_refused(
    server: Server, new_page: PageFactory
) -> None:
    city_api = operator(server)
    task = new_task(city_api, title="Pick up litter along the Geleenbeek", capacity=5)
    first, second, third = (claim_with_proof(ApiUser(server, Account.create()), task["id"]) for _ in range(3))
    own = claim_with_proof(ApiUser(server, Account.from_key(ANVIL_OPERATOR_KEY)), task["id"])

    city = new_page("en")
    restore_wallet(city, ANVIL_OPERATOR_KEY)
    by_id(city, "restore-wallet").wait_for(state="detached")  # an operator lands on the review screen
    card = {c["id"]: city.locator(f"[data-testid=review-card][data-claim-id='{c['id']}']")
            for c in (first, second, third, own)}
    for claim in (first, second, own):
        card[claim["id"]].get_by_test_id("review-select").check()
    expect(by_id(city, "selected-count")).to_contain_text("3 selected")
    by_id(city, "approve-selected").click()

    expect(by_id(city, "bulk-result")).to_have_text("2 approved, 0 rejected, 1 not done.")
    expect(card[first["id"]]).to_be_hidden()
    expect(card[second["id"]]).to_be_hidden()
    expect(card[third["id"]]).to_be_visible()
    expect(card[own["id"]].get_by_test_id("review-error")).not_to_be_empty()
    statuses = {c["id"]: city_api.get(f"/claims/{c['id']}")["status"] for c in (first, second, third, own)}
    assert statuses == {first["id"]: "approved", second["id"]: "approved", third["id"]: "submitted",
                        own["id"]: "submitted"}


def test_rejecting_several_needs_one_reason_that_each_citizen_reads(server: Server, new_page: PageFactory) -> None:
    city_api = operator(server)
    task = new_task(city_api, title="Wipe the benches on the Pancratiusplein", capacity=5)
    claims = [claim_with_proof(ApiUser(server, Account.create()), task["id"]) for _ in range(2)]

    city = new_page("en")
    restore_wallet(city, ANVIL_OPERATOR_KEY)
    by_id(city, "restore-wallet").wait_for(state="detached")  # an operator lands on the review screen
    for claim in claims:
        city.locator(f"[data-testid=review-card][data-claim-id='{claim['id']}']").get_by_test_id("review-select").check()
    by_id(city, "reject-selected").click()
    expect(by_id(city, "bulk-result")).to_have_text("Write a reason; the resident reads it.")
    by_id(city, "bulk-reason-input").fill("The photo shows another square.")
    by_id(city, "reject-selected").click()

    expect(by_id(city, "bulk-result")).to_have_text("0 approved, 2 rejected, 0 not done.")
    for claim in claims:
        seen = city_api.get(f"/claims/{claim['id']}")
        assert (seen["status"], seen["reject_reason"]) == ("rejected", "The photo shows another square.")
