"""Tasks through the API: operators post them, anyone lists and reads them, bad input is a clear 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account

from tests.backend.claims.helpers import TASK, Loop


def test_operator_posts_a_task_and_anyone_reads_it(loop: Loop) -> None:
    task_id = loop.create_task(minutes=120, latitude=50.88, longitude=5.98)
    body = loop.client.get(f"/api/v1/tasks/{task_id}").json()
    assert body["reward"] == "15.00"
    assert body["status"] == "open"
    assert body["places_left"] == 5
    assert (body["latitude"], body["longitude"]) == (50.88, 5.98)


def test_citizen_cannot_post_a_task(loop: Loop) -> None:
    response = loop.client.post("/api/v1/tasks", json=TASK, headers=loop.headers(Account.create()))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_posting_a_task_needs_a_sign_in(loop: Loop) -> None:
    assert loop.client.post("/api/v1/tasks", json=TASK).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reward", "0"),
        ("reward", "-5.00"),
        ("reward", "1.005"),
        ("reward", 15.5),
        ("capacity", 0),
        ("latitude", 91),
        ("longitude", -181),
        ("title", ""),
        ("title", "x" * 121),
        ("description", "d" * 5001),
        ("closes_at", "2001-01-01T00:00:00Z"),
        ("closes_at", "2099-01-01T00:00:00"),
    ],
)
def test_invalid_task_is_refused_with_a_clear_422(loop: Loop, field: str, value: object) -> None:
    response = loop.client.post(
        "/api/v1/tasks",
        json={**TASK, field: value, "latitude": 50.0, "longitude": 5.0}
        if field not in ("latitude", "longitude")
        else {**TASK, "latitude": 50.0, "longitude": 5.0, field: value},
        headers=loop.operator,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_list_filters_by_district_and_status(loop: Loop) -> None:
    centrum = loop.create_task(district="Centrum", capacity=1)
    loop.create_task(district="Hoensbroek")
    loop.claim(Account.create(), centrum)
    listed = loop.client.get("/api/v1/tasks", params={"district": "Centrum"}).json()
    assert [t["id"] for t in listed] == [centrum]
    assert [t["status"] for t in listed] == ["full"]
    open_ids = [t["id"] for t in loop.client.get("/api/v1/tasks", params={"status": "open"}).json()]
    assert centrum not in open_ids and len(open_ids) == 1


def test_task_past_its_deadline_is_listed_as_closed(loop: Loop, runtime) -> None:
    from backend.db import transaction
    from backend.tasks.models import Task

    task_id = loop.create_task(closes_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    with transaction(runtime.sessions) as session:
        session.get(Task, task_id).closes_at = datetime.now(UTC) - timedelta(minutes=1)
    assert loop.client.get(f"/api/v1/tasks/{task_id}").json()["status"] == "closed"


def test_unknown_task_is_404(loop: Loop) -> None:
    response = loop.client.get("/api/v1/tasks/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_operator_closes_a_task_and_it_can_no_longer_be_claimed(loop: Loop) -> None:
    task_id = loop.create_task()
    closed = loop.client.post(f"/api/v1/tasks/{task_id}/close", headers=loop.operator)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    claim = loop.client.post(f"/api/v1/tasks/{task_id}/claims", headers=loop.headers(Account.create()))
    assert claim.status_code == 409


def test_citizen_cannot_close_a_task(loop: Loop) -> None:
    task_id = loop.create_task()
    response = loop.client.post(f"/api/v1/tasks/{task_id}/close", headers=loop.headers(Account.create()))
    assert response.status_code == 403


def test_a_task_id_beyond_any_database_integer_is_a_422_not_a_crash(loop: Loop) -> None:
    response = loop.client.get(f"/api/v1/tasks/{2**70}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_the_public_list_may_be_cached_briefly_and_a_signed_in_one_not(loop: Loop) -> None:
    loop.create_task()
    public = loop.client.get("/api/v1/tasks")
    signed_in = loop.client.get("/api/v1/tasks", headers=loop.headers(Account.create()))
    assert public.headers["cache-control"] == "public, max-age=5"
    assert signed_in.headers["cache-control"] == "private, no-cache"
    assert public.json() == signed_in.json()
