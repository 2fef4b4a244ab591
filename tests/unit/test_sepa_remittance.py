"""The line a shopkeeper reads on the bank statement is Dutch with a short reference, not English and hex."""

from __future__ import annotations

import re
from datetime import date

from backend.payouts import sepa
from backend.settings import Settings


def test_the_remittance_line_is_dutch_with_a_short_reference() -> None:
    settings = Settings(environment="test", city_name="Gemeente Heerlen", city_iban="NL91ABNA0417164300",
                        city_bic="ABNANL2A")
    xml = sepa.credit_transfer(
        settings, message_id="HEITJE-BATCH-1", execution_date=date(2030, 1, 2),
        lines=[sepa.Line(payout_id=7, name="Bakkerij Jansen", iban="NL02ABNA0123456789", cents=1250,
                         ref="0x9d37a036" + "ab" * 28)],
    )
    line = re.search(r"<Ustrd>(.*?)</Ustrd>", xml)
    assert line is not None
    assert line.group(1) == "Heitje inwisseling 7 kenmerk 9D37A036"
