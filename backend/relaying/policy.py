"""Who may have the relayer pay for their transaction, and how much of its gas (issue 11).

The relayer pays the gas of every relayed payment and redemption, so each relay is the city's money:
1. `check_relay` (the routes, before anything else): the signed-in user is the payer, or for a
   redemption the merchant who signed it, and the amount is at least MIN_RELAY_AMOUNT.
2. `reserve_gas` (the services, after the simulation and before the send): the simulated gas is added
   to today's row of the payer and today's total row; past RELAY_GAS_PER_PAYER_DAY or RELAY_GAS_PER_DAY
   it is taken back and the relay refused. The increments are in the request's transaction: a relay
   that fails later (and is rolled back) costs nothing of the budget.
3. `after_send` (the services, after the send): at most once a minute per process, a warning in the
   log when the relayer's balance pays for fewer than RELAYER_LOW_BALANCE relays.

The day is the city's calendar day (CAP_TIMEZONE, like the caps): the budgets start again at local
midnight, and an operator's "today" is the day they see. Rows older than a week are deleted. A row
names its payer by a keyed hash, not the address: the count needs no one's identity, and an erasure
(backend.privacy) need not reset a budget.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from backend.amounts import UNITS_PER_COIN, format_amount
from backend.db import upsert_insert
from backend.errors import AmountTooSmall, GasBudgetExhausted, NotThePayer
from backend.payments.authorization import relayer_for
from backend.relaying.models import TOTAL, RelayGas
from backend.runtime import Runtime
from backend.settings import Settings

log = logging.getLogger("heitje.relaying")

# What one relay costs, for estimates (a transferWithAuthorization to a shop that already holds coins
# takes about 60,000-80,000 gas; a first payment to a shop and a redemption somewhat more).
TYPICAL_RELAY_GAS = 75_000
WEI_PER_COIN = Decimal(10**18)
KEEP_DAYS = 7
LOW_BALANCE_CHECK_SECONDS = 60.0


# --- 1. before anything else: who and how much -------------------------------------------------


def check_relay(settings: Settings, *, signed_in: str, payer: str, units: int) -> None:
    """Refuses a relay asked for by anyone but the `payer` (NotThePayer; operators included), and an
    amount below MIN_RELAY_AMOUNT (AmountTooSmall)."""
    if signed_in.lower() != payer.lower():
        raise NotThePayer(payer)
    least = int(settings.min_relay_amount * UNITS_PER_COIN)
    if units < least:
        raise AmountTooSmall(format_amount(least))


# --- 2. before the send: the gas budgets -------------------------------------------------------


def today(settings: Settings) -> date:
    """The city's calendar day now (CAP_TIMEZONE)."""
    return datetime.now(ZoneInfo(settings.cap_timezone)).date()


