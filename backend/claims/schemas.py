"""Request and response shapes of the claims API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


MAX_DECISIONS = 500
Decision = Literal["approve", "reject"]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: int = Field(ge=1, le=2**53, examples=[7])
    decision: Decision
    reason: str | None = Field(
        None, min_length=3, max_length=1000, description="why a claim is rejected (the citizen reads it)"
    )


class ReviewIn(BaseModel):
    """Many decisions in one request, each checked exactly as its own approve or reject would be."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decisions": [
                        {"claim_id": 7, "decision": "approve"},
                        {"claim_id": 8, "decision": "reject", "reason": "The photo does not show the bench."},
                    ]
                }
            ]
        },
    )

    decisions: list[DecisionIn] = Field(min_length=1, max_length=MAX_DECISIONS)
    reason: str | None = Field(
        None, min_length=3, max_length=1000, description="the reason of every rejection that gives none of its own"
    )

    @model_validator(mode="after")
    def _each_claim_once_and_every_rejection_reasoned(self) -> ReviewIn:
        seen: set[int] = set()
        for index, decision in enumerate(self.decisions):
            if decision.claim_id in seen:
                raise ValueError(f"decisions.{index}: claim {decision.claim_id} is decided twice")
            seen.add(decision.claim_id)
            if decision.decision == "reject" and decision.reason is None and self.reason is None:
                raise ValueError(f"decisions.{index}: a rejection needs a reason (its own, or the request's)")
        return self


class Refusal(BaseModel):
    code: str = Field(examples=["yearly_cap_exceeded"])
    message: str
    details: dict[str, Any] | None = None


class ReviewResult(BaseModel):
    claim_id: int
    decision: Decision
    ok: bool = Field(description="decided as asked; otherwise `error` says why not and the claim is unchanged")
    claim: ClaimOut | None = Field(None, description="the claim after the decision")
    error: Refusal | None = None


class ReviewOut(BaseModel):
    approved: int
    rejected: int
    refused: int
    results: list[ReviewResult] = Field(description="one per decision, in the order asked")
