"""API shapes of the payouts domain. Coins and euros are two-decimal strings ("15.00")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.amounts import format_amount
from backend.payouts.models import PayoutBatch
from backend.payouts.service import PayoutView

EXAMPLE_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
EXAMPLE_REF = "0x" + "ab" * 32


class PayoutOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "merchant": EXAMPLE_ADDRESS,
                    "merchant_name": "Bakkerij Zuid",
                    "amount": "25.00",
                    "euros": "25.00",
                    "ref": EXAMPLE_REF,
                    "tx_hash": "0x" + "12" * 32,
                    "log_index": 3,
                    "block_number": 1042,
                    "status": "exported",
                    "batch_id": 2,
                    "redemption_id": 5,
                    "reorged": False,
                    "redeemed_at": "2026-03-01T10:00:00Z",
                    "exported_at": "2026-03-02T09:00:00Z",
                    "paid_at": None,
                }
            ]
        }
    )

    id: int
    merchant: str
    merchant_name: str | None = Field(description="None when the redeeming address has no merchant record")
    amount: str = Field(description="coins redeemed (burned)")
    euros: str = Field(description="what the city pays: amount x EURO_PER_COIN")
    ref: str
    tx_hash: str
    log_index: int
    block_number: int
    status: Literal["due", "exported", "paid", "flagged"] = Field(
        description="due -> exported -> paid; flagged: a burn under one of our refs that disagrees with its "
        "redemption (see flag_reason), never exported"
    )
    flag_reason: str | None = None
    batch_id: int | None
    redemption_id: int | None = Field(
        description="the redemption this burn was matched to (merchant, ref and amount agree), if any"
    )
    reorged: bool = Field(
        description="the Redeemed event left the chain after this payout was exported: check it"
    )
    redeemed_at: datetime
    exported_at: datetime | None
    paid_at: datetime | None

    @classmethod
    def of(cls, view: PayoutView) -> PayoutOut:
        p = view.payout
        return cls(
            id=p.id,
            merchant=p.merchant,
            merchant_name=view.merchant_name,
            amount=format_amount(p.units),
            euros=format_amount(p.amount_cents),
            ref=p.ref,
            tx_hash=p.tx_hash,
            log_index=p.log_index,
            block_number=p.block_number,
            status=p.status,  # type: ignore[arg-type]
            flag_reason=p.flag_reason,
            batch_id=p.batch_id,  # type: ignore[arg-type]
            redemption_id=view.redemption_id,
            reorged=p.reorged_at is not None,
            redeemed_at=p.redeemed_at,
            exported_at=p.exported_at,
            paid_at=p.paid_at,
        )


class BatchOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "message_id": "HEITJE-20260302090000-7",
                    "payout_count": 3,
                    "euros": "62.50",
                    "created_by": EXAMPLE_ADDRESS,
                    "created_at": "2026-03-02T09:00:00Z",
                    "paid_at": None,
                    "download": "/api/v1/payouts/batches/2/sepa",
                }
            ]
        }
    )

    id: int
    message_id: str
    payout_count: int
    euros: str
    created_by: str
    created_at: datetime
    paid_at: datetime | None
    download: str

    @classmethod
    def of(cls, batch: PayoutBatch) -> BatchOut:
        return cls(
            id=batch.id,
            message_id=batch.message_id,
            payout_count=batch.payout_count,
            euros=format_amount(batch.total_cents),
            created_by=batch.created_by,
            created_at=batch.created_at,
            paid_at=batch.paid_at,
            download=f"/api/v1/payouts/batches/{batch.id}/sepa",
        )
