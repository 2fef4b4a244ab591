"""HTTP routes of the tasks domain: post (operator), list and read (anyone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

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


# Lists read by many and changed rarely: a few seconds in a shared cache (a city's website, a CDN). The app
# itself sends its token and gets answers no cache keeps (it shows places taken as they change).
PUBLIC_LIST = "public, max-age=5"
PRIVATE = "private, no-cache"
TASK_LIST = TypeAdapter(list[TaskOut])


@router.get(
    "",
    response_model=list[TaskOut],
    summary="List tasks, newest first (filter by district, status)",
    description=f"Without a token the answer may be cached for a few seconds (`Cache-Control: {PUBLIC_LIST}`).",
)
def list_tasks(
    session: SessionDep,
    request: Request,
    district: Annotated[str | None, Query(max_length=80, examples=["Centrum"])] = None,
    status: Annotated[TaskStatus | None, Query(examples=["open"])] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> Response:
    page = service.list_views(session, district=district, status=status, limit=limit, cursor=cursor)
    cache = PRIVATE if "authorization" in request.headers else PUBLIC_LIST
    answer = Response(
        TASK_LIST.dump_json(page.items), media_type="application/json",
        headers={"Cache-Control": cache, "Vary": "Authorization"},
    )
    paging.send_next(answer, request, page.next)
    return answer


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
