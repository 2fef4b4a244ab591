"""Compiled contract artifacts, as `brownie compile` writes them to build/contracts/."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend.settings import ROOT

BUILD_DIR = ROOT / "build" / "contracts"


class ArtifactMissing(RuntimeError):
    """The contracts have not been compiled (run `make setup` or `brownie compile`)."""


@lru_cache(maxsize=8)
def load_artifact(name: str = "LocalCoin", build_dir: Path = BUILD_DIR) -> dict[str, Any]:
    path = build_dir / f"{name}.json"
    if not path.exists():
        raise ArtifactMissing(f"{path} is missing: run `make setup` (it runs `brownie compile`)")
    data = json.loads(path.read_text())
    return {"abi": data["abi"], "bytecode": data["bytecode"]}


def coin_abi() -> list[dict[str, Any]]:
    return load_artifact("LocalCoin")["abi"]
