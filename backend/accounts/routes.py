"""HTTP routes of the accounts domain: any address's balance (from the chain) and history."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.accounts import service
from backend.amounts import AddressError, format_amount, parse_address
from backend.deps import ChainDep, SessionDep
from backend.errors import ValidationFailed
from backend.merchants import service as merchants

router = APIRouter(prefix="/accounts", tags=["accounts"])


class HistoryOut(BaseModel):
    kind: str = Field(description="reward | payment_sent | payment_received | redeemed", examples=["reward"])
    amount: str = Field(examples=["15.00"])
    status: str = Field(description="rewards: pending | sent | confirmed | failed; the rest: confirmed")
    tx_hash: str | None
    at: datetime
    claim_id: int | None = None
    task_id: int | None = None
    task_title: str | None = None
    counterparty: str | None = Field(None, description="the other side of a payment")


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "balance": "27.00",
                    "is_merchant": False,
                    "history": [
                        {
                            "kind": "reward",
                            "claim_id": 7,
                            "task_id": 1,
                            "task_title": "Paint the bench",
                            "amount": "15.00",
                            "status": "confirmed",
                            "tx_hash": "0x5c50...",
                            "at": "2025-05-02T08:00:01Z",
                        }
                    ],
                }
            ]
        }
    )

    address: str
    balance: str
    is_merchant: bool
    history: list[HistoryOut]


@router.get(
    "/{address}",
    response_model=AccountOut,
    summary="Balance (on chain) and history (rewards, payments, redemptions) of an address",
    responses={422: {"description": "not an address"}, 503: {"description": "the chain is unreachable"}},
)
def get_account(address: str, session: SessionDep, chain: ChainDep) -> AccountOut:
    try:
        checksummed = parse_address(address)
    except AddressError as exc:
        raise ValidationFailed(str(exc), field="address") from exc
    history = [
        HistoryOut(
            kind=h.kind,
            claim_id=h.claim_id,
            task_id=h.task_id,
            task_title=h.task_title,
            amount=format_amount(h.amount_units),
            status=h.status,
            tx_hash=h.tx_hash,
            at=h.at,
            counterparty=h.counterparty,
        )
        for h in service.history(session, checksummed)
    ]
    return AccountOut(
        address=checksummed,
        balance=format_amount(chain.balance_of(checksummed)),
        is_merchant=merchants.is_merchant(session, checksummed, chain=chain),
        history=history,
    )
