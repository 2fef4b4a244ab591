"""GET /healthz: is the chain there, which coin, is the database reachable, is the relayer running dry."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.deps import RuntimeDep
from backend.errors import ChainUnavailable
from backend.relaying import policy as relay_policy

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness and readiness",
    description="`warnings` lists what needs an operator soon but does not stop the service "
    "(`relayer_low_balance`: the relayer's balance pays for fewer than RELAYER_LOW_BALANCE relays).",
    responses={
        200: {"content": {"application/json": {"example": {
            "status": "ok", "chain_id": 31337, "latest_block": 12,
            "coin_address": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "database": "ok",
            "relayer": {"address": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "balance": "12.5",
                        "relays_left": 111111, "low": False},
            "warnings": [],
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
    warnings: list[dict[str, str]] = []
    try:
        body["latest_block"] = runtime.chain.latest_block()
        balance = relay_policy.relayer_balance(runtime)
        body["relayer"] = {
            "address": balance.address, "balance": balance.text, "relays_left": balance.relays_left, "low": balance.low,
        }
        if balance.low:
            relay_policy.warn_if_low(balance)
            warnings.append({
                "code": "relayer_low_balance",
                "message": f"the relayer pays for about {balance.relays_left} more relays; top it up",
            })
    except ChainUnavailable:
        body.setdefault("latest_block", None)
        body["relayer"] = None
        body["status"] = "degraded"
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not reachable" here
        body["database"] = "unreachable"
        body["status"] = "degraded"
    body["warnings"] = warnings
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
