"""HTTP routes of the tasks domain: post (operator), list and read (anyone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from backend import paging
from backend.auth.deps import CurrentOperator
from backend.deps import RowId, SessionDep, SettingsDep
from backend.tasks import service
from backend.tasks.schemas import TaskIn, TaskOut, TaskStatus

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.post(
    "",
    status_code=201,
    response_model=TaskOut,
    summary="Post a task (operator)",
    responses={
        401: {"description": "not signed in"},
        403: {"description": "not an operator"},
        422: {"description": "invalid task (`validation_error`), reward above MAX_HOURLY_RATE "
            "(`hourly_rate_too_high`), no minutes while a maximum rate is set (`minutes_required`)"},
    },
)
def create_task(body: TaskIn, operator: CurrentOperator, session: SessionDep, settings: SettingsDep) -> TaskOut:
    task = service.create_task(
        session, operator=operator.address, data=body, max_hourly_rate=settings.max_hourly_rate
    )
    return service.view(session, task)


@router.get("", response_model=list[TaskOut], summary="List tasks, newest first (filter by district, status)")
def list_tasks(
    session: SessionDep,
    request: Request,
    response: Response,
    district: Annotated[str | None, Query(max_length=80, examples=["Centrum"])] = None,
    status: Annotated[TaskStatus | None, Query(examples=["open"])] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[TaskOut]:
    page = service.list_tasks(session, district=district, status=status, limit=limit, cursor=cursor)
    paging.send_next(response, request, page.next)
    return service.views(session, page.items)


@router.get(
    "/{task_id}",
    response_model=TaskOut,
    summary="One task",
    responses={404: {"description": "no such task (`not_found`)"}},
)
def get_task(task_id: RowId, session: SessionDep) -> TaskOut:
    return service.view(session, service.get_task(session, task_id))


@router.post(
    "/{task_id}/close",
    response_model=TaskOut,
    summary="Close a task to new claims (operator); claims already made go on",
    responses={
        401: {"description": "not signed in"},
        403: {"description": "not an operator"},
        404: {"description": "no such task (`not_found`)"},
    },
)
def close_task(task_id: RowId, operator: CurrentOperator, session: SessionDep) -> TaskOut:
    return service.view(session, service.close_task(session, task_id, operator=operator.address))
