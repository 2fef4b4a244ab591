"""Figures for the city: by month and district, from the indexed chain events and the task records.

Months are calendar months in UTC. A month's row with district "all" holds every figure for the
city; the per-district rows hold what can be attributed to a district (tasks done, minutes worked
and coins rewarded, through the claim -> task link); coins paid to merchants, coins redeemed and
euros paid out have no district (merchants are not tied to one) and are None there.

- tasks_done / minutes_worked: approved claims by the month of approval (minutes from the task)
- coins_rewarded: `Rewarded` events by the month of their block
- coins_paid_to_merchants: `Transfer` events from a holder (not a mint) to a merchant (an address
  in the merchant registry, or ever accepted by a `MerchantSet` event)
- coins_redeemed: `Redeemed` events; euros_paid_out: payouts marked paid, by the month paid
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.amounts import format_amount
from backend.chain.events import ZERO_ADDRESS
from backend.errors import MonthRangeReversed
from backend.indexer.models import MERCHANT_SET, REDEEMED, REWARDED, TRANSFER, ChainEvent, IndexerCheckpoint
from backend.merchants.models import Merchant
from backend.reports import totals
from backend.reports.csv_cells import SafeDictWriter, SafeWriter
from backend.reports.models import ReportTotal
from backend.rewards.installation import read_claim_ids

ALL = totals.ALL
UNKNOWN_DISTRICT = totals.UNKNOWN_DISTRICT
CSV_COLUMNS = (
    "city",
    "month",
    "district",
    "tasks_done",
    "minutes_worked",
    "coins_rewarded",
    "coins_paid_to_merchants",
    "coins_redeemed",
    "euros_paid_out",
)


@dataclass
class Row:
    month: str
    district: str
    tasks_done: int = 0
    minutes_worked: int = 0
    coins_rewarded: int = 0  # units
    coins_paid_to_merchants: int = 0  # units; city rows only
    coins_redeemed: int = 0  # units; city rows only
    euros_paid_out: int = 0  # cents; city rows only

    @classmethod
    def of(cls, total: ReportTotal) -> Row:
        return cls(total.month, total.district, **{name: getattr(total, name) for name in totals.FIGURES})

    def as_strings(self) -> dict[str, str | int | None]:
        city = self.district == ALL

        def money(value: int, *, city_only: bool = False) -> str | None:
            return None if city_only and not city else format_amount(value)

        return {
            "month": self.month,
            "district": self.district,
            "tasks_done": self.tasks_done,
            "minutes_worked": self.minutes_worked,
            "coins_rewarded": money(self.coins_rewarded),
            "coins_paid_to_merchants": money(self.coins_paid_to_merchants, city_only=True),
            "coins_redeemed": money(self.coins_redeemed, city_only=True),
            "euros_paid_out": money(self.euros_paid_out, city_only=True),
        }


@dataclass
class Summary:
    rows: list[Row] = field(default_factory=list)
    indexed_supply: int = 0  # units rewarded - units redeemed, from the indexed events
    indexed_to_block: int | None = None


@dataclass(frozen=True)
class MonthRange:
    """Months `first` through `last` (YYYY-MM, either open) and the times they span [start, end)."""

    first: str | None = None
    last: str | None = None

    def __post_init__(self) -> None:
        if self.first and self.last and self.last < self.first:
            raise MonthRangeReversed(self.first, self.last)

    @property
    def start(self) -> datetime | None:
        return None if not self.first else datetime(int(self.first[:4]), int(self.first[5:]), 1, tzinfo=UTC)

    @property
    def end(self) -> datetime | None:
        if not self.last:
            return None
        year, month = int(self.last[:4]), int(self.last[5:])
        return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def merchant_addresses(session: Session) -> set[str]:
    registered = set(session.scalars(select(Merchant.address)))
    accepted = set(
        session.scalars(
            select(ChainEvent.account).where(ChainEvent.kind == MERCHANT_SET, ChainEvent.accepted.is_(True))
        )
    )
    return registered | accepted


def summary(session: Session, contract: str, city: str, months: MonthRange | None = None) -> Summary:
    """The running totals of `city` (backend.reports.totals): a few rows per month, whatever the archive holds."""
    months = months or MonthRange()
    rows = [Row.of(total) for total in totals.rows_between(session, city, months.first, months.last)]
    rewarded, redeemed = session.execute(
        select(
            func.coalesce(func.sum(ReportTotal.coins_rewarded), 0),
            func.coalesce(func.sum(ReportTotal.coins_redeemed), 0),
        ).where(ReportTotal.city == city, ReportTotal.district == ALL)
    ).one()
    checkpoint = session.get(IndexerCheckpoint, contract)
    return Summary(rows, int(rewarded) - int(redeemed), checkpoint.block_number if checkpoint else None)


class _Line(io.StringIO):
    """A buffer that hands back what a csv writer wrote since the last `take` (for streaming)."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


