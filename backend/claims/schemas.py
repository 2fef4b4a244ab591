"""Request and response shapes of the claims API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ClaimStatus = Literal["claimed", "submitted", "approved", "rejected", "expired", "released"]
RewardStatus = Literal["pending", "sent", "confirmed", "flagged", "failed"]


class RewardOut(BaseModel):
    status: RewardStatus
    amount: str
    tx_hash: str | None
    error: str | None = None


class ClaimOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "task_id": 1,
                    "citizen": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "status": "approved",
                    "note": "Painted both sides.",
                    "photo_url": "/api/v1/claims/7/photo",
                    "reject_reason": None,
                    "reward": {
                        "status": "confirmed",
                        "amount": "15.00",
                        "tx_hash": "0x5c50...",
                        "error": None,
                    },
                    "created_at": "2025-05-01T09:00:00Z",
                    "submitted_at": "2025-05-01T12:00:00Z",
                    "reviewed_at": "2025-05-02T08:00:00Z",
                    "expires_at": None,
                }
            ]
        }
    )

    id: int
    task_id: int
    citizen: str
    status: ClaimStatus
    note: str | None
    photo_url: str | None
    reject_reason: str | None
    reward: RewardOut | None
    created_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    expires_at: datetime | None = Field(
        None, description="a claim without proof: when it expires and frees its place unless proof is sent"
    )


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000, examples=["The photo does not show the bench."])
