"""A payment is never sent twice: when the connection drops, the signed authorization is kept and
"try again" sends exactly the same one (the API is idempotent on (from, nonce))."""

from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from backend.payments.models import Payment
from tests.web.helpers import PASSPHRASE, PageFactory, Server, by_id, restore_wallet, unlock
from tests.web.setup_api import funded_citizen, registered_shop


def _payments_from(server, address: str) -> int:
    with server.runtime.sessions() as session:
        query = select(func.count()).select_from(Payment).where(Payment.from_address == address)
        return int(session.scalar(query) or 0)


def _start_payment(page, shop_address: str) -> None:
    page.goto(f"/#/pay?to={shop_address}&amount=4.00")
    by_id(page, "pay-confirm-button").click()


def test_answer_lost_after_the_payment_went_through_is_retried_without_paying_twice(
    server: Server, page: Page
) -> None:
    citizen = funded_citizen(server)
    shop = registered_shop(server)
    restore_wallet(page, citizen.key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    lost = []

    def deliver_then_drop(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            route.fetch()  # the server receives it and relays the payment ...
            lost.append(True)
            route.abort("internetdisconnected")  # ... but the answer never reaches the phone
        else:
            route.continue_()

    page.route("**/api/v1/payments", deliver_then_drop)
    _start_payment(page, shop.address)
    expect(by_id(page, "pay-pending")).to_be_visible()
    assert _payments_from(server, citizen.address) == 1
    by_id(page, "pay-retry").click()
    expect(by_id(page, "pay-done")).to_be_visible()
    assert _payments_from(server, citizen.address) == 1
    assert server.runtime.chain.balance_of(shop.address) == 400
    assert server.runtime.chain.balance_of(citizen.address) == 1100


def test_payment_that_never_left_the_phone_survives_closing_the_app(
    server: Server, new_page: PageFactory
) -> None:
    citizen = funded_citizen(server)
    shop = registered_shop(server)
    page = new_page("nl")
    restore_wallet(page, citizen.key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    def drop_post(route: Route) -> None:
        if route.request.method == "POST":
            route.abort("internetdisconnected")  # the phone has no connection
        else:
            route.continue_()

    page.route("**/api/v1/payments", drop_post)
    _start_payment(page, shop.address)
    expect(by_id(page, "pay-pending")).to_contain_text("4,00")
    assert _payments_from(server, citizen.address) == 0
    saved = page.evaluate(f"localStorage.getItem('heitje.pending-payment.{citizen.address}')")
    nonce = json.loads(saved)["body"]["nonce"]

    page.unroute("**/api/v1/payments")
    unlock(page, PASSPHRASE)  # the app was closed: open it again
    page.goto("/#/pay")
    expect(by_id(page, "pay-pending")).to_be_visible()
    by_id(page, "pay-retry").click()
    expect(by_id(page, "pay-done")).to_be_visible()
    with server.runtime.sessions() as session:
        payment = session.scalars(select(Payment).where(Payment.from_address == citizen.address)).one()
    assert payment.nonce == nonce
    assert server.runtime.chain.balance_of(shop.address) == 400
