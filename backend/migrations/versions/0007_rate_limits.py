"""rate limits (issue 11): counters per bucket, client or account, and window, shared by all API processes

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_rate_counters_window_ends", "rate_counters", ["window_ends"])


def downgrade() -> None:
    op.drop_index("ix_rate_counters_window_ends", table_name="rate_counters")
    op.drop_table("rate_counters")
