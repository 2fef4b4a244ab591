"""Payouts: one per confirmed redemption, the SEPA file (checked against the pain.001.001.03
schema kept in the repo), exported -> paid, and who may do it."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from eth_account import Account
from sqlalchemy import select

from backend.db import transaction
from backend.payouts.models import Payout
from backend.payouts.sepa import SCHEMA_PATH
from backend.payouts.service import euro_cents
from backend.settings import ANVIL_TEST_KEYS
from tests.backend.indexer.coin import funded_merchant, new_account, ref_hex

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OPERATOR = Account.from_key(ANVIL_TEST_KEYS["deployer"])  # the deployment's admin is an operator


@pytest.fixture
def operator(client, sign_in):
    return sign_in(client, OPERATOR)


@pytest.fixture
def two_redemptions(runtime, coin, make_indexer):
    """Two merchants, each redeemed once and confirmed; the indexer has read them."""
    bakery = funded_merchant(
        runtime, coin, units=2500, claim=1, name="Bakkerij Zuid", iban="NL02ABNA0123456789"
    )
    books = funded_merchant(
        runtime, coin, units=1000, claim=2, name="Boekhandel Noord", iban="DE89370400440532013000"
    )
    coin.redeem(bakery, 2500, 11)
    coin.redeem(books, 750, 12)
    make_indexer().run_until_idle()
    return bakery, books


def payouts(runtime):
    with runtime.sessions() as session:
        return list(session.scalars(select(Payout).order_by(Payout.id)))


def test_each_confirmed_redemption_yields_one_due_payout_at_the_configured_rate(runtime, coin, make_indexer):
    merchant = funded_merchant(runtime, coin, units=2000, claim=1)
    coin.redeem(merchant, 1234, 7)

    make_indexer(euro_per_coin=Decimal("0.50")).run_until_idle()
    make_indexer(euro_per_coin=Decimal("0.50")).run_until_idle()

    [payout] = payouts(runtime)
    assert (payout.merchant, payout.units, payout.amount_cents, payout.ref, payout.status) == (
        merchant.address,
        1234,
        617,
        ref_hex(7),
        "due",
    )


def test_euros_are_units_times_the_rate_over_a_hundred_rounded_half_up_to_the_cent():
    assert euro_cents(1500, Decimal("1.00")) == 1500
    assert euro_cents(1, Decimal("0.50")) == 1  # 0.005 euro -> 0.01
    assert euro_cents(3, Decimal("0.33")) == 1  # 0.0099 euro -> 0.01


def test_the_sepa_file_is_valid_pain_001_001_03_from_the_city_to_each_merchant(
    client, operator, runtime, two_redemptions
):
    response = client.post("/api/v1/payouts/sepa", headers=operator)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    xmlschema.XMLSchema(str(SCHEMA_PATH)).validate(response.text)
    doc = ET.fromstring(response.content)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "32.50"
    info = doc.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == runtime.settings.city_iban
    lines = [
        (
            tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            tx.findtext("p:Amt/p:InstdAmt", namespaces=NS),
        )
        for tx in info.findall("p:CdtTrfTxInf", NS)
    ]
    assert lines == [
        ("Bakkerij Zuid", "NL02ABNA0123456789", "25.00"),
        ("Boekhandel Noord", "DE89370400440532013000", "7.50"),
    ]


def test_export_marks_the_payouts_exported_and_the_batch_downloads_again(
    client, operator, runtime, two_redemptions
):
    exported = client.post("/api/v1/payouts/sepa", headers=operator)
    batch_id = exported.headers["X-Payout-Batch-Id"]

    again = client.get(f"/api/v1/payouts/batches/{batch_id}/sepa", headers=operator)
    listed = client.get("/api/v1/payouts", headers=operator).json()

    assert again.status_code == 200 and again.text == exported.text
    assert [(p["status"], p["batch_id"]) for p in listed] == [("exported", int(batch_id))] * 2
    assert [p["euros"] for p in listed] == ["7.50", "25.00"]  # newest first
    assert client.get("/api/v1/payouts/batches", headers=operator).json()[0]["euros"] == "32.50"


def test_a_second_export_with_nothing_due_is_refused_with_nothing_to_pay(client, operator, two_redemptions):
    client.post("/api/v1/payouts/sepa", headers=operator)

    response = client.post("/api/v1/payouts/sepa", headers=operator)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_pay"


def test_an_exported_payout_is_marked_paid_and_stays_paid(client, operator, two_redemptions):
    client.post("/api/v1/payouts/sepa", headers=operator)
    first = client.get("/api/v1/payouts", headers=operator).json()[0]

    paid = client.post(f"/api/v1/payouts/{first['id']}/paid", headers=operator)
    again = client.post(f"/api/v1/payouts/{first['id']}/paid", headers=operator)

    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert again.json()["paid_at"] == paid.json()["paid_at"]
    assert [p["status"] for p in client.get("/api/v1/payouts", headers=operator).json()] == [
        "paid",
        "exported",
    ]


def test_a_due_payout_cannot_be_marked_paid(client, operator, two_redemptions):
    first = client.get("/api/v1/payouts?status=due", headers=operator).json()[0]

    response = client.post(f"/api/v1/payouts/{first['id']}/paid", headers=operator)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payout_not_exported"


def test_marking_a_batch_paid_pays_every_payout_in_it(client, operator, two_redemptions):
    batch_id = client.post("/api/v1/payouts/sepa", headers=operator).headers["X-Payout-Batch-Id"]

    response = client.post(f"/api/v1/payouts/batches/{batch_id}/paid", headers=operator)

    assert response.status_code == 200 and response.json()["paid_at"]
    assert {p["status"] for p in client.get("/api/v1/payouts", headers=operator).json()} == {"paid"}


def test_an_unknown_payout_or_batch_is_404(client, operator):
    assert client.post("/api/v1/payouts/999/paid", headers=operator).json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/payouts/batches/999/sepa", headers=operator).status_code == 404


def test_payouts_are_for_operators_only(client, sign_in, w3, two_redemptions):
    citizen = sign_in(client, new_account(w3))

    assert client.get("/api/v1/payouts", headers=citizen).status_code == 403
    assert client.post("/api/v1/payouts/sepa", headers=citizen).status_code == 403
    assert client.get("/api/v1/payouts").status_code == 401


def test_a_redemption_by_an_address_without_a_merchant_record_stays_due_and_out_of_the_file(
    client, operator, runtime, coin, make_indexer, w3, two_redemptions
):
    stranger = new_account(w3)  # accepted on chain by a registrar directly, never registered with us
    coin.set_merchant(stranger.address, True)
    coin.reward(stranger.address, 500, 3)
    coin.redeem(stranger, 500, 13)
    make_indexer().run_until_idle()

    response = client.post("/api/v1/payouts/sepa", headers=operator)

    assert response.headers["X-Payouts-Skipped"] == "1"
    due = client.get("/api/v1/payouts?status=due", headers=operator).json()
    assert [(p["merchant"], p["merchant_name"]) for p in due] == [(stranger.address, None)]


def _request(runtime, merchant, *, units: int, ref: int) -> int:
    """A redemption request as POST /redemptions leaves it."""
    from backend.redemptions.models import Redemption

    with transaction(runtime.sessions) as session:
        row = Redemption(
            ref=ref_hex(ref), merchant=merchant.address, amount=units, status="requested",
            auth_nonce=ref_hex(1), valid_after=0, valid_before=2**40,
        )
        session.add(row)
        session.flush()
        return row.id


def test_a_payout_links_to_the_redemption_its_burn_matched(client, operator, runtime, coin, make_indexer):
    bakery = funded_merchant(runtime, coin, units=2600, claim=1)
    request_id = _request(runtime, bakery, units=2500, ref=11)
    coin.redeem(bakery, 2500, 11)
    coin.redeem(bakery, 100, 12)  # a ref the backend never issued: paid, linked to nothing
    make_indexer().run_until_idle()

    listed = client.get("/api/v1/payouts", headers=operator).json()

    assert [(p["redemption_id"], p["status"]) for p in listed] == [(None, "due"), (request_id, "due")]  # newest first


def test_a_burn_under_another_merchants_ref_is_flagged_and_never_exported(
    client, operator, runtime, coin, make_indexer
):
    bakery = funded_merchant(runtime, coin, units=2500, claim=1)
    rival = funded_merchant(runtime, coin, units=100, claim=2, name="Rivaal", iban="DE89370400440532013000")
    _request(runtime, bakery, units=2500, ref=11)
    coin.redeem(rival, 1, 11)
    make_indexer().run_until_idle()

    [flagged] = client.get("/api/v1/payouts?status=flagged", headers=operator).json()
    export = client.post("/api/v1/payouts/sepa", headers=operator)

    assert (flagged["merchant"], flagged["redemption_id"]) == (rival.address, None)
    assert rival.address in flagged["flag_reason"]
    assert export.status_code == 409 and export.json()["error"]["code"] == "nothing_to_pay"


@pytest.mark.parametrize("ident", ["0", "-1", "99999999999999999999999", "1 OR 1=1"])
def test_a_payout_or_batch_id_out_of_range_is_a_clear_422(client, operator, ident):
    for response in (
        client.post(f"/api/v1/payouts/{ident}/paid", headers=operator),
        client.get(f"/api/v1/payouts/batches/{ident}/sepa", headers=operator),
        client.get("/api/v1/payouts", params={"batch_id": ident}, headers=operator),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_error"
