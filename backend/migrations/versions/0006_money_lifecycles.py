"""one lifecycle per money movement (issue 10): the transaction that used a payment's authorization,
why a payout is flagged, and a redemption's "verified" becomes "burned" (its payout carries on)

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("settled_tx_hash", sa.String(66), nullable=True))
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("flag_reason", sa.String(300), nullable=True))
    op.execute("UPDATE redemptions SET status = 'burned' WHERE status = 'verified'")


def downgrade() -> None:
    op.execute("UPDATE redemptions SET status = 'verified' WHERE status = 'burned'")
    with op.batch_alter_table("payouts") as batch:
        batch.drop_column("flag_reason")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("settled_tx_hash")
