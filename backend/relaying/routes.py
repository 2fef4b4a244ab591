"""GET /relayer (operators): the relayer's balance, today's gas against the budgets, relays left."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.auth.deps import CurrentOperator
from backend.deps import RuntimeDep, SessionDep
from backend.relaying import policy

router = APIRouter(prefix="/relayer", tags=["relayer"])


class TodayOut(BaseModel):
    day: date = Field(description="the city's calendar day (CAP_TIMEZONE); the budgets start again at its end")
    relays: int = Field(examples=[412])
    gas: int = Field(examples=[31_540_000], description="the gas estimates today's relays were sent with")
    gas_budget: int = Field(examples=[250_000_000], description="RELAY_GAS_PER_DAY")
    gas_per_payer: int = Field(examples=[2_500_000], description="RELAY_GAS_PER_PAYER_DAY")
    relays_left_in_budget: int = Field(examples=[1579], description="at about 75,000 gas a relay")


class RelayerOut(BaseModel):
    address: str = Field(examples=["0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"])
    balance: str = Field(examples=["12.5"], description="of the chain's own currency (xDAI on Gnosis Chain, ETH)")
    gas_price_wei: int = Field(examples=[1_500_000_000])
    relays_left: int = Field(examples=[111_111], description="what the balance pays for at the current gas price")
    low: bool = Field(description="fewer relays left than RELAYER_LOW_BALANCE: top it up (/healthz warns too)")
    today: TodayOut


@router.get(
    "",
    summary="The relayer's balance, today's gas against the budgets, and relays left (operator)",
    response_model=RelayerOut,
    responses={503: {"description": "`chain_unavailable`"}},
)
def relayer_status(runtime: RuntimeDep, session: SessionDep, _: CurrentOperator) -> RelayerOut:
    settings = runtime.settings
    balance = policy.relayer_balance(runtime)
    used = policy.used_today(session, settings)
    return RelayerOut(
        address=balance.address,
        balance=balance.text,
        gas_price_wei=balance.wei_per_gas,
        relays_left=balance.relays_left,
        low=balance.low,
        today=TodayOut(
            day=used.day,
            relays=used.relays,
            gas=used.gas,
            gas_budget=settings.relay_gas_per_day,
            gas_per_payer=settings.relay_gas_per_payer_day,
            relays_left_in_budget=max(0, settings.relay_gas_per_day - used.gas) // policy.TYPICAL_RELAY_GAS,
        ),
    )
