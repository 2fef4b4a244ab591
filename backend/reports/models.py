"""Running totals of the reports: one row per city, month and district, kept up to date where the facts
enter (the indexer's handlers, approvals, payouts marked paid) so that the summary reads a few rows
instead of everything ever stored (see backend.reports.totals)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class ReportTotal(Base):
    """A month's figures for one district of one city; district "all" holds the whole city's (the
    figures without a district, coins paid to merchants, redeemed and euros paid, live only there).
    Amounts are integer units (coins) and cents (euros). `closed`: the month is over and its row no
    longer changes, except through `heitje reports rebuild`."""

    __tablename__ = "report_totals"

    city: Mapped[str] = mapped_column(String(100), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM (UTC)
    district: Mapped[str] = mapped_column(String(200), primary_key=True)
    tasks_done: Mapped[int] = mapped_column(BigInteger, default=0)
    minutes_worked: Mapped[int] = mapped_column(BigInteger, default=0)
    coins_rewarded: Mapped[int] = mapped_column(BigInteger, default=0)
    coins_paid_to_merchants: Mapped[int] = mapped_column(BigInteger, default=0)
    coins_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    euros_paid_out: Mapped[int] = mapped_column(BigInteger, default=0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
