"""Sign-in with Ethereum (EIP-4361): issue single-use nonces, verify signed messages, issue tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import siwe
from siwe import SiweMessage
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from backend.auth.models import LoginNonce
from backend.auth.roles import roles_of
from backend.auth.tokens import issue_token
from backend.db import utcnow
from backend.errors import SignInFailed
from backend.privacy.signins import record_sign_in
from backend.runtime import Runtime


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    address: str
    roles: list[str]


def new_nonce(session: Session, runtime: Runtime) -> str:
    """Stores and returns a fresh nonce, valid once for settings.nonce_ttl_seconds."""
    now = utcnow()
    # Expired and spent nonces can never sign anyone in again: purge them here so they cannot pile up.
    session.execute(delete(LoginNonce).where(or_(LoginNonce.expires_at < now, LoginNonce.used_at.is_not(None))))
    nonce = siwe.generate_nonce()
    session.add(
        LoginNonce(
            nonce=nonce,
            created_at=now,
            expires_at=now + timedelta(seconds=runtime.settings.nonce_ttl_seconds),
        )
    )
    return nonce


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL without user info, or None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname or port is None:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def same_origin(uri: str, base_url: str) -> bool:
    """True when `uri` is on exactly our scheme, host and port (a prefix match let
    `http://ours@evil.example/` through: the part before @ is user info, the host is evil.example)."""
    ours = _origin(base_url)
    return ours is not None and _origin(uri) == ours


def _parse(message: str) -> SiweMessage:
    try:
        # The regular-expression parser: siwe's ABNF parser takes seconds on crafted input (a DoS).
        return SiweMessage.from_message(message=message, abnf=False)
    except Exception as exc:  # noqa: BLE001 - siwe raises many kinds for malformed text
        raise SignInFailed("the message is not an EIP-4361 sign-in message", "malformed") from exc


def sign_in(session: Session, runtime: Runtime, *, message: str, signature: str) -> SignedIn:
    """Verifies the signed EIP-4361 message (domain, URI, chain id, nonce, times, signature) and
    spends its nonce. Raises SignInFailed with the problem otherwise."""
    settings = runtime.settings
    parsed = _parse(message)
    if parsed.domain != settings.siwe_domain:
        raise SignInFailed(f"the message is for {parsed.domain!r}, not {settings.siwe_domain!r}", "domain")
    if not same_origin(str(parsed.uri), settings.base_url):
        raise SignInFailed(f"the message's URI must be on {settings.base_url}", "uri")
    if parsed.chain_id != runtime.deployment.chain_id:
        raise SignInFailed(
            f"the message is for chain {parsed.chain_id}, not {runtime.deployment.chain_id}", "chain_id"
        )
    try:
        parsed.verify(signature, domain=settings.siwe_domain)
    except siwe.ExpiredMessage as exc:
        raise SignInFailed("the message has expired; sign a new one", "expired") from exc
    except siwe.NotYetValidMessage as exc:
        raise SignInFailed("the message is not valid yet", "not_yet_valid") from exc
    except siwe.VerificationError as exc:
        raise SignInFailed("the signature does not match the message's address", "signature") from exc
    except Exception as exc:  # noqa: BLE001 - a garbled signature string
        raise SignInFailed("the signature is not valid", "signature") from exc
    now = utcnow()
    # Spend the nonce with one conditional update: of two logins racing with it, one wins.
    spent = session.execute(
        update(LoginNonce)
        .where(LoginNonce.nonce == parsed.nonce, LoginNonce.used_at.is_(None), LoginNonce.expires_at > now)
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise SignInFailed("the nonce is unknown, used or expired; ask for a new one", "nonce")
    address = parsed.address
    record_sign_in(session, address)
    return SignedIn(
        access_token=issue_token(settings, address),
        address=address,
        roles=roles_of(runtime, session, address),
    )
