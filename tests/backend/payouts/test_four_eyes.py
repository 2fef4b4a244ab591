"""Four eyes: a SEPA file above SEPA_FOUR_EYES_TOTAL waits for a second operator before its XML is
released; the operator who exported it cannot confirm it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from backend.settings import ANVIL_TEST_KEYS
from tests.backend.indexer.coin import funded_merchant

EXPORTER = Account.from_key(ANVIL_TEST_KEYS["deployer"])  # the deployment's admin is an operator
SECOND = Account.create()


@pytest.fixture
def redeemed(runtime, coin, make_indexer, monkeypatch):
    """One confirmed redemption of 25.00 (a due payout of EUR 25.00); a second operator configured."""
    monkeypatch.setattr(
        runtime,
        "settings",
        runtime.settings.model_copy(
            update={"sepa_four_eyes_total": Decimal("20.00"), "operators": (SECOND.address,)}
        ),
    )
    merchant = funded_merchant(runtime, coin, units=2500, claim=1, name="Bakkerij Zuid", iban="NL02ABNA0123456789")
    coin.redeem(merchant, 2500, 11)
    make_indexer().run_until_idle()


@pytest.fixture
def exporter(client, sign_in):
    return sign_in(client, EXPORTER)


@pytest.fixture
def second(client, sign_in):
    return sign_in(client, SECOND)


def export(client, headers) -> int:
    response = client.post("/api/v1/payouts/sepa", headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "awaiting_approval"
    assert "xml" not in response.headers["content-type"]
    return int(response.json()["batch_id"])


@pytest.mark.usefixtures("redeemed")
def test_a_file_above_the_total_is_not_downloadable_before_a_second_operator_confirms(client, exporter) -> None:
    batch_id = export(client, exporter)
    response = client.get(f"/api/v1/payouts/batches/{batch_id}/sepa", headers=exporter)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "awaiting_approval"
    paid = client.post(f"/api/v1/payouts/batches/{batch_id}/paid", headers=exporter)
    assert paid.json()["error"]["code"] == "awaiting_approval"


@pytest.mark.usefixtures("redeemed")
def test_the_exporting_operator_cannot_confirm_their_own_file(client, exporter) -> None:
    batch_id = export(client, exporter)
    response = client.post(f"/api/v1/payouts/batches/{batch_id}/confirm", headers=exporter)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "same_operator"
    assert client.get(f"/api/v1/payouts/batches/{batch_id}/sepa", headers=exporter).status_code == 409


@pytest.mark.usefixtures("redeemed")
def test_a_second_operator_releases_the_file_and_both_decisions_are_audited(client, exporter, second) -> None:
    batch_id = export(client, exporter)
    confirmed = client.post(f"/api/v1/payouts/batches/{batch_id}/confirm", headers=second)
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["confirmed_by"]) == ("released", SECOND.address)

    download = client.get(f"/api/v1/payouts/batches/{batch_id}/sepa", headers=exporter)
    assert download.status_code == 200
    assert "NL02ABNA0123456789" in download.text
    again = client.post(f"/api/v1/payouts/batches/{batch_id}/confirm", headers=second)
    assert again.json()["error"]["code"] == "not_awaiting_approval"
    assert client.post(f"/api/v1/payouts/batches/{batch_id}/paid", headers=exporter).status_code == 200

    trail = client.get("/api/v1/audit", params={"subject": f"batch:{batch_id}"}, headers=exporter).json()
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("batch_paid", EXPORTER.address),
        ("sepa_confirmed", SECOND.address),
        ("sepa_exported", EXPORTER.address),
    ]
    releases = client.get("/api/v1/payouts/releases", headers=second).json()
    assert [(r["batch_id"], r["status"]) for r in releases] == [(batch_id, "released")]


def test_a_file_at_or_below_the_total_is_answered_at_once(client, exporter, runtime, coin, make_indexer) -> None:
    merchant = funded_merchant(runtime, coin, units=1000, claim=1, name="Boekhandel", iban="NL02ABNA0123456789")
    coin.redeem(merchant, 1000, 12)
    make_indexer().run_until_idle()
    response = client.post("/api/v1/payouts/sepa", headers=exporter)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
