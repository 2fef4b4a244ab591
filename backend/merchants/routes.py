"""HTTP routes of the merchant registry: POST /merchants (operator), deactivation, GET /merchants (public)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from backend import paging
from backend.amounts import Address
from backend.auth.deps import CurrentOperator
from backend.deps import SessionDep
from backend.merchants import service
from backend.merchants.models import Merchant

router = APIRouter(prefix="/merchants", tags=["merchants"])

EXAMPLE_ADDRESS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
CHAIN_STATUS_HELP = (
    "the on-chain setMerchant for the current `active` value: pending (queued for the sender), "
    "sent, confirmed, failed (see chain_error)"
)


class MerchantIn(BaseModel):
    address: Address
    name: str = Field(min_length=1, max_length=200, examples=["Bakkerij Pelzer"])
    iban: str = Field(min_length=5, max_length=42, examples=["NL91ABNA0417164300"])


class PublicMerchant(BaseModel):
    """What anyone may see: where the coin is accepted. Never an IBAN."""

    address: str = Field(examples=[EXAMPLE_ADDRESS])
    name: str = Field(examples=["Bakkerij Pelzer"])
    accepting_payments: bool = Field(
        examples=[True],
        description="registered on chain (a just-added shop is listed before its registration is mined)",
    )


class MerchantOut(BaseModel):
    """The registry entry, for operators."""

    address: str = Field(examples=[EXAMPLE_ADDRESS])
    name: str = Field(examples=["Bakkerij Pelzer"])
    iban: str = Field(examples=["NL91ABNA0417164300"])
    active: bool = Field(examples=[True])
    chain_status: str = Field(examples=["pending"], description=CHAIN_STATUS_HELP)
    chain_tx_hash: str | None = Field(None, examples=[None])
    chain_error: str | None = Field(None, examples=[None])
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, merchant: Merchant) -> MerchantOut:
        return cls.model_validate(merchant, from_attributes=True)


@router.post(
    "",
    summary="Register a merchant (operator); setMerchant is queued for the sender",
    response_model=MerchantOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "`merchant_exists`"},
        422: {"description": "`invalid_iban`, `validation_error`"},
    },
)
def add_merchant(body: MerchantIn, session: SessionDep, operator: CurrentOperator) -> MerchantOut:
    merchant = service.register(
        session, address=body.address, name=body.name, iban=body.iban, operator=operator.address
    )
    return MerchantOut.of(merchant)


@router.get("", summary="Where to spend: the active merchants (public)", response_model=list[PublicMerchant])
def list_merchants(session: SessionDep) -> list[PublicMerchant]:
    return [
        PublicMerchant(address=m.address, name=m.name, accepting_payments=service.accepts_payments(m))
        for m in service.list_active(session)
    ]


@router.get(
    "/registry",
    summary="The whole registry with IBANs and chain state (operator)",
    response_model=list[MerchantOut],
)
def list_registry(
    session: SessionDep,
    _: CurrentOperator,
    request: Request,
    response: Response,
    limit: paging.Limit = paging.DEFAULT_LIMIT,
    cursor: paging.Cursor = None,
) -> list[MerchantOut]:
    page = service.list_all(session, limit=limit, cursor=cursor)
    paging.send_next(response, request, page.next)
    return [MerchantOut.of(m) for m in page.items]


@router.get(
    "/{address}",
    summary="One registry entry (operator)",
    response_model=MerchantOut,
    responses={404: {"description": "`not_found`"}},
)
def get_merchant(address: Address, session: SessionDep, _: CurrentOperator) -> MerchantOut:
    return MerchantOut.of(service.get(session, address))


@router.post(
    "/{address}/deactivate",
    summary="Deactivate a merchant (operator); setMerchant(false) is queued for the sender",
    response_model=MerchantOut,
    responses={404: {"description": "`not_found`"}},
)
def deactivate_merchant(address: Address, session: SessionDep, operator: CurrentOperator) -> MerchantOut:
    return MerchantOut.of(service.deactivate(session, address, operator=operator.address))


@router.delete(
    "/{address}",
    summary="Deactivate a merchant (operator); same as POST /merchants/{address}/deactivate",
    response_model=MerchantOut,
    responses={404: {"description": "`not_found`"}},
)
def delete_merchant(address: Address, session: SessionDep, operator: CurrentOperator) -> MerchantOut:
    return MerchantOut.of(service.deactivate(session, address, operator=operator.address))
