"""Small builders for unit tests (the services' own functions, in-memory)."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from sqlalchemy.orm import Session

from backend.claims import service as claims
from backend.claims.models import Claim
from backend.tasks import service as tasks
from backend.tasks.schemas import TaskIn
from tests.support.unit import unit_settings

OPERATOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil's PUBLIC test account #0

TASK: dict[str, Any] = {
    "title": "Paint the bench",
    "description": "Sand and paint the green bench.",
    "district": "Centrum",
    "reward": "15.00",
    "capacity": 5,
}


def citizen() -> str:
    return str(Account.create().address)


def new_task(session: Session, **overrides: Any) -> int:
    return tasks.create_task(session, operator=OPERATOR, data=TaskIn(**{**TASK, **overrides}), max_hourly_rate=None).id


def submitted_claim(session: Session, task_id: int, who: str) -> Claim:
    """A claim with its proof in (the photo step itself is tested with real files in tests/backend)."""
    claim = claims.claim_task(session, unit_settings(max_open_claims=1000), task_id=task_id, citizen=who)
    claim.status = "submitted"
    session.flush()
    return claim
