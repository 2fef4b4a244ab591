"""Safe proposals waiting for owners' signatures: one JSON file each in `settings.safe_proposals_dir`.

A file, not a table: the owners may sign on different machines (copy the file), and an admin action
must not depend on the database being up (a chain outage or a restore is when you need it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backend.errors import ProposalNotFound


@dataclass
class Proposal:
    id: str
    chain_id: int
    safe: str
    to: str
    data: str
    nonce: int
    safe_tx_hash: str
    description: str
    value: int = 0
    signatures: dict[str, str] = field(default_factory=dict)  # owner address -> 0x signature
    executed_tx: str | None = None


def _path(directory: Path, proposal_id: str) -> Path:
    if not proposal_id.isdigit():
        raise ProposalNotFound(proposal_id)
    return directory / f"{int(proposal_id)}.json"


def save(directory: Path, proposal: Proposal) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = _path(directory, proposal.id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(proposal), indent=2) + "\n")
    tmp.replace(path)  # atomic: a crash never leaves half a proposal
    return path


def load(directory: Path, proposal_id: str) -> Proposal:
    path = _path(directory, proposal_id)
    if not path.exists():
        raise ProposalNotFound(proposal_id)
    return Proposal(**json.loads(path.read_text()))


def all_proposals(directory: Path) -> list[Proposal]:
    if not directory.exists():
        return []
    found = [Proposal(**json.loads(p.read_text())) for p in directory.glob("*.json")]
    return sorted(found, key=lambda p: int(p.id))


def next_id(directory: Path) -> str:
    return str(max((int(p.id) for p in all_proposals(directory)), default=0) + 1)
