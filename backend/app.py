"""The FastAPI app factory. Every domain contributes one router under /api/v1 (backend.wiring)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backend import health
from backend.cli_params import load_settings
from backend.errors import COMMON_ERROR_RESPONSES, install_handlers
from backend.http.admission import set_thread_limit
from backend.http.edge import install_edge
from backend.runtime import Runtime
from backend.settings import ROOT
from backend.wiring import ROUTERS

API_PREFIX = "/api/v1"
WEB_DIR = ROOT / "web"

DESCRIPTION = """
Heitje: a city's own reward coin. Citizens are paid in the city's coin for small public-space
tasks and spend it at local shops, which redeem it for euros.

Amounts are decimal strings with two places (`"15.00"`); addresses are checksummed. Errors are
`{"error": {"code": "...", "message": "..."}}` with a 4xx status (503 `chain_unavailable` when the
blockchain node is down). Sign in with EIP-4361: `GET /auth/nonce`, then `POST /auth/login`.
"""


def create_app(runtime: Runtime, *, web_dir: Path | None = WEB_DIR) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        set_thread_limit(runtime.settings)  # threads, turns and connections sized together (issue 14)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Heitje API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_handlers(app)
    install_edge(app, runtime)
    app.include_router(health.router)
    app.include_router(health.router, prefix=API_PREFIX)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=COMMON_ERROR_RESPONSES)
    if web_dir is not None and (web_dir / "index.html").exists():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several API processes (`heitje up --workers N`): settings from the environment,
    the deployment the parent process found or made, the database it migrated; no background workers."""
    return create_app(Runtime.from_settings(load_settings()))
