"""Coin amounts and addresses at the edges. Inside, amounts are int units (1 coin = 100 units);
at the API, CSV and SEPA they are Decimal strings with two places ("15.00"). Never floats."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from eth_utils import is_address, is_checksum_address, is_checksum_formatted_address, to_checksum_address
from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

from backend.errors import ValidationFailed

UNITS_PER_COIN = 100
MAX_UNITS = 10**15  # ten trillion coins: far above any real amount, and safe in a BIGINT column
# What the contract and the database can hold: checked before a transaction is sent, so nothing that
# the chain accepted can fail to be recorded afterwards.
UINT256_MAX = 2**256 - 1
DB_INT_MAX = 2**63 - 1  # a BIGINT column
# ASCII digits only: `\d` would also accept Arabic-Indic and full-width digits.
_AMOUNT = re.compile(r"^[0-9]{1,18}(\.[0-9]{1,2})?$")


class AmountError(ValueError):
    """The text is not a positive coin amount with at most two decimals."""


class AddressError(ValueError):
    """The text is not a 20-byte hex address (a wrongly mixed-case checksum counts as invalid)."""


def parse_amount(text: object, *, allow_zero: bool = False) -> int:
    """"15", "15.5", "15.00" -> 1500, 1550, 1500 units.
    Refuses negatives, three decimals, exponents and floats."""
    if isinstance(text, bool) or not isinstance(text, (str, int, Decimal)):
        raise AmountError("an amount is a decimal string like \"15.00\"")
    raw = str(text).strip()
    if not _AMOUNT.match(raw):
        raise AmountError(f"{raw[:40]!r} is not an amount with at most two decimals, like \"15.00\"")
    whole, _, cents = raw.partition(".")
    units = int(whole) * UNITS_PER_COIN + int(cents.ljust(2, "0") or "0")  # exact: no Decimal rounding
    if units == 0 and not allow_zero:
        raise AmountError("the amount must be more than 0.00")
    if units > MAX_UNITS:
        raise AmountError("the amount is too large")
    return units


def check_bound(name: str, value: int, *, most: int, least: int = 0) -> None:
    """Raises ValidationFailed (422) naming `name` when `value` is outside least..most: what a uint256
    argument (UINT256_MAX), a BIGINT column (DB_INT_MAX) or an amount (MAX_UNITS) can hold."""
    if isinstance(value, bool) or not least <= value <= most:
        raise ValidationFailed(f"{name}: must be between {least} and {most}")


def format_amount(units: int) -> str:
    """1500 -> "15.00"; negative units keep their sign ("-0.50")."""
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(int(units)), UNITS_PER_COIN)
    return f"{sign}{whole}.{cents:02d}"


def units_to_decimal(units: int) -> Decimal:
    return Decimal(units) / UNITS_PER_COIN


def parse_address(text: object) -> str:
    """Returns the checksummed address. All-lower or all-upper hex is accepted; mixed case must be a
    valid EIP-55 checksum (a mistyped character is then caught)."""
    raw = text.strip() if isinstance(text, str) else ""
    # eth_utils accepts a mixed-case address with a wrong checksum; a mistyped character must be caught.
    if not is_address(raw) or (is_checksum_formatted_address(raw) and not is_checksum_address(raw)):
        raise AddressError(f"{str(text)[:60]!r} is not an address (0x and 40 hex digits, valid checksum)")
    return to_checksum_address(raw)


# Pydantic field types for request and response models.
Address = Annotated[
    str,
    AfterValidator(parse_address),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$",
                    "example": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}),
]
AmountUnits = Annotated[
    int,
    BeforeValidator(parse_amount),
    PlainSerializer(format_amount, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,18}(\.[0-9]{1,2})?$", "example": "15.00"}),
]
