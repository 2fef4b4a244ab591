"""Tests share helpers through the tests/support package, never by importing a conftest: a conftest is
pytest's plugin for its own directory (importing one elsewhere ties one directory's tests to another's
set-up and hides fixtures behind a `noqa`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def conftest_imports(source: str) -> list[str]:
    """The modules named conftest that `source` imports (by any spelling), with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            modules = [base, *(f"{base}.{a.name}" if node.module else base + a.name for a in node.names)]
        else:
            continue
        named = [m for m in modules if "conftest" in m.replace(".", " ").split()]
        if named:
            found.append(f"{node.lineno}: {named[0]}")
    return found


def test_no_module_under_tests_imports_from_a_conftest():
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{hit}"
        for path in sorted(TESTS.rglob("*.py"))
        for hit in conftest_imports(path.read_text(encoding="utf-8"))
    ]

    assert offenders == [], "import these helpers from tests/support instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "spelling",
    [
        "from tests.backend.security.conftest import People",
        "import tests.backend.conftest",
        "from .conftest import People",
        "from . import conftest",
        "from tests.backend import conftest as shared",
    ],
)
def test_every_spelling_of_a_conftest_import_is_caught(spelling: str):
    assert len(conftest_imports(spelling)) == 1


def test_a_module_merely_named_like_a_conftest_is_not_caught():
    assert conftest_imports("from tests.support.conftest_like import People\nimport conftests\n") == []
