"""The one place that wires the domains into the entry points, by explicit import.

The HTTP app takes `ROUTERS`, the worker runner `WORKER_FACTORIES`, the `heitje` command `CLI_GROUPS`;
`register_indexer_handlers` gives the indexer the domains' handlers for chain events (it runs once,
on import, so every entry point that imports this module has an indexer that knows them). A domain
that is added or removed is added or removed here, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from fastapi import APIRouter
from sqlalchemy.orm import Session

from backend.accounts import cli as accounts_cli
from backend.accounts import routes as accounts_routes
from backend.audit import cli as audit_cli
from backend.audit import routes as audit_routes
from backend.auth import routes as auth_routes
from backend.chain.events import REDEEMED
from backend.claims import cli as claims_cli
from backend.claims import routes as claims_routes
from backend.indexer import worker as indexer_worker
from backend.indexer.handlers import REGISTRY, Handlers
from backend.merchants import cli as merchants_cli
from backend.merchants import routes as merchants_routes
from backend.payments import routes as payments_routes
from backend.payouts import cli as payouts_cli
from backend.payouts import routes as payouts_routes
from backend.payouts import service as payouts
from backend.redemptions import routes as redemptions_routes
from backend.reports import routes as reports_routes
from backend.rewards import sender as reward_sender
from backend.runtime import Runtime
from backend.settings import Settings
from backend.tasks import cli as tasks_cli
from backend.tasks import routes as tasks_routes
from backend.workers import Worker

# Every domain's router, mounted under /api/v1 in this order (the OpenAPI document follows it).
ROUTERS: tuple[APIRouter, ...] = (
    auth_routes.router,
    tasks_routes.router,
    claims_routes.router,
    accounts_routes.router,
    merchants_routes.router,
    payments_routes.router,
    redemptions_routes.router,
    payouts_routes.router,
    reports_routes.router,
    audit_routes.router,
    audit_routes.four_eyes_router,
)

# The background workers `heitje up` and `heitje worker` run: the reward sender (database -> chain)
# and the indexer (chain -> database).
WORKER_FACTORIES: tuple[Callable[[Runtime], Worker], ...] = (
    reward_sender.make_worker,
    indexer_worker.make_worker,
)

# `heitje <name> ...` sub-command groups.
CLI_GROUPS: dict[str, typer.Typer] = {
    "task": tasks_cli.app,
    "claims": claims_cli.app,
    "operator": accounts_cli.app,
    "merchant": merchants_cli.app,
    "payouts": payouts_cli.app,
    "audit": audit_cli.app,
}


def _record_payouts(session: Session, events: list[dict[str, Any]], settings: Settings) -> int:
    return payouts.record_redemptions(session, events, settings.euro_per_coin)


def register_indexer_handlers(registry: Handlers = REGISTRY) -> Handlers:
    """Every domain's handlers for indexed chain events: a confirmed `Redeemed` owes a payout, and a
    reorg takes back (or flags) the payouts above the fork."""
    registry.on_event(REDEEMED, "payouts", _record_payouts)
    registry.on_reorg("payouts", payouts.rollback_above)
    return registry


def load_workers(runtime: Runtime) -> list[Worker]:
    return [factory(runtime) for factory in WORKER_FACTORIES]


register_indexer_handlers()
