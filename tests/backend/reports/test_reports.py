"""Reports: the summary by month and district, its CSV, and the anonymised open-data export."""

from __future__ import annotations

import csv
import io

import pytest
from eth_account import Account

from backend.claims.models import Claim
from backend.db import transaction, utcnow
from backend.reports import totals
from backend.reports.service import OPEN_DATA_COLUMNS
from backend.rewards.installation import claim_ids
from backend.settings import ANVIL_TEST_KEYS
from backend.tasks.models import Task
from tests.backend.indexer.coin import new_account, register_merchant

OPERATOR = Account.from_key(ANVIL_TEST_KEYS["deployer"])


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, OPERATOR)


def approved_claim(runtime, citizen: str, *, district: str, minutes: int) -> int:
    with transaction(runtime.sessions) as session:
        task = Task(
            title="Bank schilderen",
            description="Groen",
            district=district,
            reward_units=1500,
            capacity=1,
            minutes=minutes,
            created_by=OPERATOR.address,
        )
        session.add(task)
        session.flush()
        claim = Claim(task_id=task.id, citizen=citizen, status="approved", reviewed_at=utcnow())
        session.add(claim)
        session.flush()
        # as backend.claims.service.approve does (this test skips the sign-up, claim and proof)
        city = runtime.settings.city_name
        totals.approved(session, city, reviewed_at=claim.reviewed_at, district=district, minutes=minutes)
        return claim.id


@pytest.fixture
def city(runtime, coin, make_indexer, w3, client, operator):
    """A citizen rewarded 15.00 for a 90-minute task in Zuid, who pays 7.00 at a shop; the shop
    redeems 5.00 and the city pays it out."""
    citizen, shop = new_account(w3), new_account(w3)
    register_merchant(runtime, coin, shop, name="Bakkerij Zuid", iban="NL02ABNA0123456789")
    claim = approved_claim(runtime, citizen.address, district="Zuid", minutes=90)
    with transaction(runtime.sessions) as session:  # the claim's on-chain id, as the sender builds it
        onchain_claim = claim_ids(session).onchain_int(claim)
    coin.reward(citizen.address, 1500, onchain_claim)
    coin.transfer(citizen, shop.address, 700)
    coin.redeem(shop, 500, 99)
    make_indexer().run_until_idle()
    batch = client.post("/api/v1/payouts/sepa", headers=operator).headers["X-Payout-Batch-Id"]
    client.post(f"/api/v1/payouts/batches/{batch}/paid", headers=operator)
    return citizen, shop


def month_now() -> str:
    return utcnow().strftime("%Y-%m")


def test_the_summary_gives_the_months_figures_for_the_city_and_its_districts(client, operator, city):
    report = client.get("/api/v1/reports/summary", headers=operator).json()

    assert report["rows"] == [
        {
            "month": month_now(),
            "district": "all",
            "tasks_done": 1,
            "minutes_worked": 90,
            "coins_rewarded": "15.00",
            "coins_paid_to_merchants": "7.00",
            "coins_redeemed": "5.00",
            "euros_paid_out": "5.00",
        },
        {
            "month": month_now(),
            "district": "Zuid",
            "tasks_done": 1,
            "minutes_worked": 90,
            "coins_rewarded": "15.00",
            "coins_paid_to_merchants": None,
            "coins_redeemed": None,
            "euros_paid_out": None,
        },
    ]
    assert report["circulating_supply"] == report["indexed_supply"] == "10.00"


def test_the_summary_downloads_as_csv(client, operator, city):
    response = client.get("/api/v1/reports/summary.csv", headers=operator)
    same = client.get("/api/v1/reports/summary?format=csv", headers=operator)

    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["X-Circulating-Supply"] == "10.00"
    assert same.text == response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["district"], r["coins_rewarded"], r["coins_redeemed"], r["euros_paid_out"]) for r in rows] == [
        ("all", "15.00", "5.00", "5.00"),
        ("Zuid", "15.00", "", ""),
    ]


