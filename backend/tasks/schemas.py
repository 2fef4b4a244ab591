"""Request and response shapes of the tasks API (amounts as "15.00" strings, times in UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.amounts import AmountUnits

TaskStatus = Literal["open", "full", "closed"]


class TaskIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Paint the bench on the Pancratiusplein",
                    "description": "Sand and paint the green bench.",
                    "district": "Centrum",
                    "reward": "15.00",
                    "capacity": 2,
                    "minutes": 180,
                    "closes_at": "2030-06-30T18:00:00Z",
                    "latitude": 50.8882,
                    "longitude": 5.9795,
                }
            ]
        },
    )

    title: str = Field(min_length=3, max_length=120)
    description: str = Field(min_length=1, max_length=5000)
    district: str = Field(min_length=1, max_length=80)
    reward: AmountUnits
    capacity: int = Field(ge=1, le=10_000)
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    closes_at: datetime | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @field_validator("title", "description", "district")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("closes_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2030-06-30T18:00:00Z")
        return value


class TaskOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "title": "Paint the bench on the Pancratiusplein",
                    "description": "Sand and paint the green bench.",
                    "district": "Centrum",
                    "reward": "15.00",
                    "capacity": 2,
                    "taken": 1,
                    "places_left": 1,
                    "minutes": 180,
                    "closes_at": "2030-06-30T18:00:00Z",
                    "latitude": 50.8882,
                    "longitude": 5.9795,
                    "status": "open",
                    "created_at": "2025-05-01T09:00:00Z",
                }
            ]
        }
    )

    id: int
    title: str
    description: str
    district: str
    reward: str
    capacity: int
    taken: int = Field(description="places held by claims: open ones (not expired) and ones with proof")
    places_left: int
    minutes: int | None
    closes_at: datetime | None
    latitude: float | None
    longitude: float | None
    status: TaskStatus
    created_at: datetime
