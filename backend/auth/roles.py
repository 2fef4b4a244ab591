"""Who is what: operators (configured, the deployment's admin, or added), merchants (registered), citizens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.accounts.models import Operator
from backend.merchants import service as merchants
from backend.runtime import Runtime


def is_operator(runtime: Runtime, session: Session, address: str) -> bool:
    configured = {a.lower() for a in runtime.settings.operators} | {runtime.deployment.admin.lower()}
    if address.lower() in configured:
        return True
    return session.get(Operator, address) is not None


def is_merchant(session: Session, address: str) -> bool:
    """The merchant role follows the city's intent (backend.merchants owns the rule): a shop registered
    a moment ago can set up its till while its on-chain registration is being mined."""
    return merchants.standing(session, address).intended


def roles_of(runtime: Runtime, session: Session, address: str) -> list[str]:
    roles = ["citizen"]
    if is_merchant(session, address):
        roles.append("merchant")
    if is_operator(runtime, session, address):
        roles.append("operator")
    return roles
