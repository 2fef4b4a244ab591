"""Wires the edge middleware into the app (see backend/http/__init__.py)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.http.admission import Admission
from backend.http.body import BodyLimits
from backend.http.headers import SecurityHeaders
from backend.http.limits import RateLimits
from backend.http.routing import RouteTable
from backend.runtime import Runtime


def install_edge(app: FastAPI, runtime: Runtime) -> None:
    """Registers the edge middleware on `app` (Starlette runs the last one added first)."""
    routes = RouteTable(app, runtime.settings)
    app.add_middleware(BodyLimits, routes=routes, settings=runtime.settings)
    app.add_middleware(RateLimits, routes=routes, runtime=runtime)
    app.add_middleware(Admission, settings=runtime.settings)  # the rate limits' query runs inside a turn
    app.add_middleware(SecurityHeaders, settings=runtime.settings)
