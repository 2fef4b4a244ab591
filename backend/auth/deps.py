"""Route dependencies for the signed-in user and each role: CurrentUser, CurrentCitizen, CurrentMerchant,
CurrentOperator. A missing or bad token is 401 `unauthorized`; a missing role is 403 `forbidden`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.auth.roles import roles_of
from backend.auth.tokens import read_token
from backend.deps import RuntimeDep, SessionDep
from backend.errors import Forbidden, Unauthorized

bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/v1/auth/login")

F = TypeVar("F", bound=Callable[..., object])

# Dependencies that refuse a request without a valid token: the edge (backend/http) answers 401 for such
# routes before it reads a body.
TOKEN_REQUIRED: set[Callable[..., object]] = set()


def requires_token(dependency: F) -> F:
    """Marks a dependency that answers 401 without a valid bearer token."""
    TOKEN_REQUIRED.add(dependency)
    return dependency


@dataclass(frozen=True)
class User:
    address: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles


@requires_token
def signed_in_address(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    """Only who is signed in, without looking up their roles (a relay needs no more)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("sign in first: this needs an Authorization: Bearer token")
    return read_token(runtime.settings, credentials.credentials)


@requires_token
def current_user(
    runtime: RuntimeDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("sign in first: this needs an Authorization: Bearer token")
    address = read_token(runtime.settings, credentials.credentials)
    return User(address=address, roles=tuple(roles_of(runtime, session, address)))


def _require(role: str):  # type: ignore[no-untyped-def]
    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.has(role):
            raise Forbidden(role)
        return user

    return dependency


CurrentUser = Annotated[User, Depends(current_user)]
SignedInAddress = Annotated[str, Depends(signed_in_address)]
CurrentCitizen = Annotated[User, Depends(_require("citizen"))]
CurrentMerchant = Annotated[User, Depends(_require("merchant"))]
CurrentOperator = Annotated[User, Depends(_require("operator"))]
