"""SQL metacharacters in filters and path parameters are data, never SQL: they match nothing (or are
refused as invalid), never error, never widen a result, and leave the tables intact."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from eth_account import Account

from tests.support.people import People

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "Centrum' --",
    "Centrum'; DROP TABLE tasks; --",
    '" OR ""="',
    "%",
    "_",
    "Cent%",
    "\\",
    "'; SELECT pg_sleep(5); --",
    "Centrum\x00",
    "1) UNION SELECT * FROM claims --",
]


@pytest.fixture
def two_districts(people: People) -> list[int]:
    return [people.task(district="Centrum"), people.task(district="Noord")]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_in_the_district_filter_matches_nothing(
    people: People, two_districts: list[int], payload: str
) -> None:
    response = people.client.get("/api/v1/tasks", params={"district": payload})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json() == []
    assert len(people.client.get("/api/v1/tasks").json()) == 2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_in_the_status_filter_is_refused(people: People, two_districts: list[int], payload: str) -> None:
    response = people.client.get("/api/v1/tasks", params={"status": payload})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_in_the_claims_filters_does_not_widen_a_citizens_view(people: People, payload: str) -> None:
    other = Account.create()
    people.claim(other)
    me = Account.create()
    for params in ({"status": payload}, {"task_id": payload}):
        response = people.client.get("/api/v1/claims", params=params, headers=people.headers(me))
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert response.json() == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_in_an_address_path_is_a_clear_422(people: People, payload: str) -> None:
    response = people.client.get(f"/api/v1/accounts/0x{quote(payload, safe='')}")
    assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sql_in_a_transaction_hash_path_finds_nothing(people: People, payload: str) -> None:
    response = people.client.get(f"/api/v1/payments/{quote(payload, safe='')}")
    assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize("payload", ["1 OR 1=1", "1;DROP TABLE claims", "-1", "99999999999999999999999"])
def test_sql_in_a_numeric_path_is_refused_or_not_found(people: People, payload: str) -> None:
    response = people.client.get(f"/api/v1/tasks/{quote(payload, safe='')}")
    assert response.status_code in (404, 422), response.text


def test_a_task_text_with_sql_is_stored_and_returned_verbatim(people: People) -> None:
    title = "Robert'); DROP TABLE tasks;--"
    task_id = people.task(title=title, district="O'Brien-plein")
    task = people.client.get(f"/api/v1/tasks/{task_id}").json()
    assert (task["title"], task["district"]) == (title, "O'Brien-plein")
    assert [
        t["id"] for t in people.client.get("/api/v1/tasks", params={"district": "O'Brien-plein"}).json()
    ] == [task_id]


def test_a_huge_task_id_filter_on_the_claims_list_is_a_422(client, sign_in) -> None:
    from eth_account import Account

    response = client.get("/api/v1/claims", params={"task_id": 2**70}, headers=sign_in(client, Account.create()))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
