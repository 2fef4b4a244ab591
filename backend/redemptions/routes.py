"""HTTP routes of redemptions: ask for a ref (merchant), relay a signed redeemWithAuthorization,
verify a burn, list redemptions (merchant: own; operator: all) with their payout state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from backend import paging
from backend.amounts import Address, AmountUnits, format_amount
from backend.auth.deps import CurrentMerchant, CurrentUser, SignedInAddress
from backend.deps import RuntimeDep, SessionDep
from backend.payments.authorization import parse_signature
from backend.redemptions import service
from backend.redemptions.models import Redemption
from backend.relaying import policy as relay_policy

router = APIRouter(prefix="/redemptions", tags=["redemptions"])

SHOP = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
REF = "0x" + "5e" * 32
TX = "0x" + "ab" * 32
HEX32 = r"^0x[0-9a-fA-F]{64}$"


class RedemptionIn(BaseModel):
    amount: AmountUnits


class RedemptionOut(BaseModel):
    id: int = Field(examples=[1])
    ref: str = Field(examples=[REF])
    merchant: str = Field(examples=[SHOP])
    amount: str = Field(examples=["250.00"])
    status: str = Field(
        examples=["requested"],
        description="one lifecycle with the payout: requested -> sent -> burned -> due -> exported -> paid "
        "(or failed / flagged); see the README",
    )
    tx_hash: str | None = Field(None, examples=[None])
    block_number: int | None = Field(None, examples=[None])
    reason: str | None = Field(None, examples=[None])
    payout_status: str | None = Field(
        None,
        examples=["due"],
        description="due | exported | paid: the payout of the matching burn (also shown as `status`); null before",
    )
    created_at: datetime
    verified_at: datetime | None = None

    @classmethod
    def of(cls, row: Redemption, payout_status: str | None = None) -> RedemptionOut:
        return cls(
            id=row.id,
            ref=row.ref,
            merchant=row.merchant,
            amount=format_amount(row.amount),
            status=service.lifecycle_status(row, payout_status),
            tx_hash=row.tx_hash,
            block_number=row.block_number,
            reason=row.reason,
            payout_status=payout_status,
            created_at=row.created_at,
            verified_at=row.verified_at,
        )


class OfferOut(RedemptionOut):
    typed_data: dict[str, Any] = Field(
        description="RedeemWithAuthorization to sign (eth_signTypedData_v4) and "
        "POST to /redemptions/relay; or call redeem(units, ref) from the wallet"
    )
    units: int = Field(examples=[25000])
    validAfter: int = Field(examples=[0])
    validBefore: int = Field(examples=[1767225600])
    nonce: str = Field(examples=["0x" + "3f" * 32])


class RelayIn(BaseModel):
    merchant: Address = Field(examples=[SHOP])
    amount: int = Field(ge=1, le=10**30, description="units, as signed", examples=[25000])
    ref: str = Field(pattern=HEX32, examples=[REF])
    validAfter: int = Field(ge=0, examples=[0])
    validBefore: int = Field(ge=0, examples=[1767225600])
    nonce: str = Field(pattern=HEX32, examples=["0x" + "3f" * 32])
    signature: str | None = Field(None, pattern=r"^0x[0-9a-fA-F]{130}$", examples=["0x" + "cd" * 65])
    v: int | None = Field(None, ge=0, le=28)
    r: str | None = Field(None, pattern=HEX32)
    s: str | None = Field(None, pattern=HEX32)


class VerifyIn(BaseModel):
    tx_hash: str = Field(pattern=HEX32, examples=[TX])


class VerdictOut(BaseModel):
    verdict: str = Field(examples=["verified"], description="verified | pending | rejected")
    reason: str = Field(
        examples=["ok"],
        description="ok, or the deciding check: tx_not_found, not_mined, reverted, "
        "wrong_contract, no_redeemed_log, merchant_not_registered, request_mismatch (the ref is a "
        "redemption of another merchant or amount), awaiting_confirmations. Verify only reads: the "
        "indexer records a confirmed burn",
    )
    tx_hash: str = Field(examples=[TX])
    checks: dict[str, bool] = Field(
        examples=[
            {
                "receipt_succeeded": True,
                "our_contract": True,
                "redeemed_log": True,
                "merchant_registered": True,
                "confirmed": True,
            }
        ]
    )
    merchant: str | None = Field(None, examples=[SHOP])
    amount: str | None = Field(None, examples=["250.00"])
    ref: str | None = Field(None, examples=[REF])
    block_number: int | None = Field(None, examples=[42])
    confirmations: int = Field(examples=[3])
    required_confirmations: int = Field(examples=[1])
    redemption: RedemptionOut | None = None


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "`unauthorized`: relaying needs the merchant signed in (checked before the body is read)"},
    403: {"description": "`not_the_payer`: signed in as someone other than `merchant` (operators included)"},
    404: {"description": "`not_found`: no redemption with that ref"},
    409: {
        "description": "`redemption_closed`, `authorization_used`, `authorization_cancelled`, `coin_paused`"
    },
    422: {
        "description": "`bad_signature`, `redemption_mismatch`, `not_merchant`, `insufficient_balance`, "
        "`authorization_expired`, `authorization_not_yet_valid`, `relay_refused`, "
        "`amount_too_small` (below MIN_RELAY_AMOUNT)"
    },
    429: {
        "description": "`rate_limited` (the `relays` limit of this client or account) or `gas_budget_exhausted` "
        "(the merchant's or the day's relayer gas is spent; `details.budget` says which): see Retry-After"
    },
    503: {"description": "`chain_unavailable`"},
}


@router.post(
    "",
    summary="Ask for a redemption ref and the typed data to sign (merchant)",
    response_model=OfferOut,
    status_code=status.HTTP_201_CREATED,
)
def request_redemption(
    body: RedemptionIn, runtime: RuntimeDep, session: SessionDep, merchant: CurrentMerchant
) -> OfferOut:
    offer = service.request(runtime, session, merchant=merchant.address, amount=body.amount)
    row = offer.redemption
    return OfferOut(
        **RedemptionOut.of(row).model_dump(),
        typed_data=offer.typed_data,
        units=row.amount,
        validAfter=row.valid_after,
        validBefore=row.valid_before,
        nonce=row.auth_nonce,
    )


@router.post(
    "/relay",
    summary="Relay my signed redeemWithAuthorization for an issued ref (signed in as the merchant; no gas needed)",
    response_model=RedemptionOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "relayed before: the same redemption"}, **REFUSALS},
)
def relay_redemption(
    body: RelayIn, runtime: RuntimeDep, session: SessionDep, response: Response, signed_in: SignedInAddress
) -> RedemptionOut:
    relay_policy.check_relay(runtime.settings, signed_in=signed_in, payer=body.merchant, units=body.amount)
    signature = parse_signature(body.signature, body.v, body.r, body.s)
    relayed = service.relay(
        runtime,
        session,
        service.SignedRedemption(
            merchant=body.merchant,
            amount=body.amount,
            ref=body.ref.lower(),
            valid_after=body.validAfter,
            valid_before=body.validBefore,
            nonce=body.nonce.lower(),
            signature=signature,
        ),
    )
    if not relayed.created:
        response.status_code = status.HTTP_200_OK
    return RedemptionOut.of(relayed.redemption)


@router.post("/verify", summary="Verify a burn transaction: verdict and reason", response_model=VerdictOut)
def verify_redemption(body: VerifyIn, runtime: RuntimeDep, session: SessionDep, _: CurrentUser) -> VerdictOut:
    v = service.verify(runtime, session, body.tx_hash.lower())
    return VerdictOut(
        verdict=v.verdict,
        reason=v.reason,
        tx_hash=v.tx_hash,
        checks=v.checks,
        merchant=v.merchant,
        amount=format_amount(v.amount) if v.amount is not None else None,
        ref=v.ref,
        block_number=v.block_number,
        confirmations=v.confirmations,
        required_confirmations=v.required_confirmations,
        redemption=RedemptionOut.of(v.redemption) if v.redemption is not None else None,
    )


@router.get(
    "",
    summary="Redemptions with their payout state, newest first (merchant: own; operator: all)",
    response_model=list[RedemptionOut],
)
def list_redemptions(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    response: Response,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[RedemptionOut]:
    if user.has("operator"):
        page = service.list_for(session, merchant=None, limit=limit, cursor=cursor)
    elif user.has("merchant"):
        page = service.list_for(session, merchant=user.address, limit=limit, cursor=cursor)
    else:
        from backend.errors import Forbidden

        raise Forbidden("merchant")
    paging.send_next(response, request, page.next)
    return [RedemptionOut.of(r, payout_status) for r, payout_status in page.items]
