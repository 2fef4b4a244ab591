"""HTTP routes of payment requests: the till creates one (merchant), anyone holding its link reads it
and gets the typed data to pay it; the payment itself goes to POST /payments with `request_id`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from backend.amounts import Address, AmountUnits, format_amount
from backend.auth.deps import CurrentMerchant
from backend.deps import RuntimeDep, SessionDep
from backend.payment_requests import service
from backend.payment_requests.service import RequestView

router = APIRouter(prefix="/payment-requests", tags=["payment_requests"])

SHOP = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
CITIZEN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TX = "0x" + "ab" * 32


class RequestIn(BaseModel):
    amount: AmountUnits
    order: str | None = Field(None, max_length=64, examples=["till-3/0042"])
    expires_in: int = Field(service.DEFAULT_EXPIRES_IN, ge=60, le=24 * 3600, description="seconds", examples=[900])


class RequestPaymentOut(BaseModel):
    tx_hash: str | None = Field(examples=[TX])
    status: str = Field(examples=["confirmed"], description="sent -> confirmed | failed")
    amount: str = Field(examples=["3.00"])
    created_at: datetime | None = None


class RequestOut(BaseModel):
    id: str = Field(examples=["q3Jx0b2mT1c9ZkVw"])
    amount: str = Field(examples=["3.00"])
    order: str | None = Field(examples=["till-3/0042"])
    status: str = Field(
        examples=["open"],
        description="open | paying (relayed, not yet in a block) | paid (in a block: the till may hand over "
        "the goods) | expired | failed (the payment can no longer happen)",
    )
    confirmed: bool = Field(
        False,
        description="the payment is CONFIRMATIONS blocks deep and counted in the shop's takings and payouts "
        "(paid comes first, at inclusion)",
    )
    expires_at: datetime
    url: str = Field(description="the https link into the app; encode this in the QR code")
    merchant: str = Field(examples=[SHOP])
    merchant_name: str | None = Field(examples=["Bakkerij Jansen"])
    nonce: str = Field(description="the EIP-3009 nonce every authorization for this request carries")
    payment: RequestPaymentOut | None = None

    @classmethod
    def of(cls, view: RequestView) -> RequestOut:
        request, payment = view.request, view.payment
        return cls(
            id=request.id,
            amount=format_amount(request.amount),
            order=request.order_ref,
            status=view.status,
            confirmed=view.confirmed,
            expires_at=request.expires_at,
            url=view.url,
            merchant=request.merchant,
            merchant_name=view.merchant_name,
            nonce=request.nonce,
            payment=None
            if payment is None
            else RequestPaymentOut(
                tx_hash=payment.tx_hash,
                status=payment.status,
                amount=format_amount(payment.value),
                created_at=payment.created_at,
            ),
        )


class TypedDataIn(BaseModel):
    model_config = {"populate_by_name": True}

    from_: Address = Field(alias="from", examples=[CITIZEN])


class TypedDataOut(BaseModel):
    typed_data: dict[str, Any] = Field(
        description="sign with eth_signTypedData_v4, then POST /payments with the message's fields, "
        "the signature and `request_id`"
    )


@router.post(
    "",
    summary="A payment request for the till's QR code (merchant)",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    responses={404: {"description": "`not_found`: this account is no active registered shop"}},
)
def create_request(body: RequestIn, user: CurrentMerchant, runtime: RuntimeDep, session: SessionDep) -> RequestOut:
    view = service.create(
        runtime, session, merchant=user.address, amount=body.amount, order=body.order, expires_in=body.expires_in
    )
    return RequestOut.of(view)


@router.get(
    "/{request_id}",
    summary="A payment request and, once paid, its payment (anyone holding the link)",
    response_model=RequestOut,
    responses={404: {"description": "`not_found`"}},
)
def get_request(request_id: str, runtime: RuntimeDep, session: SessionDep) -> RequestOut:
    return RequestOut.of(service.get(runtime, session, request_id))


@router.post(
    "/{request_id}/typed-data",
    summary="The EIP-712 typed data that pays this request (its own nonce, valid until it expires)",
    response_model=TypedDataOut,
    responses={
        404: {"description": "`not_found`"},
        409: {"description": "`payment_request_paid`, `payment_request_expired`"},
    },
)
def request_typed_data(request_id: str, body: TypedDataIn, runtime: RuntimeDep, session: SessionDep) -> TypedDataOut:
    return TypedDataOut(typed_data=service.typed_data_for(runtime, session, request_id, payer=body.from_))
