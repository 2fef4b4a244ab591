"""payment requests (issue 12): a till's request, paid at most once

Revision ID: 0012
Revises: 0006 (follows the integrated chain; re-chain on merge)
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("merchant", sa.String(42), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("order_ref", sa.String(64), nullable=True),
        sa.Column("nonce", sa.String(66), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("payer", sa.String(42), nullable=True),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payments.id"), nullable=True),
        sa.UniqueConstraint("payment_id", name="uq_payment_requests_payment"),
    )
    op.create_index("ix_payment_requests_merchant", "payment_requests", ["merchant"])


def downgrade() -> None:
    op.drop_table("payment_requests")
