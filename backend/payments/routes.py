"""HTTP routes of payments: relay a signed transferWithAuthorization, the typed data to sign, the
till's QR payload (docs/qr-payload.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from backend import paging
from backend.amounts import Address, AmountUnits, format_amount
from backend.auth.deps import CurrentUser, SignedInAddress
from backend.deps import RuntimeDep, SessionDep
from backend.payment_requests import service as payment_requests
from backend.payments import service
from backend.payments.authorization import parse_signature
from backend.payments.models import Payment
from backend.relaying import policy as relay_policy

router = APIRouter(prefix="/payments", tags=["payments"])

CITIZEN = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SHOP = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
NONCE = "0x" + "3f" * 32
TX = "0x" + "ab" * 32
HEX32 = r"^0x[0-9a-fA-F]{64}$"

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "`unauthorized`: relaying needs the payer signed in (checked before the body is read)"},
    403: {"description": "`not_the_payer`: signed in as someone other than `from` (operators included)"},
    404: {"description": "`not_found`: the `request_id` names no payment request"},
    409: {
        "description": "`authorization_used` (nonce spent by another transaction), "
        "`authorization_cancelled`, "
        "`coin_paused`, `payment_request_paid` (the request has its payment), `payment_request_expired`"
    },
    422: {
        "description": "`bad_signature`, `receiver_not_allowed`, `insufficient_balance`, "
        "`authorization_expired`, `authorization_not_yet_valid`, `relay_refused`, `payment_request_mismatch`, "
        "`amount_too_small` (below MIN_RELAY_AMOUNT), `validation_error`"
    },
    429: {
        "description": "`rate_limited` (the `relays` limit of this client or account) or `gas_budget_exhausted` "
        "(the payer's or the day's relayer gas is spent; `details.budget` says which): see Retry-After"
    },
    503: {"description": "`chain_unavailable`: the node is down; nothing was sent, retry with the same body"},
}

QR_DESCRIPTION = """
The shop's checkout request, shown as a QR code at the till. See docs/qr-payload.md.

* `uri` is an [EIP-681](https://eips.ethereum.org/EIPS/eip-681) ERC-20 transfer request:
  `ethereum:<coin>@<chainId>/transfer?address=<merchant>&uint256=<units>` (units: 1 coin = 100).
  Encode **this** in the QR code: any wallet can read it.
* `payload` is Heitje's JSON for the same request (`type` "heitje-payment", version 1, chain id, coin,
  merchant and its name, `amount` as "12.50", the till's `order` reference, and the two URLs a Heitje
  wallet uses to pay without gas: `typed_data_url` then `relay_url`).

A Heitje wallet that scans a `uri` naming its own coin and chain pays gaslessly: it asks
`POST /payments/typed-data {"from": <self>, "to": address, "amount": uint256/100}`, signs the
returned `typed_data` (eth_signTypedData_v4) and posts the signature to `POST /payments`.
"""


class TransferIn(BaseModel):
    """A signed EIP-3009 transferWithAuthorization. Give `signature` (65 bytes) or `v`, `r`, `s`."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Address = Field(alias="from", examples=[CITIZEN])
    to: Address = Field(examples=[SHOP])
    value: int = Field(ge=1, le=10**30, description="units (1 coin = 100 units), as signed", examples=[1250])
    validAfter: int = Field(ge=0, examples=[0])
    validBefore: int = Field(ge=0, examples=[1767225600])
    nonce: str = Field(pattern=HEX32, examples=[NONCE])
    signature: str | None = Field(None, pattern=r"^0x[0-9a-fA-F]{130}$", examples=["0x" + "cd" * 65])
    v: int | None = Field(None, ge=0, le=28)
    r: str | None = Field(None, pattern=HEX32)
    s: str | None = Field(None, pattern=HEX32)
    request_id: str | None = Field(
        None, max_length=32, description="the payment request this pays (POST /payment-requests): relayed at most once"
    )


class PaymentOut(BaseModel):
    id: int = Field(examples=[1])
    tx_hash: str | None = Field(examples=[TX])
    status: str = Field(
        examples=["sent"],
        description="sent (relayed) -> confirmed (its authorization was used on chain, by anyone's "
        "transaction) | failed (it can no longer be used: cancelled, or expired unused)",
    )
    from_: str = Field(serialization_alias="from", examples=[CITIZEN])
    to: str = Field(examples=[SHOP])
    amount: str = Field(examples=["12.50"])
    nonce: str = Field(examples=[NONCE])
    block_number: int | None = Field(None, examples=[None])
    created_at: datetime | None = Field(None, examples=["2026-11-28T10:15:00Z"])

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls(
            id=payment.id,
            tx_hash=payment.tx_hash,
            status=payment.status,
            from_=payment.from_address,
            to=payment.to_address,
            amount=format_amount(payment.value),
            nonce=payment.nonce,
            block_number=payment.block_number,
            created_at=payment.created_at,
        )


class TypedDataIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: Address = Field(alias="from", examples=[CITIZEN])
    to: Address = Field(examples=[SHOP])
    amount: AmountUnits
    valid_seconds: int = Field(service.DEFAULT_VALID_SECONDS, ge=60, le=7 * 24 * 3600, examples=[900])


