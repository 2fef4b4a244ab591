"""Signed bearer tokens (HS256 JWT): who signed in, until when. Roles are looked up per request."""

from __future__ import annotations

import time

import jwt

from backend.errors import Unauthorized
from backend.settings import Settings

ALGORITHM = "HS256"


def issue_token(settings: Settings, address: str, *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": address,
        "iat": issued,
        "exp": issued + settings.token_ttl_seconds,
        "aud": settings.siwe_domain,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> str:
    """Returns the signed-in address; raises Unauthorized for a tampered, expired or foreign token."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.siwe_domain,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("your sign-in has expired; please sign in again") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("the access token is not valid; please sign in again") from exc
    return str(claims["sub"])
