"""the merchant loop (issue 5): merchant chain state, payments, redemptions, relayer nonces

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("merchants") as batch:
        batch.add_column(sa.Column("chain_tx_hash", sa.String(66), nullable=True))
        batch.add_column(sa.Column("chain_error", sa.Text(), nullable=True))

    op.create_table(
        "relayer_nonces",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address", "chain_id", name="pk_relayer_nonces"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("from_address", sa.String(42), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("nonce", sa.String(66), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("valid_after", sa.String(78), nullable=False),
        sa.Column("valid_before", sa.String(78), nullable=False),
        sa.Column("signature", sa.String(132), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("from_address", "nonce", name="uq_payments_from_nonce"),
    )
    op.create_index("ix_payments_from_address", "payments", ["from_address"])
    op.create_index("ix_payments_to_address", "payments", ["to_address"])
    op.create_index("ix_payments_tx_hash", "payments", ["tx_hash"])
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(66), nullable=False),
        sa.Column("merchant", sa.String(42), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("auth_nonce", sa.String(66), nullable=False),
        sa.Column("valid_after", sa.BigInteger(), nullable=False),
        sa.Column("valid_before", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("ref", name="uq_redemptions_ref"),
    )
    op.create_index("ix_redemptions_merchant", "redemptions", ["merchant"])
    op.create_index("ix_redemptions_status", "redemptions", ["status"])
    op.create_index("ix_redemptions_tx_hash", "redemptions", ["tx_hash"])


def downgrade() -> None:
    op.drop_table("redemptions")
    op.drop_table("payments")
    op.drop_table("relayer_nonces")
    with op.batch_alter_table("merchants") as batch:
        batch.drop_column("chain_error")
        batch.drop_column("chain_tx_hash")
