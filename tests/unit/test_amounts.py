"""Property tests for backend/amounts.py: amounts and addresses at the edge of the API.

Amounts are int units inside (1 coin = 100 units) and "15.00" strings outside; every unit count
must survive the trip out and back, and anything that is not a plain positive decimal with at
most two places must be refused (never rounded, never read as a float)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from backend.amounts import (
    MAX_UNITS,
    Address,
    AddressError,
    AmountError,
    AmountUnits,
    format_amount,
    parse_address,
    parse_amount,
)

# Every amount the parser accepts is at most MAX_UNITS (it fits a BIGINT column).
UNITS = st.integers(min_value=1, max_value=MAX_UNITS)
WHOLE = MAX_UNITS // 100 - 1
ADDRESS_BYTES = st.binary(min_size=20, max_size=20)


class Payment(BaseModel):
    to: Address
    amount: AmountUnits


# --- amounts --------------------------------------------------------------------------------------


@given(UNITS)
def test_every_unit_count_survives_format_then_parse(units: int) -> None:
    assert parse_amount(format_amount(units)) == units


@given(UNITS)
def test_formatted_amount_has_exactly_two_decimals(units: int) -> None:
    text = format_amount(units)
    whole, cents = text.split(".")
    assert whole.isdigit() and len(cents) == 2
    assert int(whole) * 100 + int(cents) == units


@given(st.integers(min_value=0, max_value=WHOLE), st.integers(min_value=0, max_value=99))
def test_parsing_two_decimals_gives_the_exact_value_in_units(whole: int, cents: int) -> None:
    units = whole * 100 + cents
    if units == 0:
        with pytest.raises(AmountError):
            parse_amount(f"{whole}.{cents:02d}")
    else:
        assert parse_amount(f"{whole}.{cents:02d}") == units


@given(st.integers(min_value=1, max_value=WHOLE), st.integers(min_value=0, max_value=9))
def test_whole_coins_and_one_decimal_are_read_as_coins_not_units(whole: int, tenths: int) -> None:
    assert parse_amount(str(whole)) == whole * 100
    assert parse_amount(f"{whole}.{tenths}") == whole * 100 + tenths * 10


@given(UNITS)
def test_negative_amounts_are_refused(units: int) -> None:
    with pytest.raises(AmountError):
        parse_amount("-" + format_amount(units))


THOUSANDTHS = st.integers(min_value=1, max_value=999).filter(lambda m: m % 10 != 0)


@given(st.integers(min_value=0, max_value=10**20), THOUSANDTHS)
def test_three_decimal_places_are_refused_not_rounded(whole: int, millis: int) -> None:
    with pytest.raises(AmountError):
        parse_amount(f"{whole}.{millis:03d}")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused_whatever_their_value(value: float) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=-5, max_value=5))
def test_exponent_notation_is_refused(mantissa: int, exponent: int) -> None:
    with pytest.raises(AmountError):
        parse_amount(f"{mantissa}e{exponent}")


@pytest.mark.parametrize("text", ["0", "0.00", "0.0", "000"])
def test_zero_is_refused_unless_allowed(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)
    assert parse_amount(text, allow_zero=True) == 0


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "+15",
        "15.",
        ".5",
        "15,00",
        "1_000",
        "0x10",
        "NaN",
        "Infinity",
        "15.00 EUR",
        "€15",
        "1 5",
        "15..0",
        None,
        True,
        False,
        [],
        {},
        b"15",
    ],
)
def test_malformed_amounts_are_refused(value: object) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)


def test_an_amount_above_the_maximum_is_refused() -> None:
    with pytest.raises(AmountError):
        parse_amount(format_amount(MAX_UNITS + 1))


NON_ASCII_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\uff11\uff15"


@given(st.text(alphabet=NON_ASCII_DIGITS, min_size=1, max_size=6))
def test_non_ascii_digits_are_refused(text: str) -> None:
    # Arabic-Indic or full-width digits are "digits" to a Unicode regex; an amount is ASCII only.
    with pytest.raises(AmountError):
        parse_amount(text + ".00")


@given(st.text(max_size=40))
@settings(max_examples=500)
def test_arbitrary_text_either_parses_to_positive_units_or_is_refused(text: str) -> None:
    try:
        units = parse_amount(text)
    except AmountError:
        return
    assert isinstance(units, int) and 0 < units <= MAX_UNITS
    whole, _, cents = text.strip().partition(".")
    assert int(whole) * 100 + int(cents.ljust(2, "0")) == units


@given(UNITS)
def test_amount_field_reads_strings_and_writes_two_decimals(units: int) -> None:
    address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    payment = Payment.model_validate({"to": address, "amount": format_amount(units)})
    assert payment.amount == units
    assert payment.model_dump(mode="json")["amount"] == format_amount(units)


@given(st.floats(min_value=0.01, max_value=1e9))
def test_amount_field_refuses_json_floats(value: float) -> None:
    with pytest.raises(ValidationError):
        Payment.model_validate_json(f'{{"to": "{Account.create().address}", "amount": {value!r}}}')


# --- addresses ------------------------------------------------------------------------------------


@given(ADDRESS_BYTES)
def test_lower_and_upper_case_hex_addresses_are_checksummed(raw: bytes) -> None:
    expected = to_checksum_address(raw)
    assert parse_address("0x" + raw.hex()) == expected
    assert parse_address("0x" + raw.hex().upper()) == expected


@given(ADDRESS_BYTES)
def test_a_checksummed_address_is_returned_unchanged(raw: bytes) -> None:
    checksummed = to_checksum_address(raw)
    assert parse_address(checksummed) == checksummed
    assert parse_address(parse_address(checksummed)) == checksummed


def _flip(text: str, i: int) -> str:
    return text[:i] + text[i].swapcase() + text[i + 1 :]


@given(ADDRESS_BYTES, st.data())
def test_an_address_with_one_letter_case_flipped_is_refused(raw: bytes, data: st.DataObject) -> None:
    checksummed = to_checksum_address(raw)
    letters = [i for i, c in enumerate(checksummed) if i > 1 and c.isalpha()]
    body = checksummed[2:]
    # A flip that leaves the address all-lower or all-upper is an unchecked spelling, not a typo.
    candidates = [i for i in letters if _flip(checksummed, i)[2:] not in (body.lower(), body.upper())]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates))
    typo = _flip(checksummed, i)
    with pytest.raises(AddressError):
        parse_address(typo)


@given(st.binary(min_size=0, max_size=40).filter(lambda b: len(b) != 20))
def test_addresses_of_the_wrong_length_are_refused(raw: bytes) -> None:
    with pytest.raises(AddressError):
        parse_address("0x" + raw.hex())


@given(ADDRESS_BYTES)
def test_raw_bytes_are_not_an_address_at_the_edge(raw: bytes) -> None:
    with pytest.raises(AddressError):
        parse_address(raw)


BAD_ADDRESSES = ["", "0x", "0xZZ" + "0" * 38, "vitalik.eth", None, 42, "0x" + "0" * 39 + "g"]


@pytest.mark.parametrize("value", BAD_ADDRESSES)
def test_malformed_addresses_are_refused(value: object) -> None:
    with pytest.raises(AddressError):
        parse_address(value)


@given(st.text(max_size=50))
def test_arbitrary_text_is_an_address_only_if_it_is_forty_hex_digits(text: str) -> None:
    try:
        address = parse_address(text)
    except AddressError:
        return
    assert address == to_checksum_address(address)
    assert address.lower() == "0x" + text.strip().lower().removeprefix("0x")


def test_an_address_from_a_real_key_passes_through_the_field_type() -> None:
    account = Account.create()
    payment = Payment.model_validate({"to": account.address.lower(), "amount": "1.00"})
    assert payment.to == account.address
