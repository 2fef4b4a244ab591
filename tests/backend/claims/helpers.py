"""Helpers for the task-to-reward loop through the real API: tasks, claims, proof, approval, the sender."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from backend.rewards.models import Reward
from backend.rewards.sender import make_sender
from backend.runtime import Runtime
from tests.support.accounts import DEPLOYER


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


TASK = {
    "title": "Paint the bench",
    "description": "Sand and paint the green bench.",
    "district": "Centrum",
    "reward": "15.00",
    "capacity": 5,
}


@dataclass
class Loop:
    """Drives the API as an operator and as citizens (signed in for real)."""

    client: TestClient
    sign_in: object
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, account: LocalAccount) -> dict[str, str]:
        if account.address not in self._headers:
            self._headers[account.address] = self.sign_in(self.client, account)  # type: ignore[operator]
        return self._headers[account.address]

    @property
    def operator(self) -> dict[str, str]:
        return self.headers(DEPLOYER)

    def create_task(self, **overrides: object) -> int:
        response = self.client.post("/api/v1/tasks", json={**TASK, **overrides}, headers=self.operator)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def claim(self, citizen: LocalAccount, task_id: int) -> int:
        response = self.client.post(f"/api/v1/tasks/{task_id}/claims", headers=self.headers(citizen))
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def prove(self, citizen: LocalAccount, claim_id: int, photo: bytes | None = None, note: str = "done"):
        return self.client.post(
            f"/api/v1/claims/{claim_id}/proof",
            headers=self.headers(citizen),
            files={"photo": ("proof.jpg", photo or photo_bytes(), "image/jpeg")},
            data={"note": note},
        )

    def approve(self, claim_id: int):
        return self.client.post(f"/api/v1/claims/{claim_id}/approve", headers=self.operator)

    def approved_claim(self, citizen: LocalAccount | None = None, **task: object) -> tuple[int, LocalAccount]:
        """A claim taken, proven and approved through the API; returns (claim id, citizen)."""
        citizen = citizen or Account.create()
        claim_id = self.claim(citizen, self.create_task(**task))
        assert self.prove(citizen, claim_id).status_code == 200
        response = self.approve(claim_id)
        assert response.status_code == 200, response.text
        return claim_id, citizen


def rewards_by_claim(runtime: Runtime) -> dict[int, Reward]:
    with runtime.sessions() as session:
        return {r.claim_id: r for r in session.scalars(select(Reward))}


def run_sender(runtime: Runtime, *, until_confirmed: int | None = None, max_ticks: int = 200) -> None:
    """Ticks a fresh sender until `until_confirmed` rewards are confirmed (or nothing is left to do)."""
    worker = make_sender(runtime)
    try:
        for _ in range(max_ticks):
            busy = worker.tick()
            statuses = [r.status for r in rewards_by_claim(runtime).values()]
            if until_confirmed is not None and statuses.count("confirmed") >= until_confirmed:
                return
            if until_confirmed is None and not busy:
                return
            time.sleep(0.02)
        raise AssertionError(f"sender did not finish: {statuses}")
    finally:
        worker.close()


def with_caps(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, **caps: str | None) -> None:
    """The runtime's yearly or monthly cap set (or, with None, switched off) for one test."""
    update = {k: None if v is None else Decimal(v) for k, v in caps.items()}
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update=update))


def submitted_claims(loop: Loop, citizen: LocalAccount, count: int, reward: str = "15.00") -> list[int]:
    """`count` claims of `citizen`, each on a task of its own, with proof: ready for review."""
    claims = []
    for _ in range(count):
        claim_id = loop.claim(citizen, loop.create_task(reward=reward))
        assert loop.prove(citizen, claim_id).status_code == 200
        claims.append(claim_id)
    return claims