LINES_PER_PIECE = 500


def summary_csv_lines(sessions: sessionmaker[Session], city: str, months: MonthRange) -> Iterator[str]:
    """The summary as CSV, a line at a time, read from the running totals in its own session (the
    request's has ended by the time a streamed answer is sent)."""
    out = _Line()
    writer = SafeDictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    yield out.take()
    with sessions() as session:
        for count, total in enumerate(totals.rows_between(session, city, months.first, months.last), start=1):
            writer.writerow({"city": city, **Row.of(total).as_strings()})
            if count % LINES_PER_PIECE == 0:  # a piece at a time: each one is a hop to the server's thread pool
                yield out.take()
    yield out.take()


def summary_csv(result: Summary, city: str = "") -> str:
    out = io.StringIO()
    writer = SafeDictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    for r in result.rows:
        writer.writerow({"city": city, **r.as_strings()})
    return out.getvalue()


# --- open data -----------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = ("date", "event", "from", "to", "amount", "district")


def pseudonym(salt: str, address: str | None) -> str:
    """A salted hash standing for an address (HMAC-SHA256, 80 bits shown): the same address gets
    the same pseudonym in every export with the same salt; without the salt it cannot be reversed
    by hashing candidate addresses. The zero address (mint, burn) stays empty."""
    if not address or address == ZERO_ADDRESS:
        return ""
    return hmac.new(salt.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:20]


def open_data_csv(sessions: sessionmaker[Session], salt: str, months: MonthRange | None = None) -> Iterator[str]:
    """Every indexed coin event (in the months asked for) with addresses replaced by pseudonyms; no
    names, IBANs, transaction hashes, claim ids, refs or block numbers (those would lead back to the
    addresses on the public chain), and the day instead of the block time. Streamed: yields CSV text a
    batch of events at a time, read in its own session with a server-side cursor (yield_per)."""
    months = months or MonthRange()
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(OPEN_DATA_COLUMNS)
    yield out.getvalue()
    with sessions() as session:
        ids = read_claim_ids(session)
        query = select(
            ChainEvent.kind,
            ChainEvent.block_time,
            ChainEvent.account,
            ChainEvent.counterparty,
            ChainEvent.amount,
            ChainEvent.ref,
            ChainEvent.accepted,
        )
        if months.start is not None:
            query = query.where(ChainEvent.block_time >= months.start)
        if months.end is not None:
            query = query.where(ChainEvent.block_time < months.end)
        events = session.execute(
            query.order_by(ChainEvent.block_number, ChainEvent.log_index).execution_options(yield_per=totals.BATCH)
        )
        for part in events.partitions():
            out.seek(0)
            out.truncate()
            districts = totals.districts_of(session, ids, (row[5] for row in part if row[0] == REWARDED))
            for kind, block_time, account, counterparty, amount, ref, accepted in part:
                day = block_time.date().isoformat()
                if kind == REWARDED:
                    district = districts.get(ref or "", UNKNOWN_DISTRICT)
                    writer.writerow(
                        (day, "reward", "", pseudonym(salt, account), format_amount(amount or 0), district)
                    )
                elif kind == TRANSFER:
                    if ZERO_ADDRESS in (account, counterparty):
                        continue  # a mint or a burn: already listed as its reward or redemption
                    writer.writerow(
                        (
                            day,
                            "transfer",
                            pseudonym(salt, account),
                            pseudonym(salt, counterparty),
                            format_amount(amount or 0),
                            "",
                        )
                    )
                elif kind == REDEEMED:
                    writer.writerow((day, "redemption", pseudonym(salt, account), "", format_amount(amount or 0), ""))
                else:
                    event = "merchant_added" if accepted else "merchant_removed"
                    writer.writerow((day, event, "", pseudonym(salt, account), "", ""))
            yield out.getvalue()
