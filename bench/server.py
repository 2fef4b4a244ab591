"""The API as `heitje up --no-workers` serves it, plus two bench-only routes that serve the same SQL as
GET /tasks and GET /accounts/{address} with nothing around it (the ceiling the routes are measured
against, issue 14). Only the benchmark starts this; production code has no such routes.

`python -m bench.server` (environment as for `heitje up`); BENCH_PROCESSES=N serves from N processes
over one socket, as `heitje up --workers N` does."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI, Response
from fastapi.routing import APIRoute
from sqlalchemy import select

from backend import migrate, paging
from backend.accounts import balances
from backend.app import create_app
from backend.cli_params import load_settings
from backend.db import utcnow
from backend.runtime import Runtime
from backend.tasks import service as tasks

FACTORY = "bench.server:app_from_environment"


def _bare(rows: Any) -> Response:
    return Response(json.dumps(rows, default=str), media_type="application/json")


def add_bench_routes(app: FastAPI, runtime: Runtime) -> None:
    """GET /bench/tasks-sql and GET /bench/accounts-sql/{address}: the routes' SQL on a plain connection,
    the rows dumped as JSON; first in the route table (before the web app's catch-all mount)."""
    engine = runtime.engine

    def tasks_sql() -> Response:
        now = utcnow()
        columns = (*tasks.VIEW_COLUMNS, tasks._taken_column(now).label("taken"))
        query = paging.keyset(select(*columns), tasks.TASK_ORDER, None, None)
        with engine.connect() as connection:
            return _bare([list(row) for row in connection.execute(query)])

    def accounts_sql(address: str) -> Response:
        params = {"address": address, "contract": runtime.deployment.address, "since_year": utcnow().year - 1}
        with engine.connect() as connection:
            return _bare(list(connection.execute(balances._STANDING, params).one()))

    routes = [
        APIRoute("/bench/tasks-sql", tasks_sql, methods=["GET"]),
        APIRoute("/bench/accounts-sql/{address}", accounts_sql, methods=["GET"]),
    ]
    app.router.routes[0:0] = routes


def app_from_environment() -> FastAPI:
    runtime = Runtime.from_settings(load_settings())
    app = create_app(runtime)
    add_bench_routes(app, runtime)
    return app


def main() -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from backend.cli import KEEP_ALIVE_SECONDS, listening_socket

    settings = load_settings()
    runtime = Runtime.from_settings(settings)
    migrate.upgrade(runtime.engine)
    processes = int(os.environ.get("BENCH_PROCESSES", "1"))
    sock = listening_socket(settings.host, settings.port)
    if processes == 1:
        app = create_app(runtime)
        add_bench_routes(app, runtime)
        config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)
        uvicorn.Server(config).run(sockets=[sock])
    else:
        runtime.close()
        config = uvicorn.Config(
            FACTORY, factory=True, workers=processes, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS
        )
        Multiprocess(config, sockets=[sock]).run()


if __name__ == "__main__":  # pragma: no cover
    main()
