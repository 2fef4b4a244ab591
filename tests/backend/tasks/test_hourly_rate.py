"""The maximum hourly rate (MAX_HOURLY_RATE): reward / (minutes / 60) is checked when a task is posted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.tasks.models import Task
from tests.backend.claims.helpers import TASK, Loop


@pytest.fixture
def five_an_hour(runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update={"max_hourly_rate": Decimal("5.00")}))


def post(loop: Loop, **fields: object):
    return loop.client.post("/api/v1/tasks", json={**TASK, **fields}, headers=loop.operator)


@pytest.mark.usefixtures("five_an_hour")
def test_task_paying_exactly_the_maximum_hourly_rate_is_posted(loop: Loop) -> None:
    assert post(loop, reward="15.00", minutes=180).status_code == 201


@pytest.mark.usefixtures("five_an_hour")
def test_task_paying_more_than_the_maximum_hourly_rate_is_refused_with_a_clear_422(loop: Loop, runtime) -> None:
    response = post(loop, reward="15.00", minutes=120)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "hourly_rate_too_high"
    assert "7.50 an hour" in error["message"] and "5.00" in error["message"]
    with runtime.sessions() as session:
        assert session.scalars(select(Task)).all() == []
        assert session.scalars(select(AuditEntry)).all() == []


@pytest.mark.usefixtures("five_an_hour")
def test_one_cent_above_the_maximum_hourly_rate_is_refused(loop: Loop) -> None:
    assert post(loop, reward="15.01", minutes=180).json()["error"]["code"] == "hourly_rate_too_high"


@pytest.mark.usefixtures("five_an_hour")
def test_task_without_minutes_is_refused_while_a_maximum_rate_is_set(loop: Loop) -> None:
    response = post(loop, reward="15.00")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "minutes_required"


def test_without_a_maximum_rate_a_task_needs_no_minutes(loop: Loop, runtime) -> None:
    assert runtime.settings.max_hourly_rate is None  # the backend suite's settings switch the rule off
    assert post(loop, reward="1400.00").status_code == 201
