"""The relayer's gas, one row per (day, payer) and a total row per day: what the daily budgets count."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base

# The `payer` of the row that counts every relay of the day.
TOTAL = "*"


class RelayGas(Base):
    __tablename__ = "relay_gas"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # in the city's time zone (CAP_TIMEZONE)
    payer: Mapped[str] = mapped_column(String(42), primary_key=True)  # policy.payer_key(address), or TOTAL
    gas: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the estimates the relays were sent with
    relays: Mapped[int] = mapped_column(Integer, nullable=False)