class TypedDataOut(BaseModel):
    typed_data: dict[str, Any] = Field(
        description="sign with eth_signTypedData_v4, then POST /payments with "
        "the message's fields and the signature"
    )
    nonce: str = Field(examples=[NONCE])
    validAfter: int = Field(examples=[0])
    validBefore: int = Field(examples=[1767225600])


class CheckoutIn(BaseModel):
    merchant: Address = Field(examples=[SHOP])
    amount: AmountUnits
    order: str | None = Field(None, max_length=64, examples=["till-3/0042"])


class CheckoutOut(BaseModel):
    uri: str = Field(
        examples=[
            f"ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address={SHOP}&uint256=1250"
        ]
    )
    payload: dict[str, Any]


@router.post(
    "",
    summary="Relay my signed transferWithAuthorization (signed in as the payer; no gas needed)",
    response_model=PaymentOut,
    response_model_by_alias=True,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "this (from, nonce) was relayed before: the same payment"}, **REFUSALS},
)
def relay_payment(
    body: TransferIn, runtime: RuntimeDep, session: SessionDep, response: Response, signed_in: SignedInAddress
) -> PaymentOut:
    relay_policy.check_relay(runtime.settings, signed_in=signed_in, payer=body.from_, units=body.value)
    signature = parse_signature(body.signature, body.v, body.r, body.s)
    transfer = service.SignedTransfer(
        from_=body.from_,
        to=body.to,
        value=body.value,
        valid_after=body.validAfter,
        valid_before=body.validBefore,
        nonce=body.nonce.lower(),
        signature=signature,
    )
    if body.request_id is not None:  # issue 12: at most one payment per request
        relayed = payment_requests.pay(runtime, session, body.request_id, transfer)
    else:
        relayed = service.submit(runtime, session, transfer)
    if not relayed.created:
        response.status_code = status.HTTP_200_OK
    return PaymentOut.of(relayed.payment)


@router.post(
    "/typed-data",
    summary="The EIP-712 typed data a wallet signs to pay (fresh nonce and window)",
    response_model=TypedDataOut,
)
def payment_typed_data(body: TypedDataIn, runtime: RuntimeDep) -> TypedDataOut:
    offer = service.typed_data_for(
        runtime, from_=body.from_, to=body.to, value=body.amount, valid_seconds=body.valid_seconds
    )
    return TypedDataOut(
        typed_data=offer.typed_data,
        nonce=offer.nonce,
        validAfter=offer.valid_after,
        validBefore=offer.valid_before,
    )


@router.post(
    "/checkout",
    summary="The till's payment request for a QR code (EIP-681 URI and Heitje JSON)",
    description=QR_DESCRIPTION,
    response_model=CheckoutOut,
    responses={404: {"description": "`not_found`: no active merchant at that address"}},
)
def payment_checkout(body: CheckoutIn, runtime: RuntimeDep, session: SessionDep) -> CheckoutOut:
    request = service.checkout(runtime, session, merchant=body.merchant, value=body.amount, order=body.order)
    return CheckoutOut(uri=request.uri, payload=request.payload)


@router.get(
    "",
    summary="Payments I made or received (operators: anyone's), newest first",
    response_model=list[PaymentOut],
    response_model_by_alias=True,
    responses={401: {"description": "not signed in"}, 403: {"description": "another account's payments"}},
)
def list_payments(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    to: Annotated[Address | None, Query(description="receiver (a shop's till)", examples=[SHOP])] = None,
    from_: Annotated[Address | None, Query(alias="from", description="payer", examples=[CITIZEN])] = None,
    since: Annotated[datetime | None, Query(description="relayed at or after this time")] = None,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[PaymentOut]:
    page = service.list_payments(
        session,
        viewer=user.address,
        is_operator=user.has("operator"),
        to=to,
        from_=from_,
        since=since,
        limit=limit,
        cursor=cursor,
    )
    paging.send_next(response, request, page.next)
    return [PaymentOut.of(p) for p in page.items]


class PayeeOut(BaseModel):
    address: str = Field(examples=[SHOP])
    name: str | None = Field(examples=["Bakkerij Pelzer"])
    can_pay: bool = Field(examples=[True])
    reason: str = Field(
        examples=["merchant"],
        description="merchant | open_transfers (person-to-person transfers are open) | "
        "merchant_not_ready (registered; its on-chain registration is not confirmed yet) | not_a_merchant",
    )


@router.get(
    "/payees/{address}",
    summary="Whether an address can be paid now, and why (the web app asks instead of deciding)",
    response_model=PayeeOut,
    responses={503: {"description": "`chain_unavailable`"}},
)
def get_payee(address: Address, runtime: RuntimeDep, session: SessionDep) -> PayeeOut:
    found = service.payee(runtime.chain, session, address)
    return PayeeOut(address=found.address, name=found.name, can_pay=found.can_pay, reason=found.reason)


@router.get(
    "/{tx_hash}",
    summary="A relayed payment and its state as the indexer recorded it (reads only)",
    response_model=PaymentOut,
    response_model_by_alias=True,
    responses={404: {"description": "`not_found`"}},
)
def get_payment(tx_hash: str, session: SessionDep) -> PaymentOut:
    return PaymentOut.of(service.get_by_tx(session, tx_hash))
