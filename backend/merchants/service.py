"""The merchant registry's rules. The database row is the city's intent (`active`); the on-chain
`setMerchant` follows through the persistent sender (backend.merchants.chain_jobs), never inline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import paging
from backend.audit import service as audit
from backend.chain.client import Chain
from backend.db import utcnow
from backend.errors import InvalidIban, MerchantExists, NotFound, ValidationFailed
from backend.merchants.models import Merchant


@dataclass(frozen=True)
class Iban:
    compact: str
    formatted: str


def validate_iban(text: str) -> Iban:
    """Checks country format, length and check digits; raises InvalidIban with the reason."""
    try:
        iban = IBAN(text)
    except SchwiftyException as exc:
        raise InvalidIban(str(exc) or type(exc).__name__) from exc
    return Iban(compact=iban.compact, formatted=iban.formatted)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("name: a merchant needs a name")
    if len(cleaned) > 200:
        raise ValidationFailed("name: at most 200 characters")
    return cleaned


def register(session: Session, *, address: str, name: str, iban: str, operator: str = "cli") -> Merchant:
    """Adds a merchant (or re-activates a deactivated one with new details). The on-chain
    registration is queued: `chain_status` starts "pending" and the sender picks it up."""
    cleaned_name = _clean_name(name)
    checked = validate_iban(iban)
    merchant = session.get(Merchant, address)
    if merchant is not None and merchant.active:
        raise MerchantExists(address)
    if merchant is None:
        merchant = Merchant(address=address, name=cleaned_name, iban=checked.compact, active=True)
        session.add(merchant)
    else:
        merchant.name, merchant.iban, merchant.active = cleaned_name, checked.compact, True
    merchant.chain_status = "pending"
    merchant.chain_error = None
    merchant.updated_at = utcnow()
    session.flush()
    audit.record(session, operator, "merchant_registered", f"merchant:{address}")
    return merchant


def deactivate(session: Session, address: str, *, operator: str = "cli") -> Merchant:
    """Stops accepting the merchant (their role and public listing end now; setMerchant(false) is
    queued). Deactivating twice is harmless."""
    merchant = get(session, address)
    if merchant.active:
        merchant.active = False
        merchant.chain_status = "pending"
        merchant.chain_error = None
        merchant.updated_at = utcnow()
        session.flush()
        audit.record(session, operator, "merchant_deactivated", f"merchant:{address}")
    return merchant


# --- who is a merchant: the one owner of the rule -------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """An address in the registry's eyes: the city's intent and the chain's recorded confirmation."""

    address: str
    name: str | None
    registered: bool  # a registry row exists (so a payout has an IBAN), active or not
    intended: bool  # the city wants it to be a merchant: an active row
    confirmed: bool  # the chain confirmed setMerchant for that intent (recorded by the merchant sender)

    @property
    def is_merchant(self) -> bool:
        """Intended by the city and confirmed on chain: it may be paid at a till and redeem."""
        return self.intended and self.confirmed


def accepts_payments(merchant: Merchant) -> bool:
    """The rule on a loaded row: active, and its setMerchant(true) confirmed on chain."""
    return merchant.active and merchant.chain_status == "confirmed"


def standing(session: Session, address: str) -> Standing:
    row = session.get(Merchant, address)
    if row is None:
        return Standing(address, None, registered=False, intended=False, confirmed=False)
    return Standing(
        address,
        row.name,
        registered=True,
        intended=row.active,
        confirmed=row.chain_status == "confirmed",
    )


def is_merchant(session: Session, address: str, *, chain: Chain | None = None, block: int | None = None) -> bool:
    """THE rule "is this address a merchant" (DESIGN: database intent + chain confirmation).

    Without `chain`: an active registry row whose on-chain registration the sender confirmed.
    With `chain`: the intent (an active row) and the chain asked now. With `chain` and `block` (was
    it a merchant when it burnt at `block`?): a registry row (deactivated since is fine: the city still
    owes it) and the chain's `isMerchant` as of that block."""
    found = standing(session, address)
    if chain is None:
        return found.is_merchant
    if block is not None:
        return found.registered and chain.is_merchant(address, block=block)
    return found.intended and chain.is_merchant(address)


def get(session: Session, address: str) -> Merchant:
    merchant = session.get(Merchant, address)
    if merchant is None:
        raise NotFound("merchant", address)
    return merchant


def list_active(session: Session) -> list[Merchant]:
    """Where to spend: active merchants by name."""
    return list(session.scalars(select(Merchant).where(Merchant.active.is_(True)).order_by(Merchant.name)))


REGISTRY_ORDER = (paging.Key(Merchant.created_at, datetime), paging.Key(Merchant.address, str))  # newest first


def list_all(session: Session, *, limit: int | None = None, cursor: str | None = None) -> paging.Page[Merchant]:
    """The whole registry for operators, deactivated merchants included, newest first, one page."""
    rows = list(session.scalars(paging.keyset(select(Merchant), REGISTRY_ORDER, cursor, limit)))
    return paging.page_of(rows, limit, lambda m: (m.created_at, m.address))