def test_the_open_data_export_holds_no_address_name_or_iban(client, operator, city):
    citizen, shop = city

    text = client.get("/api/v1/reports/open-data", headers=operator).text

    for secret in (citizen.address, shop.address, "Bakkerij Zuid", "NL02ABNA0123456789"):
        assert secret.lower() not in text.lower()
        assert secret.lower().removeprefix("0x") not in text.lower()
    rows = list(csv.DictReader(io.StringIO(text)))
    # one citizen, one shop: every cell is below OPEN_DATA_MIN_CITIZENS (see test_open_data.py)
    assert {(r["district"], r["measure"], r["amount"], r["suppressed"]) for r in rows} == {
        ("Zuid", "rewards", "", "yes"),
        ("all", "paid_to_merchants", "", "yes"),
        ("all", "redeemed", "", "yes"),
    }


def test_the_exports_hold_only_the_months_asked_for(client, operator, city):
    this_month = month_now()

    summary = client.get(f"/api/v1/reports/summary.csv?from={this_month}&to={this_month}", headers=operator).text
    before = client.get("/api/v1/reports/summary.csv?to=2020-12", headers=operator).text
    open_data = client.get(f"/api/v1/reports/open-data?from={this_month}", headers=operator).text
    none = client.get("/api/v1/reports/open-data?from=2020-01&to=2020-12", headers=operator).text

    assert [r["month"] for r in csv.DictReader(io.StringIO(summary))] == [this_month, this_month]
    assert list(csv.DictReader(io.StringIO(before))) == []
    assert {(r["month"], r["measure"]) for r in csv.DictReader(io.StringIO(open_data))} == {
        (this_month, "rewards"), (this_month, "paid_to_merchants"), (this_month, "redeemed")
    }
    assert none.splitlines() == [",".join(OPEN_DATA_COLUMNS)]


def test_a_range_that_ends_before_it_starts_is_refused(client, operator):
    response = client.get("/api/v1/reports/open-data?from=2026-05&to=2026-04", headers=operator)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "month_range_reversed"


@pytest.mark.parametrize("path", ["/api/v1/reports/open-data", "/api/v1/reports/summary.csv"])
@pytest.mark.parametrize("query", ["from=0000-01", "to=9999-12"])
def test_a_year_no_calendar_holds_is_refused_before_the_export_starts(client, operator, path, query):
    # The fuzzer found it: checked only inside the stream, the error cut the answer off mid-way.
    response = client.get(f"{path}?{query}", headers=operator)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_a_month_that_is_no_month_is_refused(client, operator):
    response = client.get("/api/v1/reports/summary.csv?from=2026-13", headers=operator)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_the_summary_csv_names_the_city(client, operator, city, runtime):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/reports/summary.csv", headers=operator).text)))

    assert {r["city"] for r in rows} == {runtime.settings.city_name}


def test_the_pseudonyms_change_with_the_salt(runtime, city):
    from backend.reports.service import pseudonym

    citizen, _ = city
    assert pseudonym("one", citizen.address) != pseudonym("two", citizen.address)
    assert pseudonym("one", citizen.address) == pseudonym("one", citizen.address.lower())


def test_reports_are_for_operators_only(client, sign_in, w3):
    citizen = sign_in(client, new_account(w3))

    for path in ("/api/v1/reports/summary", "/api/v1/reports/summary.csv", "/api/v1/reports/open-data"):
        assert client.get(path, headers=citizen).status_code == 403
        assert client.get(path).status_code == 401


def test_the_summary_csv_in_the_dutch_dialect_uses_semicolons_decimal_commas_and_dutch_headers() -> None:
    from backend.reports.service import ALL, Row, Summary, summary_csv

    row = Row(month="2026-03", district=ALL, tasks_done=2, minutes_worked=90, coins_rewarded=1250)
    text = summary_csv(Summary(rows=[row]), "nl")
    header, line = text.splitlines()
    assert header.split(";")[:4] == ["gemeente", "maand", "wijk", "klusjes_gedaan"]  # the city first (issue 16)
    assert line.split(";")[1:6] == ["2026-03", "alle", "2", "90", "12,50"]


def test_the_summary_has_the_audit_trail_as_an_appendix(client, operator, city):
    report = client.get("/api/v1/reports/summary", headers=operator).json()
    assert {(a["month"], a["action"], a["count"]) for a in report["audit"]} == {
        (month_now(), "sepa_exported", 1),
        (month_now(), "batch_paid", 1),
    }
