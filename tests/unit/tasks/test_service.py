from datetime import timedelta

import pytest
from pydantic import ValidationError

from backend.claims import service as claims
from backend.db import utcnow
from backend.errors import ValidationFailed
from backend.tasks import service as tasks
from backend.tasks.schemas import TaskIn
from tests.support.unit import unit_settings
from tests.unit.helpers import OPERATOR, TASK, citizen, new_task


def test_a_new_task_is_open_with_its_reward_in_units(session):
    task = tasks.get_task(session, new_task(session))

    assert task.reward_units == 1500
    assert tasks.status_of(task, taken=0) == "open"
    assert tasks.to_out(task, taken=0).reward == "15.00"


def test_a_deadline_in_the_past_is_refused(session):
    data = TaskIn(**{**TASK, "closes_at": utcnow() - timedelta(minutes=1)})

    with pytest.raises(ValidationFailed):
        tasks.create_task(session, operator=OPERATOR, data=data, max_hourly_rate=None)


def test_latitude_without_longitude_is_refused(session):
    with pytest.raises(ValidationFailed):
        tasks.create_task(session, operator=OPERATOR, data=TaskIn(**{**TASK, "latitude": 50.9}), max_hourly_rate=None)


def test_a_reward_with_three_decimals_is_refused():
    with pytest.raises(ValidationError):
        TaskIn(**{**TASK, "reward": "15.001"})


def test_a_full_task_is_listed_as_full_and_not_as_open(session):
    task_id = new_task(session, capacity=1)
    claims.claim_task(session, unit_settings(), task_id=task_id, citizen=citizen())
    other = new_task(session)
    session.flush()

    assert [t.id for t in tasks.list_tasks(session, status="full").items] == [task_id]
    assert [t.id for t in tasks.list_tasks(session, status="open").items] == [other]


def test_a_closed_task_is_listed_as_closed(session):
    task_id = new_task(session)

    tasks.close_task(session, task_id)
    session.flush()

    assert tasks.status_of(tasks.get_task(session, task_id), taken=0) == "closed"
    assert [t.id for t in tasks.list_tasks(session, status="closed").items] == [task_id]


def test_tasks_filter_by_district(session):
    new_task(session, district="Centrum")
    noord = new_task(session, district="Noord")

    assert [t.id for t in tasks.list_tasks(session, district="Noord").items] == [noord]
