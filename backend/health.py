"""GET /healthz: is the chain there, which coin, is the database reachable."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.deps import RuntimeDep
from backend.errors import ChainUnavailable

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness and readiness",
    responses={
        200: {"content": {"application/json": {"example": {
            "status": "ok", "chain_id": 31337, "latest_block": 12,
            "coin_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "database": "ok",
        }}}},
        503: {"description": "the chain or the database is not reachable"},
    },
)
def healthz(runtime: RuntimeDep) -> JSONResponse:
    body: dict[str, object] = {
        "status": "ok",
        "chain_id": runtime.deployment.chain_id,
        "coin_address": runtime.deployment.address,
    }
    try:
        body["latest_block"] = runtime.chain.latest_block()
    except ChainUnavailable:
        body["latest_block"] = None
        body["status"] = "degraded"
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here
        body["database"] = "unreachable"
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
