"""The open-data export cannot be joined back to the public chain: an attacker who holds the export
and every `Rewarded` event of the coin tries to pin export rows on single citizens."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from eth_account import Account

from backend.db import transaction
from backend.rewards.installation import claim_ids
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.indexer.coin import new_account, register_merchant
from tests.backend.reports.test_reports import approved_claim

OPERATOR = Account.from_key(ANVIL_TEST_KEYS["deployer"])
ZUID = ("10.00", "11.00", "12.00", "13.00", "14.50", "15.00")  # six citizens, each a different amount
NOORD = ("7.00", "8.00")  # two citizens: fewer than OPEN_DATA_MIN_CITIZENS (5)


def units(amount: str) -> int:
    return int(amount.replace(".", ""))


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, OPERATOR)


@pytest.fixture
def rewarded_city(runtime, coin, make_indexer, w3):
    """Eight citizens rewarded on a real Anvil for tasks in two districts; one of them pays a shop,
    which redeems; then the indexer reads it all."""
    citizens = []
    for district, amounts in (("Zuid", ZUID), ("Noord", NOORD)):
        for amount in amounts:
            citizen = new_account(w3)
            claim = approved_claim(runtime, citizen.address, district=district, minutes=120)
            with transaction(runtime.sessions) as session:  # the claim's on-chain id, as the sender builds it
                onchain_claim = claim_ids(session).onchain_int(claim)
            coin.reward(citizen.address, units(amount), onchain_claim)
            citizens.append(citizen)
    shop = new_account(w3)
    register_merchant(runtime, coin, shop, name="Bakkerij Zuid", iban="NL02ABNA0123456789")
    coin.transfer(citizens[0], shop.address, 700)
    coin.redeem(shop, 500, 99)
    make_indexer().run_until_idle()
    return citizens


def chain_rewards(coin, w3) -> list[tuple[str, str, int, str]]:
    """What anyone can read from the public chain: (day, month, units, citizen) of every reward."""
    found = []
    for log in coin.contract.events.Rewarded.get_logs(from_block=0):
        moment = datetime.fromtimestamp(w3.eth.get_block(log["blockNumber"])["timestamp"], UTC)
        found.append((moment.date().isoformat(), f"{moment:%Y-%m}", int(log["args"]["amount"]), log["args"]["citizen"]))
    return found


def export_rows(client, operator) -> list[dict[str, str]]:
    response = client.get("/api/v1/reports/open-data", headers=operator)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.text)))


def test_no_open_data_row_matches_a_single_citizen_on_chain(client, operator, rewarded_city, coin, w3):
    rewards = chain_rewards(coin, w3)
    assert len(rewards) == len(ZUID) + len(NOORD)
    by_day: dict[tuple[str, int], set[str]] = defaultdict(set)
    by_month: dict[tuple[str, int], set[str]] = defaultdict(set)
    for day, month, amount, citizen in rewards:
        by_day[day, amount].add(citizen)
        by_month[month, amount].add(citizen)

    unique = []
    for row in export_rows(client, operator):
        if not row.get("amount"):
            continue  # a suppressed cell carries no amount
        amount = units(row["amount"])
        candidates = by_day[row["date"], amount] if row.get("date") else by_month[row["month"], amount]
        if len(candidates) == 1:
            unique.append(row)
    assert unique == []


def test_the_export_has_no_column_that_links_rows_to_one_address(client, operator, rewarded_city):
    rows = export_rows(client, operator)
    assert set(rows[0]) == {"month", "district", "measure", "people", "events", "amount", "suppressed"}
    text = str(rows).lower()
    for citizen in rewarded_city:
        assert citizen.address.lower()[2:12] not in text


def test_rewards_are_summed_per_district_and_month(client, operator, rewarded_city):
    month = datetime.now(UTC).strftime("%Y-%m")
    [zuid] = [r for r in export_rows(client, operator) if r["district"] == "Zuid"]
    assert zuid == {
        "month": month, "district": "Zuid", "measure": "rewards", "people": "6", "events": "6",
        "amount": "75.50", "suppressed": "",
    }


def test_cells_with_fewer_citizens_than_the_minimum_are_suppressed(client, operator, rewarded_city):
    rows = export_rows(client, operator)
    [noord] = [r for r in rows if r["district"] == "Noord"]
    assert (noord["people"], noord["events"], noord["amount"], noord["suppressed"]) == ("", "", "", "yes")
    city = {r["measure"]: r for r in rows if r["district"] == "all"}
    assert city["paid_to_merchants"]["suppressed"] == city["redeemed"]["suppressed"] == "yes"
    assert "rewards" not in city  # a city total would give away a suppressed district by subtraction


def test_the_minimum_is_configurable(client, operator, rewarded_city, runtime, monkeypatch):
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"open_data_min_citizens": 2}))
    [noord] = [r for r in export_rows(client, operator) if r["district"] == "Noord"]
    assert (noord["people"], noord["amount"], noord["suppressed"]) == ("2", "15.00", "")
