"""foundation: operators and the merchant registry

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("added_by", sa.String(42), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "merchants",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("chain_status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merchants")
    op.drop_table("operators")
