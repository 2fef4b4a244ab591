"""the indexer, payouts and reports (issue 5): indexed coin events, the checkpoint, payouts, SEPA batches

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chain_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("block_time", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("counterparty", sa.String(42), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("ref", sa.String(66), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_chain_events_tx_hash_log_index"),
    )
    op.create_index("ix_chain_events_block_number", "chain_events", ["block_number"])
    op.create_table(
        "indexer_checkpoints",
        sa.Column("contract", sa.String(42), primary_key=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "payout_batches",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(35), nullable=False, unique=True),
        sa.Column("payout_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(42), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "payouts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("merchant", sa.String(42), nullable=False),
        sa.Column("ref", sa.String(66), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), sa.ForeignKey("payout_batches.id"), nullable=True),
        sa.Column("redeemed_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("exported_at", UTCDateTime(), nullable=True),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("reorged_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_payouts_tx_hash_log_index"),
    )
    for column in ("block_number", "merchant", "ref", "status", "batch_id"):
        op.create_index(f"ix_payouts_{column}", "payouts", [column])


def downgrade() -> None:
    op.drop_table("payouts")
    op.drop_table("payout_batches")
    op.drop_table("indexer_checkpoints")
    op.drop_table("chain_events")