def seconds_to_next_day(settings: Settings) -> int:
    """Seconds until midnight in the city's time zone (when the budgets start again)."""
    zone = ZoneInfo(settings.cap_timezone)
    now = datetime.now(zone)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    # In UTC: the difference of two times in one zone is their wall-clock difference, off by an hour
    # on the days the clocks change.
    return max(1, math.ceil((midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()))


def reserve_gas(runtime: Runtime, session: Session, *, payer: str, gas: int) -> None:
    """Counts `gas` against today's budget of `payer` and of the day, in `session`'s transaction, or
    raises GasBudgetExhausted (having counted nothing) when either would go past its budget."""
    settings = runtime.settings
    day = today(settings)
    with session.begin_nested():  # a refusal takes its own increments back
        # The total row first, then the payer's: every relay locks them in this order, and both before
        # the relayer's nonce row (backend.chain.relayer). A batch of the relaying task
        # (backend.chain.relay_pipeline) takes the total row with its first relay, then the payers' rows
        # in the order of their addresses, so two batches or relays never wait on each other in a circle.
        total_gas = _add(session, day, TOTAL, gas)
        payer_gas = _add(session, day, payer_key(settings, payer), gas)
        if payer_gas > settings.relay_gas_per_payer_day:
            raise GasBudgetExhausted("payer", seconds_to_next_day(settings))
        if total_gas > settings.relay_gas_per_day:
            raise GasBudgetExhausted("total", seconds_to_next_day(settings))
    if total_gas == gas:  # the day's first relay: forget the gas of days long gone
        session.execute(delete(RelayGas).where(RelayGas.day < day - timedelta(days=KEEP_DAYS)))


def give_back_gas(runtime: Runtime, session: Session, *, payer: str, gas: int) -> None:
    """Takes back what `reserve_gas` counted for a relay the node refused (nothing was sent), in the
    same transaction that counted it."""
    settings = runtime.settings
    day = today(settings)
    for who in (TOTAL, payer_key(settings, payer)):
        session.execute(
            update(RelayGas)
            .where(RelayGas.day == day, RelayGas.payer == who)
            .values(gas=RelayGas.gas - gas, relays=RelayGas.relays - 1)
        )


def payer_key(settings: Settings, payer: str) -> str:
    """How the `relay_gas` table names a payer: a keyed hash of the address (40 hex digits)."""
    digest = hmac.new(settings.secret_key.encode(), b"relay-gas:" + payer.lower().encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def _add(session: Session, day: date, payer: str, gas: int) -> int:
    """One atomic upsert (as backend.http.limits.CounterStore): the row's gas after adding `gas`."""
    connection = session.connection()  # Core: the ORM's statement handling cost more than the upsert
    params = {"day": day, "payer": payer, "gas": gas}
    return int(connection.execute(_upsert(connection.dialect.name), params).scalar_one())


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Any:
    """`_add`'s statement, built once per database kind (built per call it cost more than it ran)."""
    gas: Any = bindparam("gas")
    return (
        upsert_insert(dialect)(RelayGas)
        .values(day=bindparam("day"), payer=bindparam("payer"), gas=gas, relays=1)
        .on_conflict_do_update(
            index_elements=[RelayGas.day, RelayGas.payer],
            set_={"gas": RelayGas.gas + gas, "relays": RelayGas.relays + 1},
        )
        .returning(RelayGas.gas)
    )


# --- 3. after the send: is the relayer running dry? ----------------------------------------------


@dataclass(frozen=True)
class Balance:
    address: str
    wei: int
    wei_per_gas: int
    relays_left: int  # at the current gas price, TYPICAL_RELAY_GAS each
    low: bool  # fewer than RELAYER_LOW_BALANCE relays left

    @property
    def coins(self) -> Decimal:
        return Decimal(self.wei) / WEI_PER_COIN

    @property
    def text(self) -> str:
        """The balance as a plain decimal string ("12.5", never "1E+1")."""
        return format(self.coins.normalize(), "f")


def relayer_balance(runtime: Runtime) -> Balance:
    """The relayer's balance of the chain's own currency and how many relays it pays for. Raises
    ChainUnavailable when the node does not answer."""
    address = relayer_for(runtime).address
    wei, price = runtime.chain.native_balance(address), max(1, runtime.chain.gas_price())
    left = wei // (price * TYPICAL_RELAY_GAS)
    return Balance(address=address, wei=wei, wei_per_gas=price, relays_left=left, low=is_low(runtime.settings, left))


def is_low(settings: Settings, relays_left: int) -> bool:
    return relays_left < settings.relayer_low_balance


def warn_if_low(balance: Balance) -> None:
    if balance.low:
        log.warning(
            "the relayer %s is running low: %s left, enough for about %d relays; top it up",
            balance.address, balance.text, balance.relays_left,
        )


def after_send(runtime: Runtime) -> None:
    """After a relay was sent: warns in the log (at most once a minute per process) when the relayer
    is running low. Never raises: the relay has been broadcast and must be recorded."""
    now = time.monotonic()
    if now < runtime.__dict__.get("_heitje_relayer_checked", 0.0):
        return
    runtime.__dict__["_heitje_relayer_checked"] = now + LOW_BALANCE_CHECK_SECONDS
    try:
        warn_if_low(relayer_balance(runtime))
    except Exception as exc:  # noqa: BLE001 - a failed look-up must not undo a sent relay
        log.info("could not read the relayer's balance after a relay: %s", exc)


# --- the operator's view -----------------------------------------------------------------------


@dataclass(frozen=True)
class Today:
    day: date
    gas: int
    relays: int


def used_today(session: Session, settings: Settings) -> Today:
    """Today's relays and their gas, all payers together (reads only)."""
    day = today(settings)
    row = session.execute(
        select(RelayGas.gas, RelayGas.relays).where(RelayGas.day == day, RelayGas.payer == TOTAL)
    ).one_or_none()
    return Today(day=day, gas=int(row.gas) if row else 0, relays=int(row.relays) if row else 0)
