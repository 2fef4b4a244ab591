"""The yearly statement (PDF, Dutch and English): read back with pypdf, its figures are the chain's."""

from __future__ import annotations

import io
import re

from eth_account import Account
from pypdf import PdfReader

from backend.amounts import format_amount
from backend.db import utcnow
from backend.privacy.service import citizen_pseudonym
from tests.backend.privacy.story import index, live_a_year, rewarded_on_chain


def _text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _money_nl(units: int) -> str:
    return format_amount(units).replace(".", ",")


def test_the_statements_total_equals_the_chains_rewarded_events(loop, runtime, w3):
    story = live_a_year(loop, runtime, rewards=("15.00", "12.50", "7.25"))
    year = utcnow().year
    on_chain = rewarded_on_chain(w3, runtime, story.citizen.address)
    assert sorted(on_chain) == [725, 1250, 1500]

    text = _text(loop.client.get(f"/api/v1/me/statement/{year}?lang=en", headers=loop.headers(story.citizen)))

    total = re.search(rf"Total {year}\s*(\d+)\s*([\d.]+)", text)
    assert total is not None, text
    assert (int(total.group(1)), total.group(2)) == (len(on_chain), format_amount(sum(on_chain)))


def test_the_statement_names_the_city_address_pseudonym_and_cap(loop, runtime, w3):
    story = live_a_year(loop, runtime, rewards=("15.00",))
    year = utcnow().year

    text = _text(loop.client.get(f"/api/v1/me/statement/{year}?lang=en", headers=loop.headers(story.citizen)))

    assert "Yearly statement of rewards" in text
    assert runtime.settings.city_name in text
    assert story.citizen.address in text
    assert citizen_pseudonym(runtime.settings, story.citizen.address) in text
    assert re.search(r"Yearly cap\s*1,500\.00", text)
    assert re.search(r"Left under the cap\s*1,485\.00", text)


def test_the_statement_puts_each_reward_in_the_month_of_its_block(loop, runtime, w3):
    story = live_a_year(loop, runtime, rewards=("15.00", "12.50"))
    now = utcnow()
    month = ("January February March April May June July August September October November December").split()[
        now.month - 1
    ]

    text = _text(loop.client.get(f"/api/v1/me/statement/{now.year}?lang=en", headers=loop.headers(story.citizen)))

    assert re.search(rf"{month} {now.year}\s*2\s*27\.50", text), text


def test_the_statement_is_dutch_by_default(loop, runtime, w3):
    story = live_a_year(loop, runtime, rewards=("15.00", "12.50"))
    year = utcnow().year
    units = sum(rewarded_on_chain(w3, runtime, story.citizen.address))

    text = _text(loop.client.get(f"/api/v1/me/statement/{year}", headers=loop.headers(story.citizen)))

    assert f"Jaaroverzicht beloningen {year}" in text
    assert re.search(rf"Totaal {year}\s*2\s*{_money_nl(units)}", text), text
    assert re.search(r"Jaargrens\s*1\.500,00", text)


def test_a_year_without_rewards_gives_a_statement_of_zero(loop):
    citizen = Account.create()

    text = _text(loop.client.get("/api/v1/me/statement/2024?lang=en", headers=loop.headers(citizen)))

    assert re.search(r"Total 2024\s*0\s*0\.00", text)


def test_an_operator_produces_a_citizens_statement(loop, runtime, w3):
    story = live_a_year(loop, runtime, rewards=("15.00",))
    year = utcnow().year
    url = f"/api/v1/citizens/{story.citizen.address.lower()}/statement/{year}?lang=en"

    text = _text(loop.client.get(url, headers=loop.operator))

    assert story.citizen.address in text
    assert re.search(rf"Total {year}\s*1\s*15\.00", text)


def test_only_operators_produce_someone_elses_statement(loop, runtime):
    citizen, other = Account.create(), Account.create()

    response = loop.client.get(f"/api/v1/citizens/{other.address}/statement/2026", headers=loop.headers(citizen))

    assert response.status_code == 403


def test_a_bad_year_or_language_is_a_validation_error(loop):
    headers = loop.headers(Account.create())

    for url in ("/api/v1/me/statement/99999", "/api/v1/me/statement/2026?lang=de"):
        response = loop.client.get(url, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


def test_the_statement_is_produced_on_the_command_line(loop, runtime, heitje, tmp_path):
    story = live_a_year(loop, runtime, rewards=("15.00",))
    year = utcnow().year
    out = tmp_path / "statement.pdf"

    result = heitje("privacy", "statement", story.citizen.address, str(year), "--lang", "en", "-o", str(out))

    assert result.exit_code == 0, result.output
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert re.search(rf"Total {year}\s*1\s*15\.00", text)


def test_rewards_not_yet_indexed_are_not_on_the_statement(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("15.00",))
    claim_id, _ = loop.approved_claim(story.citizen, reward="3.00")  # approved, not sent, not indexed
    index(runtime)
    year = utcnow().year

    text = _text(loop.client.get(f"/api/v1/me/statement/{year}?lang=en", headers=loop.headers(story.citizen)))

    assert re.search(rf"Total {year}\s*1\s*15\.00", text)
