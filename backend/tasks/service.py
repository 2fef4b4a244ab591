"""The rules for tasks: who may post them, what a valid task is, which are open."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from backend import paging
from backend.amounts import format_amount, parse_amount, units_to_decimal
from backend.audit import service as audit
from backend.claims.models import Claim, holds_place
from backend.db import utcnow
from backend.errors import HourlyRateTooHigh, MinutesRequired, NotFound, ValidationFailed
from backend.tasks.models import Task
from backend.tasks.schemas import TaskIn, TaskOut, TaskStatus


def places_taken(session: Session, task_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Places held per task, counted from the claims (an expired claim no longer counts, recorded or not)."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(Claim.task_id, func.count(Claim.id))
        .where(Claim.task_id.in_(task_ids), holds_place(now or utcnow()))
        .group_by(Claim.task_id)
    ).all()
    counts = {task_id: 0 for task_id in task_ids}
    counts.update({task_id: int(n) for task_id, n in rows})
    return counts


def _taken_column(now: datetime) -> ScalarSelect[int]:
    return (
        select(func.count(Claim.id))
        .where(Claim.task_id == Task.id, holds_place(now))
        .correlate(Task)
        .scalar_subquery()
    )


def _is_closed(now: datetime) -> ColumnElement[bool]:
    return or_(Task.closed.is_(True), and_(Task.closes_at.is_not(None), Task.closes_at <= now))


def is_closed(task: Task, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return task.closed or (task.closes_at is not None and task.closes_at <= now)


def status_of(task: Task, taken: int, now: datetime | None = None) -> TaskStatus:
    if is_closed(task, now):
        return "closed"
    return "full" if taken >= task.capacity else "open"


def view(session: Session, task: Task) -> TaskOut:
    return views(session, [task])[0]


def views(session: Session, tasks: list[Task]) -> list[TaskOut]:
    now = utcnow()
    taken = places_taken(session, [t.id for t in tasks], now)
    return [to_out(task, taken[task.id], now) for task in tasks]


def to_out(task: Task, taken: int, now: datetime | None = None) -> TaskOut:
    return TaskOut(
        id=task.id,
        title=task.title,
        description=task.description,
        district=task.district,
        reward=format_amount(task.reward_units),
        capacity=task.capacity,
        taken=taken,
        places_left=max(task.capacity - taken, 0),
        minutes=task.minutes,
        closes_at=task.closes_at,
        latitude=task.latitude,
        longitude=task.longitude,
        status=status_of(task, taken, now),
        created_at=task.created_at,
    )


def check_hourly_rate(reward_units: int, minutes: int | None, limit: Decimal | None) -> None:
    """The allowance rule for a task: reward / (minutes / 60) at most `limit` (MAX_HOURLY_RATE, None: no
    limit). Without a limit any task passes; with one, a task must say its estimated minutes."""
    if limit is None:
        return
    if minutes is None:
        raise MinutesRequired(format_amount(parse_amount(limit)))
    limit_units = parse_amount(limit)
    if reward_units * 60 > limit_units * minutes:  # exact: reward / minutes * 60 > limit
        rate = (units_to_decimal(reward_units) * 60 / minutes).quantize(Decimal("0.01"))
        raise HourlyRateTooHigh(format_amount(reward_units), minutes, str(rate), format_amount(limit_units))


def create_task(session: Session, *, operator: str, data: TaskIn, max_hourly_rate: Decimal | None) -> Task:
    """Posts a task (refused above `max_hourly_rate`, see check_hourly_rate) and records it in the audit
    trail. Every caller passes the city's setting (settings.max_hourly_rate): None only when the city
    set no limit, so no caller can skip the rule by leaving it out."""
    check_hourly_rate(data.reward, data.minutes, max_hourly_rate)
    if data.closes_at is not None and data.closes_at <= utcnow():
        raise ValidationFailed("closes_at: the deadline must be in the future", field="closes_at")
    if (data.latitude is None) != (data.longitude is None):
        raise ValidationFailed("give both latitude and longitude, or neither", field="latitude")
    task = Task(
        title=data.title,
        description=data.description,
        district=data.district,
        reward_units=data.reward,
        capacity=data.capacity,
        minutes=data.minutes,
        closes_at=data.closes_at,
        latitude=data.latitude,
        longitude=data.longitude,
        closed=False,
        created_by=operator,
    )
    session.add(task)
    session.flush()
    audit.record(
        session, operator, "task_posted", f"task:{task.id}",
        {"title": task.title, "district": task.district, "reward": format_amount(task.reward_units),
         "capacity": task.capacity, "minutes": task.minutes},
    )
    return task


def get_task(session: Session, task_id: int, *, for_update: bool = False) -> Task:
    query = select(Task).where(Task.id == task_id)
    if for_update:
        query = query.with_for_update()  # PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already serialises
    task = session.scalar(query)
    if task is None:
        raise NotFound("task", task_id)
    return task


TASK_ORDER = (paging.Key(Task.id, int),)  # newest first


Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]  # any select, its row type kept

# The columns a task's answer needs: lists read these (and the places taken) in one query, no entities.
VIEW_COLUMNS = (
    Task.id, Task.title, Task.description, Task.district, Task.reward_units, Task.capacity, Task.minutes,
    Task.closes_at, Task.latitude, Task.longitude, Task.closed, Task.created_at,
)


def _filtered(query: Q, district: str | None, status: TaskStatus | None, now: datetime) -> Q:
    if district:
        query = query.where(Task.district == district)
    closed, taken = _is_closed(now), _taken_column(now)
    if status == "closed":
        query = query.where(closed)
    elif status == "full":
        query = query.where(~closed, taken >= Task.capacity)
    elif status == "open":
        query = query.where(~closed, taken < Task.capacity)
    return query


def list_views(
    session: Session,
    *,
    district: str | None = None,
    status: TaskStatus | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> paging.Page[TaskOut]:
    """One page of tasks as the API shows them: one column query with the places taken, one `now` for
    every row (issue 14: no entity loading, no per-row clock or second query)."""
    now = utcnow()
    query = _filtered(select(*VIEW_COLUMNS, _taken_column(now).label("taken")), district, status, now)
    rows = session.execute(paging.keyset(query, TASK_ORDER, cursor, limit)).all()
    page = paging.page_of(rows, limit, lambda row: (row.id,))
    return paging.Page([_row_out(row, now) for row in page.items], page.next)


def _row_out(row: Any, now: datetime) -> TaskOut:
    taken = int(row.taken)
    closed = row.closed or (row.closes_at is not None and row.closes_at <= now)
    status: TaskStatus = "closed" if closed else ("full" if taken >= row.capacity else "open")
    # built without validation: every value comes typed from our own columns
    return TaskOut.model_construct(
        id=row.id, title=row.title, description=row.description, district=row.district,
        reward=format_amount(row.reward_units), capacity=row.capacity, taken=taken,
        places_left=max(row.capacity - taken, 0), minutes=row.minutes, closes_at=row.closes_at,
        latitude=row.latitude, longitude=row.longitude, status=status, created_at=row.created_at,
    )


def list_tasks(
    session: Session,
    *,
    district: str | None = None,
    status: TaskStatus | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> paging.Page[Task]:
    query = _filtered(select(Task), district, status, utcnow())
    rows = list(session.scalars(paging.keyset(query, TASK_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda t: (t.id,))


def close_task(session: Session, task_id: int, *, operator: str = "cli") -> Task:
    task = get_task(session, task_id)
    if not task.closed:
        audit.record(session, operator, "task_closed", f"task:{task.id}", {"title": task.title})
    task.closed = True
    return task
