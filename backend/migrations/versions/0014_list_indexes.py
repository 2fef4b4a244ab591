"""every list is paged newest first by its id (issue 16): an index for each filter a list page or an
account's history uses, ending in the order's column, so a page reads only its own rows

Revision ID: 0014
Revises: 0012
"""

from alembic import op

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None

# (name, table, columns): each list's filter columns, then its keyset order (README, "Lists and paging").
INDEXES = (
    # GET /accounts/{address}: history as payer/receiver, newest block first
    ("ix_chain_events_account_block", "chain_events", ["account", "block_number", "log_index"]),
    ("ix_chain_events_counterparty_block", "chain_events", ["counterparty", "block_number", "log_index"]),
    ("ix_rewards_citizen_claim", "rewards", ["citizen", "claim_id"]),
    # GET /payouts?status=&batch_id=
    ("ix_payouts_status_id", "payouts", ["status", "id"]),
    ("ix_payouts_batch_id_id", "payouts", ["batch_id", "id"]),
    # GET /redemptions (a merchant's own); the join to payouts uses ix_payouts_ref
    ("ix_redemptions_merchant_id", "redemptions", ["merchant", "id"]),
    # GET /claims (a citizen's own, by status, of a task)
    ("ix_claims_citizen_id", "claims", ["citizen", "id"]),
    ("ix_claims_citizen_status_id", "claims", ["citizen", "status", "id"]),
    ("ix_claims_status_id", "claims", ["status", "id"]),
    ("ix_claims_task_id_id", "claims", ["task_id", "id"]),
    # GET /payments?from=&to= (and a citizen's own: both)
    ("ix_payments_from_id", "payments", ["from_address", "id"]),
    ("ix_payments_to_id", "payments", ["to_address", "id"]),
    # GET /tasks?district=
    ("ix_tasks_district_id", "tasks", ["district", "id"]),
    # GET /merchants/registry, newest first
    ("ix_merchants_created_address", "merchants", ["created_at", "address"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
