"""The one way Heitje writes CSV: every cell a spreadsheet would run as a formula is neutralised.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheets skip before
reading a formula) is prefixed with an apostrophe, the spreadsheet convention for "this is text"
(OWASP's advice for CSV injection). Plain numbers such as "-5.00" stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")  # a decimal point, or a Dutch decimal comma


def safe_cell(value: Any) -> str:
    """The cell's text, made inert for spreadsheets. None is an empty cell."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer whose rows pass through safe_cell."""

    def __init__(self, out: IO[str], *, delimiter: str = ",") -> None:
        self._writer = csv.writer(out, lineterminator="\n", delimiter=delimiter)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])


class SafeDictWriter:
    """csv.DictWriter whose values pass through safe_cell."""

    def __init__(self, out: IO[str], fieldnames: Iterable[str], *, delimiter: str = ",") -> None:
        self._writer = csv.DictWriter(out, fieldnames=list(fieldnames), lineterminator="\n", delimiter=delimiter)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: safe_cell(value) for key, value in row.items()})
