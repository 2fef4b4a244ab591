"""One owner for "is this address a merchant": the city's intent (an active registry row) and the
chain's confirmation; and the API, not the web app, answers whom a citizen can pay."""

from __future__ import annotations

from eth_account import Account

from backend.db import transaction
from backend.merchants import service
from backend.merchants.models import Merchant
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.payments.chain_helpers import set_merchant, transact

PAYEES = "/api/v1/payments/payees"


def _row(runtime, address, *, active=True, chain_status="confirmed"):
    with transaction(runtime.sessions) as session:
        session.add(Merchant(address=address, name="Bakkerij", iban="NL91ABNA0417164300", active=active,
                             chain_status=chain_status))


def _is_merchant(runtime, address, **kwargs):
    with runtime.sessions() as session:
        return service.is_merchant(session, address, **kwargs)


def test_an_active_row_confirmed_on_chain_is_a_merchant(runtime):
    shop = Account.create().address
    _row(runtime, shop)
    set_merchant(runtime, shop)

    assert _is_merchant(runtime, shop) and _is_merchant(runtime, shop, chain=runtime.chain)


def test_a_registration_not_yet_confirmed_on_chain_is_not_a_merchant(runtime):
    shop = Account.create().address
    _row(runtime, shop, chain_status="sent")

    assert not _is_merchant(runtime, shop) and not _is_merchant(runtime, shop, chain=runtime.chain)


def test_an_address_the_chain_accepts_but_the_city_does_not_is_not_a_merchant(runtime):
    stranger = Account.create().address
    set_merchant(runtime, stranger)

    assert not _is_merchant(runtime, stranger, chain=runtime.chain)


def test_a_deactivated_shop_was_a_merchant_at_the_block_it_burnt(runtime):
    shop = Account.create().address
    _row(runtime, shop, active=False)
    set_merchant(runtime, shop)
    block = runtime.chain.latest_block()
    set_merchant(runtime, shop, False)

    assert _is_merchant(runtime, shop, chain=runtime.chain, block=block)
    assert not _is_merchant(runtime, shop, chain=runtime.chain)


def test_a_merchant_can_be_paid(client, runtime):
    shop = Account.create().address
    _row(runtime, shop)
    set_merchant(runtime, shop)

    assert client.get(f"{PAYEES}/{shop}").json() == {
        "address": shop, "name": "Bakkerij", "can_pay": True, "reason": "merchant"
    }


def test_a_person_cannot_be_paid_while_transfers_are_closed(client):
    person = Account.create().address

    body = client.get(f"{PAYEES}/{person}").json()

    assert (body["can_pay"], body["reason"]) == (False, "not_a_merchant")


def test_a_person_can_be_paid_when_transfers_are_open(client, runtime):
    person = Account.create().address
    transact(runtime, ANVIL_TEST_KEYS["deployer"], "setOpenTransfers", True)

    body = client.get(f"{PAYEES}/{person}").json()

    assert (body["can_pay"], body["reason"]) == (True, "open_transfers")


def test_a_shop_whose_registration_is_being_mined_cannot_be_paid_yet(client, runtime):
    shop = Account.create().address
    _row(runtime, shop, chain_status="sent")

    body = client.get(f"{PAYEES}/{shop}").json()

    assert (body["can_pay"], body["reason"]) == (False, "merchant_not_ready")


def test_the_web_app_asks_the_api_whom_it_can_pay():
    from pathlib import Path

    pay = (Path(__file__).resolve().parents[3] / "web/js/views/pay.js").read_text()

    assert "/payments/payees/" in pay and "accepting_payments" not in pay and '"/merchants"' not in pay
