"""The one exception tree. Each rule a request can break is a subclass with its HTTP status and
code; `install_handlers` maps them (and FastAPI's own validation errors) to the JSON shape of
DESIGN.md: {"error": {"code": ..., "message": ...}}. Anything else is a 500 and a bug."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("heitje")


class HeitjeError(Exception):
    """Root of every error a user can cause. Subclasses set `status` and `code`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


# --- generic -----------------------------------------------------------------------------------


class ValidationFailed(HeitjeError):
    """Raised when input is well-formed JSON but breaks a rule of its own (a field's range or shape)."""

    status = 422
    code = "validation_error"


class NotFound(HeitjeError):
    """Raised when the thing asked for does not exist (or is not visible to this user)."""

    status = 404
    code = "not_found"

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} was not found", what=what, id=str(ident))


class Unauthorized(HeitjeError):
    """Raised when a request needs a signed-in user and has no valid bearer token."""

    status = 401
    code = "unauthorized"


class Forbidden(HeitjeError):
    """Raised when the signed-in user lacks the role the endpoint needs."""

    status = 403
    code = "forbidden"

    def __init__(self, role: str) -> None:
        super().__init__(f"this needs the {role} role", role=role)


class Conflict(HeitjeError):
    """Raised when the request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"


class ChainUnavailable(HeitjeError):
    """Raised when the request needs the chain and the RPC node does not answer."""

    status = 503
    code = "chain_unavailable"

    def __init__(self, reason: str = "") -> None:
        super().__init__(
            "the blockchain node is not reachable right now; please try again in a moment",
            reason=reason,
        )


# --- domain errors: each domain adds its subclasses below, grouped under a heading ------------


def install_handlers(app: FastAPI) -> None:
    """Maps every error to the JSON shape of DESIGN.md."""

    @app.exception_handler(HeitjeError)
    async def _heitje(_: Request, exc: HeitjeError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "problem": "invalid input"}
        message = f"{first['field'] or 'input'}: {first['problem']}"
        return JSONResponse(error_body("validation_error", message, problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error (a bug): %s", exc)
        return JSONResponse(
            error_body("internal_error", "something went wrong on our side; it has been logged"), status_code=500
        )
