"""Wired explicitly: no module of backend/ imports modules by name from strings (importlib), so a
missing module is an import error at start-up, not a silently skipped domain."""

from __future__ import annotations

import ast
from pathlib import Path

from backend import wiring
from backend.indexer.handlers import REGISTRY
from backend.rewards import sender as reward_sender

BACKEND = Path(__file__).resolve().parents[2] / "backend"

# Known offenders (none: the sender's sources are wired in backend.wiring). Nothing may be added.
ALLOWED: set[str] = set()


def imports_by_name(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "importlib" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "importlib":
            return True
        if isinstance(node, ast.Name) and node.id == "__import__":
            return True
    return False


def test_no_module_imports_modules_by_name():
    found = {p.relative_to(BACKEND.parent).as_posix() for p in BACKEND.rglob("*.py") if imports_by_name(p)}

    assert found - ALLOWED == set()


def test_every_domain_router_is_wired():
    domains = {p.parent.name for p in BACKEND.glob("*/routes.py")}
    wired = {router.routes[0].endpoint.__module__.split(".")[1] for router in wiring.ROUTERS}

    assert wired == domains


def test_every_domain_cli_group_is_wired():
    domains = {p.parent.name for p in BACKEND.glob("*/cli.py")}
    wired = {group.registered_commands[0].callback.__module__.split(".")[1] for group in wiring.CLI_GROUPS.values()}

    assert wired == domains


def test_the_indexer_knows_the_domains_handlers_once_the_wiring_is_imported():
    # money's lifecycles, the reports' running totals (issue 16: rewarded, transfer, redeemed), the
    # accounts' balances and merchant flags (issue 14: transfer, merchant_set)
    assert REGISTRY.kinds() == {"redeemed", "auth_used", "auth_canceled", "rewarded", "transfer", "merchant_set"}


def test_the_allow_list_names_only_modules_that_still_offend():
    assert all(imports_by_name(BACKEND.parent / path) for path in ALLOWED)


def test_the_minter_keys_sender_serves_the_rewards_first_then_the_merchant_registrations():
    assert [source.kind for source in reward_sender.SENDER_SOURCES] == ["reward", "merchant"]
