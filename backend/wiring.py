"""The one place that wires the domains into the entry points, by explicit import.

The HTTP app takes `ROUTERS`, the worker runner `WORKER_FACTORIES`, the `heitje` command `CLI_GROUPS`;
`register_indexer_handlers` gives the indexer the domains' handlers for chain events (it runs once,
on import, so every entry point that imports this module has an indexer that knows them). A domain
that is added or removed is added or removed here, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import typer
from fastapi import APIRouter
from sqlalchemy.orm import Session

from backend.accounts import balances as account_balances
from backend.accounts import cli as accounts_cli
from backend.accounts import routes as accounts_routes
from backend.audit import cli as audit_cli
from backend.audit import routes as audit_routes
from backend.auth import routes as auth_routes
from backend.chain.events import AUTH_CANCELED, AUTH_USED, MERCHANT_SET, REDEEMED, REWARDED, TRANSFER
from backend.claims import cli as claims_cli
from backend.claims import routes as claims_routes
from backend.claims import worker as claims_worker
from backend.coin import cli as coin_cli
from backend.db import utcnow
from backend.indexer import worker as indexer_worker
from backend.indexer.handlers import REGISTRY, Chunk, Handlers
from backend.merchants import cli as merchants_cli
from backend.merchants import routes as merchants_routes
from backend.payment_requests import routes as payment_requests_routes
from backend.payments import events as payment_events
from backend.payments import routes as payments_routes
from backend.payouts import cli as payouts_cli
from backend.payouts import routes as payouts_routes
from backend.payouts import service as payouts
from backend.privacy import cli as privacy_cli
from backend.privacy import retention as privacy_retention
from backend.privacy import routes as privacy_routes
from backend.redemptions import events as redemption_events
from backend.redemptions import routes as redemptions_routes
from backend.relaying import routes as relaying_routes
from backend.reports import cli as reports_cli
from backend.reports import routes as reports_routes
from backend.reports import totals as report_totals
from backend.rewards import cli as rewards_cli
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
    payment_requests_routes.router,
    redemptions_routes.router,
    relaying_routes.router,
    payouts_routes.router,
    reports_routes.router,
    audit_routes.router,
    audit_routes.four_eyes_router,
    privacy_routes.router,
)

# The background workers `heitje up` and `heitje worker` run: the reward sender (database -> chain)
# the indexer (chain -> database), the claim-expiry worker and the retention sweep.
WORKER_FACTORIES: tuple[Callable[[Runtime], Worker], ...] = (
    reward_sender.make_sender,
    indexer_worker.make_worker,
    claims_worker.make_worker,
    privacy_retention.make_worker,
)

# `heitje <name> ...` sub-command groups.
CLI_GROUPS: dict[str, typer.Typer] = {
    "task": tasks_cli.app,
    "claims": claims_cli.app,
    "operator": accounts_cli.app,
    "merchant": merchants_cli.app,
    "payouts": payouts_cli.app,
    "audit": audit_cli.app,
    "privacy": privacy_cli.app,
    "coin": coin_cli.app,
    "rewards": rewards_cli.app,
    "reports": reports_cli.app,
}


def _through(chunk: Chunk) -> tuple[int, datetime] | None:
    return None if chunk.last_time is None else (chunk.last_block, chunk.last_time)


def _redemptions(session: Session, by_kind: dict[str, list[dict[str, Any]]], settings: Settings, chunk: Chunk) -> int:
    events = by_kind[REDEEMED] + by_kind[AUTH_CANCELED]
    return redemption_events.on_events(session, events, euro_per_coin=settings.euro_per_coin, through=_through(chunk))


def _payments(session: Session, by_kind: dict[str, list[dict[str, Any]]], settings: Settings, chunk: Chunk) -> int:
    events = sorted(by_kind[AUTH_USED] + by_kind[AUTH_CANCELED], key=lambda e: (e["block_number"], e["log_index"]))
    return payment_events.on_events(session, events, through=_through(chunk))


def _report_totals(session: Session, events: list[dict[str, Any]], settings: Settings) -> int:
    return report_totals.on_events(session, events, settings.city_name)


def _close_report_months(session: Session, _: dict[str, list[dict[str, Any]]], settings: Settings, chunk: Chunk) -> int:
    # approvals and payments count by the clock, chain events by the indexed chain's time: a month closes
    # once both are a week past it
    if chunk.last_time is not None:
        report_totals.close_months(session, settings.city_name, min(chunk.last_time, utcnow()))
    return 0


def _take_back_report_totals(session: Session, fork: int, settings: Settings) -> None:
    report_totals.on_reorg(session, fork, settings.city_name)


def _unsettle(on_reorg: Callable[[Session, int], int]) -> Callable[[Session, int], tuple[int, int]]:
    """A domain's reorg handler that puts records back to `sent` (it removes and flags nothing)."""

    def handler(session: Session, fork: int) -> tuple[int, int]:
        on_reorg(session, fork)
        return 0, 0

    return handler


def register_indexer_handlers(registry: Handlers = REGISTRY) -> Handlers:
    """Every domain's handlers for indexed chain events, for every chunk the indexer reads:
    - redemptions and payouts (one lifecycle): a confirmed `Redeemed` matched on merchant, ref and
      amount burns its redemption and owes a payout (a mismatch is a flagged payout); a relayed
      redemption whose authorization was cancelled or expired unused fails;
    - payments: an authorization used by anyone's transaction confirms its payment; cancelled, or
      expired by the chunk's last block, fails it;
    - accounts: every transfer moves the balances of both sides, every MerchantSet sets a flag.
    A reorg takes back (or flags) the payouts above the fork and puts redemptions and payments decided
    above it back to `sent`."""
    registry.on_chunk("redemptions", _redemptions, kinds=(REDEEMED, AUTH_CANCELED))
    registry.on_chunk("payments", _payments, kinds=(AUTH_USED, AUTH_CANCELED))
    registry.on_reorg("payouts", payouts.rollback_above)
    registry.on_reorg("redemptions", _unsettle(redemption_events.on_reorg))
    registry.on_reorg("payments", _unsettle(payment_events.on_reorg))
    # balances and merchant flags per account (issue 14: GET /accounts/{address} asks no node)
    registry.on_event(TRANSFER, "balances", account_balances.on_transfers)
    registry.on_event(MERCHANT_SET, "balances", account_balances.on_merchant_set)
    registry.on_reorg("balances", account_balances.on_reorg)
    # the reports' running totals (issue 16): each figure where its event enters, taken back on a reorg
    for kind in (REWARDED, TRANSFER, REDEEMED):
        registry.on_event(kind, "report_totals", _report_totals)
    registry.on_chunk("report_months", _close_report_months)
    registry.on_reorg_with_settings("report_totals", _take_back_report_totals)
    return registry


def load_workers(runtime: Runtime) -> list[Worker]:
    return [factory(runtime) for factory in WORKER_FACTORIES]


register_indexer_handlers()
