"""The one CSV cell rule: anything a spreadsheet would run becomes text; numbers stay numbers."""

from __future__ import annotations

import io

import pytest

from backend.reports.csv_cells import SafeDictWriter, SafeWriter, safe_cell


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")'],
)
def test_a_cell_a_spreadsheet_would_run_becomes_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Zuid", "15.00", "-5.00", "+3", "", "a=b", "2026-01"])
def test_ordinary_cells_and_numbers_are_unchanged(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_none_is_an_empty_cell() -> None:
    assert safe_cell(None) == ""


def test_both_writers_neutralise_every_cell() -> None:
    rows, dicts = io.StringIO(), io.StringIO()
    SafeWriter(rows).writerow(["=1", 2, None])
    writer = SafeDictWriter(dicts, ["a", "b"])
    writer.writeheader()
    writer.writerow({"a": "@x", "b": 3})
    assert rows.getvalue() == "'=1,2,\n"
    assert dicts.getvalue() == "a,b\n'@x,3\n"
