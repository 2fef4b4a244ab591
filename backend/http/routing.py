"""What the edge needs to know about the route a request is for, read once from the app's routes:
does it need a signed-in user, does it take an upload, and how large a body it accepts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path
from starlette.types import Scope

from backend.auth.deps import TOKEN_REQUIRED
from backend.settings import Settings

# Room for the multipart framing and the form's other fields (a 2,000-character note) beside the photo.
MULTIPART_ALLOWANCE = 64 * 1024


@dataclass(frozen=True)
class RouteInfo:
    needs_token: bool
    upload: bool
    max_body: int


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def describe(route: APIRoute, settings: Settings) -> RouteInfo:
    parts = list(_dependants(route.dependant))
    needs_token = any(part.call in TOKEN_REQUIRED for part in parts)
    upload = any(isinstance(field.field_info, params.File) for part in parts for field in part.body_params)
    max_body = settings.max_photo_bytes + MULTIPART_ALLOWANCE if upload else settings.max_json_bytes
    return RouteInfo(needs_token=needs_token, upload=upload, max_body=max_body)


class RouteTable:
    """Finds a request's route by method and path, as the router will, and describes it."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self._app, self._settings = app, settings
        self._table: list[tuple[re.Pattern[str], frozenset[str], RouteInfo]] | None = None
        self.default = RouteInfo(needs_token=False, upload=False, max_body=settings.max_json_bytes)

    def _routes(self) -> list[tuple[re.Pattern[str], frozenset[str], RouteInfo]]:
        # Built on first use, when every router is included. FastAPI keeps included routers as
        # groups; iter_route_contexts yields each route with its full (prefixed) path.
        if self._table is None:
            table = []
            for context in iter_route_contexts(self._app.router.routes):
                route = context.original_route
                if isinstance(route, APIRoute) and context.path_format:
                    regex, _, _ = compile_path(context.path_format)
                    table.append((regex, frozenset(route.methods or ()), describe(route, self._settings)))
            self._table = table
        return self._table

    def info(self, scope: Scope) -> RouteInfo:
        path, method = scope["path"], scope["method"]
        for regex, methods, info in self._routes():
            if method in methods and regex.match(path):
                return info
        return self.default
