"""privacy (issue 13): sign-in times and the counts of what retention and erasure removed

Revision ID: 0009
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("signed_in_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_privacy_sign_ins_address", "privacy_sign_ins", ["address"])
    op.create_index("ix_privacy_sign_ins_signed_in_at", "privacy_sign_ins", ["signed_in_at"])
    op.create_table(
        "privacy_removals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("removed_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
    )
    op.create_index("ix_privacy_removals_removed_at", "privacy_removals", ["removed_at"])


def downgrade() -> None:
    op.drop_table("privacy_removals")
    op.drop_table("privacy_sign_ins")
