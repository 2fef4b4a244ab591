"""the task-to-reward loop (issue 4): sign-in nonces, tasks, claims, the chain transaction ledger, rewards

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_login_nonces_expires_at", "login_nonces", ["expires_at"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("district", sa.String(80), nullable=False),
        sa.Column("reward_units", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("closes_at", UTCDateTime(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(42), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_tasks_district", "tasks", ["district"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("citizen", sa.String(42), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_file", sa.String(80), nullable=True),
        sa.Column("photo_type", sa.String(32), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(42), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("task_id", "citizen", name="uq_claims_task_citizen"),
        sqlite_autoincrement=True,  # claim ids are on-chain claimIds: never reuse one
    )
    op.create_index("ix_claims_task_id", "claims", ["task_id"])
    op.create_index("ix_claims_citizen", "claims", ["citizen"])
    op.create_index("ix_claims_status", "claims", ["status"])
    op.create_table(
        "chain_txs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_address", sa.String(42), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("function", sa.String(64), nullable=False),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("calldata", sa.Text(), nullable=False),
        sa.Column("gas", sa.Integer(), nullable=False),
        sa.Column("max_fee", sa.String(78), nullable=False),
        sa.Column("priority_fee", sa.String(78), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("hashes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("gas_used", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("key_address", "nonce", name="uq_chain_txs_key_nonce"),
    )
    op.create_index("ix_chain_txs_key_address", "chain_txs", ["key_address"])
    op.create_index("ix_chain_txs_kind", "chain_txs", ["kind"])
    op.create_index("ix_chain_txs_tx_hash", "chain_txs", ["tx_hash"])
    op.create_index("ix_chain_txs_status", "chain_txs", ["status"])
    op.create_table(
        "rewards",
        sa.Column(
            "claim_id", sa.Integer(), sa.ForeignKey("claims.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("citizen", sa.String(42), nullable=False),
        sa.Column("amount_units", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("chain_tx_id", sa.Integer(), sa.ForeignKey("chain_txs.id"), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_rewards_citizen_year", "rewards", ["citizen", "year"])
    op.create_index("ix_rewards_status", "rewards", ["status"])
    op.create_index("ix_rewards_chain_tx_id", "rewards", ["chain_tx_id"])


def downgrade() -> None:
    op.drop_table("rewards")
    op.drop_table("chain_txs")
    op.drop_table("claims")
    op.drop_table("tasks")
    op.drop_table("login_nonces")
