"""running totals of the reports per city, month and district (issue 16: the summary reads only these)

Revision ID: 0015
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_totals",
        sa.Column("city", sa.String(100), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("district", sa.String(200), primary_key=True),
        sa.Column("tasks_done", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("minutes_worked", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("coins_rewarded", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("coins_paid_to_merchants", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("coins_redeemed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("euros_paid_out", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # The open-data export's date range and the reorg handler's look-up read chain events by time.
    op.create_index("ix_chain_events_block_time", "chain_events", ["block_time"])


def downgrade() -> None:
    op.drop_index("ix_chain_events_block_time", table_name="chain_events")
    op.drop_table("report_totals")
