"""GET /me/export and `heitje privacy export`: everything Heitje holds about the caller."""

from __future__ import annotations

import json

from eth_account import Account

from tests.backend.privacy.story import live_a_year

URL = "/api/v1/me/export"


def test_export_holds_claims_notes_photos_rewards_payments_and_sign_ins(loop, runtime):
    story = live_a_year(loop, runtime)

    response = loop.client.get(URL, headers=loop.headers(story.citizen))

    assert response.status_code == 200, response.text
    data = response.json()
    assert data["address"] == story.citizen.address
    claims = {c["id"]: c for c in data["claims"]}
    assert set(claims) == {*story.rewarded, story.rejected}
    assert claims[story.rejected]["note"] == "I swept it <b>twice</b>"
    assert claims[story.rejected]["reject_reason"] == "the photo is blurred"
    assert claims[story.rejected]["photo"]["url"] == f"/api/v1/claims/{story.rejected}/photo"
    assert claims[story.rewarded[0]]["reward"]["status"] == "confirmed"
    assert sorted(r["amount"] for r in data["rewards_on_chain"]) == ["12.50", "15.00"]
    assert [p["amount"] for p in data["payments"]] == ["5.00"]
    assert data["payments"][0]["to"] == story.shop.address
    assert any(e["event"] == "transfer" and e["to"] == story.shop.address for e in data["chain_events"])
    assert len(data["sign_ins"]) >= 1
    assert data["retention"]["photos_and_notes_days_after_decision"] == 90


def test_export_photo_links_open_the_photo_for_the_citizen(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("5.00",))
    link = loop.client.get(URL, headers=loop.headers(story.citizen)).json()["claims"][0]["photo"]["url"]

    photo = loop.client.get(link, headers=loop.headers(story.citizen))

    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


def test_export_of_someone_new_is_empty_but_answers(loop):
    newcomer = Account.create()

    data = loop.client.get(URL, headers=loop.headers(newcomer)).json()

    assert data["claims"] == [] and data["payments"] == [] and data["rewards_on_chain"] == []


def test_export_page_is_readable_html_with_the_notes_escaped(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("5.00",))

    for url in (f"{URL}?format=html", "/api/v1/me/export.html"):
        response = loop.client.get(url, headers=loop.headers(story.citizen))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "I swept it &lt;b&gt;twice&lt;/b&gt;" in response.text
        assert "<b>twice" not in response.text
        assert story.citizen.address in response.text


def test_export_needs_a_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_operator_exports_a_citizen_on_the_command_line(loop, runtime, heitje):
    story = live_a_year(loop, runtime, rewards=("5.00",))

    result = heitje("privacy", "export", story.citizen.address.lower())

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["address"] == story.citizen.address
    assert {c["id"] for c in data["claims"]} == {*story.rewarded, story.rejected}


def test_a_shops_export_holds_its_registration_with_the_iban(loop, runtime):
    story = live_a_year(loop, runtime, rewards=("5.00",))
    body = {"address": story.shop.address, "name": "Bakkerij Pelzer", "iban": "NL91ABNA0417164300"}
    assert loop.client.post("/api/v1/merchants", json=body, headers=loop.operator).status_code == 201

    data = loop.client.get(URL, headers=loop.headers(story.shop)).json()

    assert data["merchant"]["name"] == "Bakkerij Pelzer" and data["merchant"]["iban"] == "NL91ABNA0417164300"
    assert data["redemptions"] == [] and data["payouts"] == []
    assert [p["from"] for p in data["payments"]] == [story.citizen.address]
