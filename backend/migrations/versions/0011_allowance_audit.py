"""the audit trail (append-only, guarded by triggers) and the four-eyes hold on SEPA batches (issue 13)

Revision ID: 0011
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from backend.audit import guard
from backend.db import UTCDateTime

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(42), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])
    guard.install(op.get_bind())
    op.create_table(
        "sepa_releases",
        sa.Column(
            "batch_id", sa.BigInteger(), sa.ForeignKey("payout_batches.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("exported_by", sa.String(42), nullable=False),
        sa.Column("confirmed_by", sa.String(42), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sepa_releases")
    guard.remove(op.get_bind())
    op.drop_table("audit_entries")
