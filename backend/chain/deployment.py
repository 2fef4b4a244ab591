"""The deployment record (`deployments/<chain-id>.json`) that scripts/deploy.py writes and the backend reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    address: str
    block: int
    tx_hash: str
    name: str
    symbol: str
    roles: dict[str, list[str]] = field(default_factory=dict)
    deployed_at: str = ""

    @property
    def admin(self) -> str:
        return self.roles.get("DEFAULT_ADMIN_ROLE", [""])[0]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def record_path(deployments_dir: Path, chain_id: int) -> Path:
    return deployments_dir / f"{chain_id}.json"


def load_deployment(deployments_dir: Path, chain_id: int) -> Deployment | None:
    path = record_path(deployments_dir, chain_id)
    if not path.exists():
        return None
    return Deployment(**json.loads(path.read_text()))


def save_deployment(deployments_dir: Path, deployment: Deployment) -> Path:
    deployments_dir.mkdir(parents=True, exist_ok=True)
    path = record_path(deployments_dir, deployment.chain_id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(deployment.to_json())
    tmp.replace(path)  # atomic: a crash never leaves half a record
    return path
