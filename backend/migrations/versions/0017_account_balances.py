"""balances and merchant flags per account as the indexed chain has them (issue 14: reads without a chain
call), filled from the chain events already recorded

Revision ID: 0017
Revises: 0014
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ZERO = "0x" + "0" * 40


def upgrade() -> None:
    op.create_table(
        "account_balances",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("balance", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("is_merchant", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("block_number", sa.BigInteger(), nullable=False, server_default="0"),
    )
    _backfill(op.get_bind())


def _backfill(bind: sa.Connection) -> None:
    """Every account's balance (transfers in minus out; mints come from and burns go to the zero
    address) and its last MerchantSet, from chain_events (self-contained: later models may differ)."""
    balances: Any = bind.execute(
        sa.text(
            "SELECT address, SUM(delta), MAX(block_number) FROM ("
            " SELECT counterparty AS address, amount AS delta, block_number FROM chain_events"
            "  WHERE kind = 'transfer'"
            " UNION ALL"
            " SELECT account AS address, -amount AS delta, block_number FROM chain_events"
            "  WHERE kind = 'transfer'"
            ") moves WHERE address <> :zero GROUP BY address"
        ),
        {"zero": ZERO},
    ).all()
    rows: dict[str, list[Any]] = {address: [int(units or 0), False, int(block)] for address, units, block in balances}
    flags: Any = bind.execute(
        sa.text(
            "SELECT account, accepted, block_number FROM chain_events WHERE kind = 'merchant_set'"
            " ORDER BY block_number, log_index"
        )
    )
    for address, accepted, block in flags:
        row = rows.setdefault(address, [0, False, 0])
        row[1], row[2] = bool(accepted), max(row[2], int(block))
    if rows:
        table = sa.table(
            "account_balances",
            sa.column("address", sa.String),
            sa.column("balance", sa.BigInteger),
            sa.column("is_merchant", sa.Boolean),
            sa.column("block_number", sa.BigInteger),
        )
        bind.execute(
            table.insert(),
            [
                {"address": a, "balance": b, "is_merchant": m, "block_number": n}
                for a, (b, m, n) in sorted(rows.items())
            ],
        )


def downgrade() -> None:
    op.drop_table("account_balances")
