"""The layers of backend/ (README "Layers"): the import-linter contract in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_lower_layer_never_imports_a_higher_one(monkeypatch: pytest.MonkeyPatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_the_contract_names_every_top_level_module_of_backend():
    """A new package or module has to be placed in a layer (or the contract would not see it)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    backend = ROOT / "backend"
    modules = {
        f"backend.{p.stem}" for p in backend.glob("*.py") if p.stem != "__init__"
    } | {f"backend.{p.name}" for p in backend.iterdir() if (p / "__init__.py").exists()}

    assert modules - placed == set()
