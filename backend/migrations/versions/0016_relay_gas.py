"""relayer gas per day and payer (issue 11): what the daily gas budgets of the relayer count

Revision ID: 0016
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_gas",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("payer", sa.String(42), primary_key=True),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("relays", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("relay_gas")
