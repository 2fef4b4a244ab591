"""HTTP routes of the accounts domain: any address's balance (from the indexed chain plus what is on its
way: no node is asked); its history only for its owner and operators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from backend import paging
from backend.accounts import balances, service
from backend.amounts import AddressError, format_amount, parse_address
from backend.auth.deps import User, bearer, current_user
from backend.db import utcnow
from backend.deps import RuntimeDep, SessionDep
from backend.errors import ValidationFailed

router = APIRouter(prefix="/accounts", tags=["accounts"])


class HistoryOut(BaseModel):
    kind: str = Field(description="reward | payment_sent | payment_received | redeemed", examples=["reward"])
    amount: str = Field(examples=["15.00"])
    status: str = Field(description="rewards: pending | sent | confirmed | flagged | failed; the rest: confirmed")
    tx_hash: str | None
    at: datetime
    claim_id: int | None = None
    task_id: int | None = None
    task_title: str | None = None
    counterparty: str | None = Field(None, description="the other side of a payment")
    counterparty_name: str | None = Field(
        None, description="the shop's name when the other side is a registered merchant", examples=["Bakkerij Jansen"]
    )


class AccountOut(BaseModel):
    """What anyone may see of an address. `balance` is what it holds once what is on its way has landed:
    `confirmed_balance` (the chain's, `block` deep as the indexer has read it) plus `pending_incoming`
    (rewards sent and payments relayed to it, not yet indexed) minus `pending_outgoing` (its payments
    and redemptions relayed, not yet indexed)."""

    address: str
    balance: str
    is_merchant: bool
    confirmed_balance: str = Field(examples=["12.00"])
    pending_incoming: str = Field(examples=["15.00"])
    pending_outgoing: str = Field(examples=["0.00"])
    block: int | None = Field(
        description="the block the confirmed balance and `is_merchant` are true at (the indexer's checkpoint)"
    )


class AccountWithHistoryOut(AccountOut):
    """What its owner and operators see: the public part plus the history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "balance": "27.00",
                    "is_merchant": False,
                    "confirmed_balance": "12.00",
                    "pending_incoming": "15.00",
                    "pending_outgoing": "0.00",
                    "block": 1234,
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

    history: list[HistoryOut]


def optional_viewer(
    runtime: RuntimeDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    """The signed-in user, or None without a token (a bad token is still 401: never silently a stranger)."""
    if credentials is None:
        return None
    return current_user(runtime, session, credentials)


def may_see_history(viewer: User | None, address: str) -> bool:
    return viewer is not None and (viewer.address == address or viewer.has("operator"))


PRIVATE = "private, no-cache"  # a balance changes with every payment; a history is personal


@router.get(
    "/{address}",
    response_model=AccountWithHistoryOut | AccountOut,
    summary="Balance of an address (confirmed on chain, and what is on its way); its history (rewards, "
    "payments, redemptions) for its owner and operators",
    description="Anyone gets `address`, `balance`, `is_merchant` and the parts of the balance. The `history` "
    "is only in the answer when the caller is signed in as the address itself or as an operator. Read from "
    "the database alone: no chain call.",
    responses={
        401: {"description": "a token was sent and is invalid or expired (`unauthorized`)"},
        422: {"description": "not an address"},
    },
)
def get_account(
    address: str,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Annotated[User | None, Depends(optional_viewer)],
    request: Request,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> Response:
    try:
        checksummed = parse_address(address)
    except AddressError as exc:
        raise ValidationFailed(str(exc), field="address") from exc
    state = balances.standing(session, checksummed, contract=runtime.deployment.address, year=utcnow().year)
    public = AccountOut(
        address=checksummed,
        balance=format_amount(state.balance),
        is_merchant=state.is_merchant,
        confirmed_balance=format_amount(state.confirmed),
        pending_incoming=format_amount(state.pending_in),
        pending_outgoing=format_amount(state.pending_out),
        block=state.block,
    )
    headers = {"Cache-Control": PRIVATE, "Vary": "Authorization"}
    if not may_see_history(viewer, checksummed):
        return Response(public.model_dump_json(), media_type="application/json", headers=headers)
    page = service.history(session, checksummed, limit=limit, cursor=cursor)  # the history is paged
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
            counterparty_name=h.counterparty_name,
        )
        for h in page.items
    ]
    body = AccountWithHistoryOut(**public.model_dump(), history=history).model_dump_json()
    response = Response(body, media_type="application/json", headers=headers)
    paging.send_next(response, request, page.next)
    return response
