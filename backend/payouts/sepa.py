"""The pain.001.001.03 SEPA credit-transfer file (built with sepaxml, which validates it against
the schema on export). A copy of the schema is kept next to this module (schemas/) for tests and
for anyone checking a file by hand: `xmlschema.XMLSchema(SCHEMA_PATH).validate(xml)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sepaxml import SepaTransfer

from backend.settings import Settings

SCHEMA = "pain.001.001.03"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / f"{SCHEMA}.xsd"


@dataclass(frozen=True)
class Line:
    payout_id: int
    name: str
    iban: str
    cents: int
    ref: str


def end_to_end_id(payout_id: int) -> str:
    """The id the bank echoes on the merchant's statement and in its return files (max 35 chars)."""
    return f"HEITJE-PAYOUT-{payout_id}"


def credit_transfer(settings: Settings, *, message_id: str, lines: list[Line], execution_date: date) -> str:
    """One pain.001 document: from the city's account (settings.city_name/iban/bic) to each line."""
    transfer = SepaTransfer(
        {
            "name": settings.city_name,
            "IBAN": settings.city_iban,
            "BIC": settings.city_bic,
            "batch": True,
            "currency": "EUR",
        },
        schema=SCHEMA,
    )
    # sepaxml draws a random MsgId; the batch's own id lets the bank's answers be matched to it.
    transfer._xml.find("CstmrCdtTrfInitn/GrpHdr/MsgId").text = message_id  # type: ignore[union-attr]
    for line in lines:
        transfer.add_payment(
            {
                "name": line.name,
                "IBAN": line.iban.replace(" ", "").upper(),
                "amount": line.cents,
                "execution_date": execution_date,
                # What the shopkeeper reads on the bank statement: Dutch, with a short reference.
                "description": f"Heitje inwisseling {line.payout_id} kenmerk {line.ref.removeprefix('0x')[:8].upper()}",
                "endtoend_id": end_to_end_id(line.payout_id),
            }
        )
    return bytes(transfer.export(validate=True)).decode("utf-8")
