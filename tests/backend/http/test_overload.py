"""No collapse under load (issue 14): threads, turns and connections are sized together, and a process
with more work than it can start answers 503 `overloaded` with Retry-After instead of hanging and 500ing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import anyio
import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from backend.app import create_app
from backend.db import WORKER_CONNECTIONS
from backend.http.admission import Admission
from backend.runtime import Runtime


@pytest.fixture
def small_runtime(runtime: Runtime) -> Iterator[Runtime]:
    """The test database behind a process of two threads (and their connections, plus the workers')."""
    settings = runtime.settings.model_copy(update={"http_threads": 2, "overload_wait_seconds": 0.2})
    small = Runtime(settings=settings, deployment=runtime.deployment)
    yield small
    small.close()


def test_the_thread_pool_is_sized_to_the_http_threads_at_start_up(small_runtime: Runtime) -> None:
    with TestClient(create_app(small_runtime, web_dir=None)) as client:
        assert client.portal is not None
        tokens = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 2


def test_a_request_finding_every_connection_taken_is_answered_503_overloaded(small_runtime: Runtime) -> None:
    held = [small_runtime.engine.connect() for _ in range(2 + WORKER_CONNECTIONS)]  # someone holds them all
    try:
        with TestClient(create_app(small_runtime, web_dir=None)) as client:
            response = client.get("/api/v1/tasks")
    finally:
        for connection in held:
            connection.close()

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "overloaded"
    assert response.headers["retry-after"] == "1"


def test_requests_beyond_the_turns_wait_and_those_waiting_too_long_get_503(small_runtime: Runtime) -> None:
    release = threading.Event()
    started = 0

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:  # a route that holds its turn
        nonlocal started
        started += 1
        await anyio.to_thread.run_sync(release.wait)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    admission = Admission(slow, settings=small_runtime.settings)

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=admission)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            statuses: list[int] = []

            async def get() -> None:
                statuses.append((await http.get("/api/v1/tasks")).status_code)

            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(get)
                while not statuses:  # the third waits out its 0.2 s and is refused while two hold their turns
                    await anyio.sleep(0.01)
                refused = list(statuses)
                release.set()
            return refused + sorted(statuses[1:])

    refused, *served = anyio.run(scenario)
    assert refused == 503
    assert served == [200, 200]
    assert started == 2
