"""Paying at the till (issue 12): the till's code is a payment request, paid at most once; Back, a
reload or a rescan shows "already paid" with the receipt; the till says "Paid" only for its own
request, once the payment is confirmed. Phone viewport, real Chromium, real backend and chain."""

from __future__ import annotations

from pathlib import Path

from eth_account.signers.local import LocalAccount
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from backend.payments.models import Payment
from tests.web.helpers import PASSPHRASE, PageFactory, Server, by_id, restore_wallet, script_errors, shot
from tests.web.setup_api import funded_citizen, registered_shop, wait_for

WAIT = 45_000


def _payments_from(server: Server, address: str) -> int:
    with server.runtime.sessions() as session:
        query = select(func.count()).select_from(Payment).where(Payment.from_address == address)
        return int(session.scalar(query) or 0)


def _confirmed_from(server: Server, address: str) -> int:
    with server.runtime.sessions() as session:
        query = (
            select(func.count())
            .select_from(Payment)
            .where(Payment.from_address == address, Payment.status == "confirmed")
        )
        return int(session.scalar(query) or 0)


def _signed_in(page: Page, account: LocalAccount) -> Page:
    restore_wallet(page, account.key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    return page


def _ask(till: Page, amount: str) -> str:
    """The till shows a code for `amount`; returns the link its QR code holds."""
    if not till.url.endswith("#/shop"):
        till.goto("/#/shop")
    expect(by_id(till, "takings")).to_be_visible()
    due = by_id(till, "checkout-due")
    for _ in range(3):  # the shell may still redraw the till once after signing in (roles arrive)
        by_id(till, "checkout-amount").fill(amount)
        by_id(till, "checkout-show").click()
        try:
            expect(due).to_contain_text(amount.replace(",", "."), timeout=4000)
            break
        except AssertionError:
            continue
    expect(due).to_contain_text(amount.replace(",", "."))
    expect(by_id(till, "checkout-state")).to_have_text("Waiting for payment")
    return by_id(till, "checkout-payload").text_content() or ""


def _scan(citizen: Page, link: str) -> None:
    """The phone's camera opens the till's link (here: the same address, in the app)."""
    citizen.goto("/#/pay")
    by_id(citizen, "pay-link").fill(link)
    by_id(citizen, "pay-link-go").click()
    expect(by_id(citizen, "pay-confirm-button")).to_be_enabled()


def test_back_reload_or_a_rescan_after_paying_a_request_shows_already_paid_and_pays_nothing(
    server: Server, new_page: PageFactory, screenshots: Path
) -> None:
    shop, payer = registered_shop(server, "Bakkerij Jansen"), funded_citizen(server)
    till, citizen = _signed_in(new_page(), shop), _signed_in(new_page(), payer)
    link = _ask(till, "4,50")
    assert link.startswith(f"{server.url}/#/pay/")

    _scan(citizen, link)
    expect(by_id(citizen, "pay-shop")).to_have_text("Bakkerij Jansen")
    by_id(citizen, "pay-confirm-button").click()
    expect(by_id(citizen, "pay-done")).to_be_visible()
    by_id(citizen, "to-wallet").click()
    expect(by_id(citizen, "balance")).to_be_visible()

    citizen.go_back()
    citizen.go_back()  # back on the request's screen: no live button
    expect(by_id(citizen, "pay-already")).to_be_visible()
    expect(by_id(citizen, "pay-confirm-button")).to_have_count(0)
    expect(by_id(citizen, "pay-already-text")).to_contain_text("Bakkerij Jansen")
    citizen.reload()  # the app opens locked, and comes back to the request after unlocking
    by_id(citizen, "unlock-passphrase").fill(PASSPHRASE)
    by_id(citizen, "unlock-submit").click()
    expect(by_id(citizen, "pay-already")).to_be_visible()
    citizen.goto("/#/pay")  # a rescan of the same code
    by_id(citizen, "pay-link").fill(link)
    by_id(citizen, "pay-link-go").click()
    expect(by_id(citizen, "pay-already")).to_be_visible()
    expect(by_id(citizen, "pay-state")).to_have_text("Confirmed", timeout=WAIT)
    code = by_id(citizen, "tx-code").text_content() or ""
    full = by_id(citizen, "tx-hash").text_content() or ""
    assert len(full) == 66 and code == f"{full[2:6]}…{full[-4:]}"
    shot(citizen, screenshots, "pay-already-paid")

    expect(by_id(till, "checkout-paid")).to_be_visible(timeout=WAIT)
    shot(till, screenshots, "shop-request-paid")
    assert _payments_from(server, payer.address) == 1
    assert server.runtime.chain.balance_of(shop.address) == 450

    by_id(citizen, "to-wallet").click()  # the history names the shop, not its address
    paid = by_id(citizen, "history-item").and_(citizen.locator("[data-kind=payment_sent]"))
    expect(paid).to_contain_text("Bakkerij Jansen")
    assert script_errors(citizen) == script_errors(till) == []


def test_back_after_paying_without_a_request_cannot_send_a_new_authorization(
    server: Server, new_page: PageFactory
) -> None:
    shop, payer = registered_shop(server), funded_citizen(server)
    citizen = _signed_in(new_page("nl"), payer)

    citizen.goto(f"/#/pay?to={shop.address}&amount=4.50")
    by_id(citizen, "pay-confirm-button").click()
    expect(by_id(citizen, "pay-done")).to_be_visible()
    by_id(citizen, "to-wallet").click()
    expect(by_id(citizen, "balance")).to_be_visible()
    citizen.go_back()
    citizen.go_back()

    expect(by_id(citizen, "pay-already")).to_be_visible()
    expect(by_id(citizen, "pay-confirm-button")).to_have_count(0)
    expect(by_id(citizen, "pay-already")).to_contain_text("Al betaald")
    assert _payments_from(server, payer.address) == 1
    assert script_errors(citizen) == []


def test_the_till_says_paid_only_for_its_own_request(server: Server, new_page: PageFactory, screenshots: Path) -> None:
    shop, payer = registered_shop(server, "Bakkerij Jansen"), funded_citizen(server)
    till, citizen = _signed_in(new_page(), shop), _signed_in(new_page(), payer)
    old = _ask(till, "3,00")
    by_id(till, "checkout-amount").fill("2,00")  # a new customer: a new code for 2,00
    by_id(till, "checkout-show").click()
    expect(by_id(till, "checkout-due")).to_contain_text("2.00")
    new = by_id(till, "checkout-payload").text_content() or ""
    assert new != old

    _scan(citizen, old)  # the customer pays the old 3,00 code
    by_id(citizen, "pay-confirm-button").click()
    expect(by_id(citizen, "pay-done")).to_be_visible()
    wait_for(lambda: _confirmed_from(server, payer.address) == 1 or citizen.wait_for_timeout(300), "confirmed")
    till.wait_for_timeout(4500)  # two of the till's polls after the payment is confirmed: not an assertion

    expect(by_id(till, "checkout-paid")).to_have_count(0)
    expect(by_id(till, "checkout-state")).to_have_text("Waiting for payment")
    shot(till, screenshots, "shop-request-waiting")

    _scan(citizen, new)
    by_id(citizen, "pay-confirm-button").click()
    expect(by_id(till, "checkout-paid")).to_be_visible(timeout=WAIT)
    expect(by_id(till, "checkout-paid")).to_contain_text("2.00")
    assert server.runtime.chain.balance_of(shop.address) == 500
    assert script_errors(citizen) == script_errors(till) == []
