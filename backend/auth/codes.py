"""Short registration codes: how a shop tells the city which account to register without reading out
42 hex characters. The code is the first CODE_LENGTH hex digits of the address, grouped in two; the
city resolves it among the accounts that signed in recently (the sign-in records of the privacy
domain), and refuses a code that fits more than one of them."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.errors import AmbiguousRegistrationCode, NotFound, ValidationFailed
from backend.privacy.models import SignIn

CODE_LENGTH = 10
CODE_SHAPE = re.compile(r"^[0-9a-fA-F]{5}-?[0-9a-fA-F]{5}$")


def code_of(address: str) -> str:
    """"0x70997970C5…" -> "70997-970C5" (upper case: easy to read out and type)."""
    digits = address.lower().removeprefix("0x")[:CODE_LENGTH].upper()
    return f"{digits[:5]}-{digits[5:]}"


def resolve(session: Session, code: str) -> str:
    """The address of the one recently signed-in account whose code this is."""
    if not CODE_SHAPE.match(code.strip()):
        raise ValidationFailed("code: ten hexadecimal characters, like 70997-970C5", field="code")
    prefix = "0x" + code.strip().replace("-", "").lower()
    found = list(
        session.scalars(select(SignIn.address).where(func.lower(SignIn.address).like(prefix + "%")).distinct())
    )
    if not found:
        raise NotFound("account with registration code", code_of(prefix))
    if len({a.lower() for a in found}) > 1:
        raise AmbiguousRegistrationCode(code_of(prefix))
    return found[0]
