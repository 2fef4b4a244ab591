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
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.amounts import format_amount
from backend.audit import service as audit
from backend.chain.events import ZERO_ADDRESS
from backend.claims.models import Claim
from backend.indexer.models import MERCHANT_SET, REDEEMED, REWARDED, TRANSFER, ChainEvent, IndexerCheckpoint
from backend.merchants.models import Merchant
from backend.payouts.models import PAID, Payout
from backend.reports.csv_cells import SafeDictWriter, SafeWriter
from backend.rewards.installation import ClaimIds, read_claim_ids
from backend.tasks.models import Task

ALL = "all"
UNKNOWN_DISTRICT = "(no task record)"
CSV_COLUMNS = (
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
    audit: dict[tuple[str, str], int] = field(default_factory=dict)  # appendix: (month, action) -> decisions


def _month(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _district(districts: dict[int, str], ids: ClaimIds | None, claim_ref: str | None) -> str:
    """The district of the task behind a `Rewarded` claimId (this installation's prefix and the
    claim's number, see backend.rewards.installation); another installation's claim has none here."""
    number = ids.number_of(int(claim_ref, 16)) if claim_ref and ids is not None else None
    return districts.get(number, UNKNOWN_DISTRICT) if number is not None else UNKNOWN_DISTRICT


def merchant_addresses(session: Session) -> set[str]:
    registered = set(session.scalars(select(Merchant.address)))
    accepted = set(
        session.scalars(
            select(ChainEvent.account).where(ChainEvent.kind == MERCHANT_SET, ChainEvent.accepted.is_(True))
        )
    )
    return registered | accepted


def summary(session: Session, contract: str) -> Summary:
    rows: dict[tuple[str, str], Row] = {}

    def row(month: str, district: str) -> Row:
        if (month, district) not in rows:
            rows[month, district] = Row(month, district)
        return rows[month, district]

    districts = dict(
        session.execute(select(Claim.id, Task.district).join(Task, Task.id == Claim.task_id)).all()
    )
    ids = read_claim_ids(session)
    approved = session.execute(
        select(Claim.reviewed_at, Task.district, Task.minutes)
        .join(Task, Task.id == Claim.task_id)
        .where(Claim.status == "approved", Claim.reviewed_at.is_not(None))
    ).all()
    for reviewed_at, district, minutes in approved:
        if reviewed_at is None:
            continue
        for target in (row(_month(reviewed_at), ALL), row(_month(reviewed_at), district)):
            target.tasks_done += 1
            target.minutes_worked += minutes or 0

    merchants = merchant_addresses(session)
    supply = 0
    events = session.execute(
        select(
            ChainEvent.kind,
            ChainEvent.block_time,
            ChainEvent.account,
            ChainEvent.counterparty,
            ChainEvent.amount,
            ChainEvent.ref,
        ).where(ChainEvent.kind.in_((REWARDED, TRANSFER, REDEEMED)))
    ).all()
    for kind, block_time, account, counterparty, amount, ref in events:
        month, units = _month(block_time), amount or 0
        if kind == REWARDED:
            supply += units
            row(month, ALL).coins_rewarded += units
            row(month, _district(districts, ids, ref)).coins_rewarded += units
        elif kind == REDEEMED:
            supply -= units
            row(month, ALL).coins_redeemed += units
        elif account != ZERO_ADDRESS and counterparty in merchants:
            row(month, ALL).coins_paid_to_merchants += units

    paid = session.execute(select(Payout.paid_at, Payout.amount_cents).where(Payout.status == PAID)).all()
    for paid_at, cents in paid:
        if paid_at is not None:
            row(_month(paid_at), ALL).euros_paid_out += cents

    checkpoint = session.get(IndexerCheckpoint, contract)
    ordered = sorted(rows.values(), key=lambda r: (r.month, r.district != ALL, r.district))
    return Summary(ordered, supply, checkpoint.block_number if checkpoint else None, audit.counts_by_month(session))


# Dutch spreadsheet conventions (?dialect=nl): Dutch headers, semicolons, decimal commas.
CSV_COLUMNS_NL = {
    "month": "maand",
    "district": "wijk",
    "tasks_done": "klusjes_gedaan",
    "minutes_worked": "minuten_gewerkt",
    "coins_rewarded": "heitjes_beloond",
    "coins_paid_to_merchants": "heitjes_betaald_aan_winkels",
    "coins_redeemed": "heitjes_ingewisseld",
    "euros_paid_out": "euros_uitbetaald",
}
MONEY_COLUMNS = ("coins_rewarded", "coins_paid_to_merchants", "coins_redeemed", "euros_paid_out")


def summary_csv(result: Summary, dialect: str = "standard") -> str:
    """The summary as CSV: commas and decimal points, or (dialect "nl") what Dutch Excel opens as
    columns and numbers: semicolons, decimal commas, Dutch headers ("all" districts as "alle")."""
    out = io.StringIO()
    nl = dialect == "nl"
    writer = SafeDictWriter(out, CSV_COLUMNS_NL.values() if nl else CSV_COLUMNS, delimiter=";" if nl else ",")
    writer.writeheader()
    for r in result.rows:
        row = r.as_strings()
        if nl:
            for key in MONEY_COLUMNS:
                if row[key] is not None:
                    row[key] = str(row[key]).replace(".", ",")
            row["district"] = "alle" if r.district == ALL else r.district
            row = {CSV_COLUMNS_NL[k]: v for k, v in row.items()}
        writer.writerow(row)
    return out.getvalue()


# --- open data -----------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = ("month", "district", "measure", "people", "events", "amount", "suppressed")
SUPPRESSED = "yes"


def pseudonym(salt: str, address: str | None) -> str:
    """A salted hash standing for an address (HMAC-SHA256, 80 bits shown). No longer used by the open
    data (a pseudonym that links rows lets them be joined back to the chain); kept for callers that
    need a stable, non-reversible label for one address."""
    if not address or address == ZERO_ADDRESS:
        return ""
    return hmac.new(salt.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:20]


@dataclass
class Cell:
    people: set[str] = field(default_factory=set)  # distinct addresses behind the cell
    events: int = 0
    units: int = 0


def open_data_csv(session: Session, min_people: int) -> str:
    """Counts and amounts per month and district, nothing per event and nothing per address, so no row
    can be laid beside the public chain's events to find one citizen:

    - `rewards` per district and month (district from the claim's task);
    - `paid_to_merchants` and `redeemed` per month for the whole city (`all`; merchants have no district).

    `people` counts the distinct addresses behind a cell. A cell with fewer than `min_people`
    (OPEN_DATA_MIN_CITIZENS) keeps its month, district and measure but its people, events and amount
    are left blank and `suppressed` says "yes". There is no city-wide rewards row: it would give away
    a suppressed district's figures by subtraction."""
    districts = dict(
        session.execute(select(Claim.id, Task.district).join(Task, Task.id == Claim.task_id)).all()
    )
    ids = read_claim_ids(session)
    merchants = merchant_addresses(session)
    cells: dict[tuple[str, str, str], Cell] = {}

    def add(month: str, district: str, measure: str, person: str, units: int) -> None:
        cell = cells.setdefault((month, district, measure), Cell())
        cell.people.add(person.lower())
        cell.events += 1
        cell.units += units

    events = session.execute(
        select(
            ChainEvent.kind, ChainEvent.block_time, ChainEvent.account, ChainEvent.counterparty, ChainEvent.amount,
            ChainEvent.ref,
        ).where(ChainEvent.kind.in_((REWARDED, TRANSFER, REDEEMED)))
    ).all()
    for kind, block_time, account, counterparty, amount, ref in events:
        month, units = _month(block_time), amount or 0
        if kind == REWARDED:
            add(month, _district(districts, ids, ref), "rewards", account, units)
        elif kind == REDEEMED:
            add(month, ALL, "redeemed", account, units)
        elif account != ZERO_ADDRESS and counterparty in merchants:
            add(month, ALL, "paid_to_merchants", account, units)

    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(OPEN_DATA_COLUMNS)
    for (month, district, measure), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] == ALL, kv[0])):
        if len(cell.people) < min_people:
            writer.writerow((month, district, measure, "", "", "", SUPPRESSED))
        else:
            writer.writerow((month, district, measure, len(cell.people), cell.events, format_amount(cell.units), ""))
    return out.getvalue()
