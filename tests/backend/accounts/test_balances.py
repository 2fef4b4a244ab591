"""Balances and merchant flags kept by the indexer (issue 14): after rewards, payments, redemptions and a
reorg, `account_balances` holds what the chain's balanceOf says, and GET /accounts/{address} answers from
it without asking the node, with what is on its way as the pending part."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from eth_account import Account
from sqlalchemy import delete, select

from backend.accounts import balances
from backend.accounts.models import AccountBalance
from backend.db import transaction
from backend.indexer.service import Indexer
from backend.merchants.models import Merchant
from backend.migrate import MIGRATIONS
from tests.backend.payments.chain_helpers import citizen_with, set_merchant, settled, signed_transfer
from tests.support.api import as_signed_in
from tests.support.chain import take_node_away
from tests.support.coin import funded_merchant, new_account


def rows(runtime) -> dict[str, tuple[int, bool]]:  # type: ignore[no-untyped-def]
    with runtime.sessions() as session:
        found = session.execute(select(AccountBalance.address, AccountBalance.balance, AccountBalance.is_merchant))
        return {address: (int(units), bool(merchant)) for address, units, merchant in found}


def assert_rows_match_chain(runtime, addresses) -> None:  # type: ignore[no-untyped-def]
    stored = rows(runtime)
    for address in addresses:
        assert stored.get(address, (0, False))[0] == runtime.chain.balance_of(address), address
        assert stored.get(address, (0, False))[1] == runtime.chain.is_merchant(address), address
    with runtime.sessions() as session:
        assert balances.differences(session) == {}


def test_balances_equal_balance_of_after_rewards_payments_and_redemptions(runtime, coin, w3) -> None:
    shop = funded_merchant(runtime, coin, units=700, claim=1)
    citizen, other = new_account(w3), new_account(w3)
    coin.reward(citizen.address, 1500, 2)
    coin.reward(other.address, 250, 3)
    coin.transfer(citizen, shop.address, 400)
    coin.redeem(shop, 900, 42)
    Indexer(runtime).run_until_idle()

    assert rows(runtime)[shop.address] == (200, True)
    assert_rows_match_chain(runtime, [shop.address, citizen.address, other.address])


def test_a_deregistered_merchant_is_no_longer_a_merchant(runtime, coin, w3) -> None:
    shop = funded_merchant(runtime, coin, units=100, claim=1)
    Indexer(runtime).run_until_idle()
    coin.set_merchant(shop.address, False)
    Indexer(runtime).run_until_idle()

    assert rows(runtime)[shop.address] == (100, False)


def test_a_reorg_takes_back_the_balances_of_the_replaced_blocks(runtime, coin, make_indexer, w3) -> None:
    shop = funded_merchant(runtime, coin, units=500, claim=1)
    citizen, gone = new_account(w3), new_account(w3)
    coin.reward(citizen.address, 300, 2)
    indexer = make_indexer(confirmations=1)
    indexer.run_until_idle()
    fork = coin.snapshot()
    coin.reward(gone.address, 999, 3)  # only on the old branch
    coin.transfer(citizen, shop.address, 100)
    coin.redeem(shop, 200, 7)
    indexer.run_until_idle()
    assert rows(runtime)[gone.address] == (999, False)

    coin.revert(fork)
    coin.transfer(citizen, shop.address, 50)  # the new branch: another payment, longer than the old one
    coin.set_merchant(new_account(w3).address, True)
    coin.mine(3)
    steps = indexer.run_until_idle()

    assert "reorg" in [s.kind for s in steps]
    assert gone.address not in rows(runtime)
    assert rows(runtime)[shop.address] == (550, True)
    assert_rows_match_chain(runtime, [shop.address, citizen.address, gone.address])


def test_the_account_answer_needs_no_node(client, runtime, coin, w3, monkeypatch) -> None:
    shop = funded_merchant(runtime, coin, units=700, claim=1)
    Indexer(runtime).run_until_idle()
    take_node_away(runtime.chain, monkeypatch)

    response = client.get(f"/api/v1/accounts/{shop.address}")

    assert response.status_code == 200
    body = response.json()
    assert (body["balance"], body["confirmed_balance"], body["is_merchant"]) == ("7.00", "7.00", True)
    assert body["block"] == Indexer(runtime).checkpoint()[0]
    assert response.headers["cache-control"] == "private, no-cache"


def test_a_relayed_payment_is_pending_until_indexed(client, runtime) -> None:
    shop = Account.create()
    set_merchant(runtime, shop.address)
    with transaction(runtime.sessions) as session:
        session.add(Merchant(address=shop.address, name="Bakkerij", iban="NL91ABNA0417164300", active=True,
                             chain_status="confirmed"))
    citizen = citizen_with(runtime, 1000)
    Indexer(runtime).run_until_idle()
    relayed = client.post(
        "/api/v1/payments",
        json=signed_transfer(runtime, citizen, shop.address, 400),
        headers=as_signed_in(client, citizen),  # the payer relays their own payment
    )
    assert relayed.status_code == 201, relayed.text
    settled(runtime)

    payer = client.get(f"/api/v1/accounts/{citizen.address}").json()
    payee = client.get(f"/api/v1/accounts/{shop.address}").json()
    assert (payer["confirmed_balance"], payer["pending_outgoing"], payer["balance"]) == ("10.00", "4.00", "6.00")
    assert (payee["confirmed_balance"], payee["pending_incoming"], payee["balance"]) == ("0.00", "4.00", "4.00")

    Indexer(runtime).run_until_idle()
    payer = client.get(f"/api/v1/accounts/{citizen.address}").json()
    payee = client.get(f"/api/v1/accounts/{shop.address}").json()
    assert (payer["confirmed_balance"], payer["pending_outgoing"], payer["balance"]) == ("6.00", "0.00", "6.00")
    assert (payee["confirmed_balance"], payee["pending_incoming"], payee["balance"]) == ("4.00", "0.00", "4.00")
    assert payee["is_merchant"] is True


def _migration():  # type: ignore[no-untyped-def]
    path = Path(MIGRATIONS) / "versions" / "0017_account_balances.py"
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_fills_the_table_from_the_recorded_events(runtime, coin, w3) -> None:
    shop = funded_merchant(runtime, coin, units=700, claim=1)
    citizen = new_account(w3)
    coin.reward(citizen.address, 300, 2)
    coin.transfer(citizen, shop.address, 100)
    coin.redeem(shop, 500, 9)
    Indexer(runtime).run_until_idle()
    before = rows(runtime)
    with transaction(runtime.sessions) as session:
        session.execute(delete(AccountBalance))

    with runtime.engine.begin() as connection:
        _migration()._backfill(connection)

    assert rows(runtime) == before
    assert_rows_match_chain(runtime, [shop.address, citizen.address])
