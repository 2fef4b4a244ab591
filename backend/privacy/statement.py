"""The yearly statement: what a citizen received in a calendar year, month by month, against the cap,
for the benefits office or the tax authority. A PDF in Dutch or English (fpdf2, its core fonts).

The figures are the chain's `Rewarded` events for the address as the indexer recorded them (by the
month of their block, UTC): what the citizen actually received, the same numbers any node shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.amounts import parse_amount
from backend.db import utcnow
from backend.indexer.models import REWARDED, ChainEvent, IndexerCheckpoint
from backend.privacy.service import citizen_pseudonym
from backend.settings import Settings

LANGUAGES = ("nl", "en")
MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
TEXT = {
    "nl": {
        "title": "Jaaroverzicht beloningen {year}",
        "city": "Uitgegeven door",
        "address": "Adres (wallet)",
        "pseudonym": "Pseudoniem",
        "coin": "Munt",
        "month": "Maand",
        "rewards": "Aantal",
        "amount": "Bedrag",
        "total": "Totaal {year}",
        "cap": "Jaargrens",
        "left": "Ruimte onder de jaargrens",
        "over": "Boven de jaargrens",
        "generated": "Opgesteld op {moment} (UTC), tot en met blok {block}.",
        "explain": (
            "Dit overzicht toont de beloningen die dit adres in {year} van de gemeente ontving voor "
            "vrijwilligerstaken, zoals vastgelegd op de blockchain (gebeurtenis Rewarded). Eén munt is "
            "{euro} euro waard. De jaargrens is de vrijwilligersvergoeding die de gemeente hanteert."
        ),
    },
    "en": {
        "title": "Yearly statement of rewards {year}",
        "city": "Issued by",
        "address": "Address (wallet)",
        "pseudonym": "Pseudonym",
        "coin": "Coin",
        "month": "Month",
        "rewards": "Rewards",
        "amount": "Amount",
        "total": "Total {year}",
        "cap": "Yearly cap",
        "left": "Left under the cap",
        "over": "Above the cap",
        "generated": "Produced on {moment} (UTC), up to and including block {block}.",
        "explain": (
            "This statement shows the rewards this address received from the municipality in {year} "
            "for volunteer tasks, as recorded on the blockchain (event Rewarded). One coin is worth "
            "{euro} euro. The yearly cap is the volunteer allowance limit the municipality applies."
        ),
    },
}


@dataclass(frozen=True)
class Statement:
    city: str
    coin_name: str
    address: str
    pseudonym: str
    year: int
    months: tuple[tuple[int, int], ...]  # (number of rewards, units) for January..December
    cap_units: int
    euro_per_coin: str
    generated_at: datetime
    indexed_to_block: int | None

    @property
    def total_units(self) -> int:
        return sum(units for _, units in self.months)


def yearly_statement(session: Session, settings: Settings, *, address: str, year: int, contract: str) -> Statement:
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    months = [[0, 0] for _ in range(12)]
    events = session.execute(
        select(ChainEvent.block_time, ChainEvent.amount).where(
            ChainEvent.kind == REWARDED,
            ChainEvent.account == address,
            ChainEvent.block_time >= start,
            ChainEvent.block_time < end,
        )
    )
    for block_time, amount in events:
        months[block_time.month - 1][0] += 1
        months[block_time.month - 1][1] += amount or 0
    checkpoint = session.get(IndexerCheckpoint, contract)
    return Statement(
        city=settings.city_name,
        coin_name=settings.coin_name,
        address=address,
        pseudonym=citizen_pseudonym(settings, address),
        year=year,
        months=tuple((count, units) for count, units in months),
        cap_units=parse_amount(settings.yearly_cap),
        euro_per_coin=str(settings.euro_per_coin),
        generated_at=utcnow(),
        indexed_to_block=checkpoint.block_number if checkpoint else None,
    )


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1: a configured name outside it prints with "?" instead of failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _money(units: int, lang: str) -> str:
    """1500.00 as "1.500,00" in Dutch and "1,500.00" in English (units are never negative here)."""
    whole, cents = divmod(units, 100)
    grouped = f"{whole:,}"
    return f"{grouped.replace(',', '.')},{cents:02d}" if lang == "nl" else f"{grouped}.{cents:02d}"


def render_pdf(statement: Statement, lang: str = "nl") -> bytes:
    """The statement as a one-page A4 PDF in `lang` ("nl" or "en")."""
    t = TEXT[lang]
    year = statement.year
    pdf = FPDF(format="A4")
    pdf.set_title(t["title"].format(year=year))
    pdf.set_author(_latin1(statement.city))
    pdf.set_creation_date(statement.generated_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, t["title"].format(year=year), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    for label, value in (
        (t["city"], _latin1(statement.city)),
        (t["coin"], _latin1(statement.coin_name)),
        (t["address"], statement.address),
        (t["pseudonym"], statement.pseudonym),
    ):
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(60, 7, t["month"], border="B")
    pdf.cell(30, 7, t["rewards"], border="B", align="R")
    pdf.cell(40, 7, t["amount"], border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for name, (count, units) in zip(MONTHS[lang], statement.months, strict=True):
        pdf.cell(60, 6, f"{name} {year}")
        pdf.cell(30, 6, str(count), align="R")
        pdf.cell(40, 6, _money(units, lang), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    total = statement.total_units
    pdf.cell(60, 7, t["total"].format(year=year), border="T")
    pdf.cell(30, 7, str(sum(count for count, _ in statement.months)), border="T", align="R")
    pdf.cell(40, 7, _money(total, lang), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(90, 6, t["cap"])
    pdf.cell(40, 6, _money(statement.cap_units, lang), align="R", new_x="LMARGIN", new_y="NEXT")
    over = total > statement.cap_units
    pdf.cell(90, 6, t["over"] if over else t["left"])
    pdf.cell(40, 6, _money(abs(statement.cap_units - total), lang), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    euro = statement.euro_per_coin.replace(".", ",") if lang == "nl" else statement.euro_per_coin
    pdf.multi_cell(0, 5, t["explain"].format(year=year, euro=euro), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    moment = statement.generated_at.strftime("%Y-%m-%d %H:%M")
    block = "-" if statement.indexed_to_block is None else str(statement.indexed_to_block)
    pdf.multi_cell(0, 5, t["generated"].format(moment=moment, block=block))
    return bytes(pdf.output())
