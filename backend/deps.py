"""FastAPI dependency aliases shared by every domain's routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from backend.chain.client import Chain
from backend.runtime import Runtime
from backend.settings import Settings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def get_settings_dep(request: Request) -> Settings:
    return get_runtime(request).settings


def get_chain(request: Request) -> Chain:
    return get_runtime(request).chain


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns (before the response is sent,
    see SessionDep), rolled back on an error. GET requests read without taking SQLite's write lock."""
    runtime = get_runtime(request)
    factory = runtime.read_sessions if request.method in ("GET", "HEAD") else runtime.sessions
    with factory() as session, session.begin():
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ChainDep = Annotated[Chain, Depends(get_chain)]
# scope="function": the transaction commits when the route function returns, before the answer goes
# out. With FastAPI's default ("request") it would commit after the response: a client could be told
# "saved" for something a crash then loses.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

def get_write_session(request: Request) -> Iterator[Session]:
    """Like get_session, but always as a writer: for the few GET routes that also record something
    (a payment's state refreshed from the chain). A SQLite reader that then writes fails whenever
    another writer committed in between, so these take the write lock up front."""
    with get_runtime(request).sessions() as session, session.begin():
        yield session


WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]

# A database id in a path: bounded so that a huge number is a 422, not an integer overflow in the database.
RowId = Annotated[int, Path(ge=1, le=2**53, description="The record's id", examples=[1])]
