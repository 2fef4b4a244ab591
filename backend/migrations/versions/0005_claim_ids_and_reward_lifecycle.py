"""claim ids that cannot collide and the reward lifecycle (issue 10): the installation's claim id
prefix, and the evidence of a flagged reward

Revision ID: 0005
Revises: 0004
"""

import secrets

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime, utcnow

revision = "0005"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("claim_prefix", sa.String(32), nullable=False),
        sa.Column("first_prefixed_claim", sa.Integer(), nullable=False),
        sa.Column("lost_claims_through", sa.Integer(), nullable=False),
        sa.Column("checked_through_block", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    # Claims that exist already may have been paid under their bare number: they keep it; every
    # later claim carries the prefix.
    highest = op.get_bind().execute(sa.text("SELECT MAX(id) FROM claims")).scalar()
    op.bulk_insert(
        installation,
        [
            {
                "id": 1,
                "claim_prefix": f"{secrets.randbits(127) | (1 << 127):032x}",
                "first_prefixed_claim": (highest or 0) + 1 if highest else 0,
                "lost_claims_through": 0,
                "checked_through_block": 0,
                "created_at": utcnow(),
            }
        ],
    )
    with op.batch_alter_table("rewards") as batch:
        batch.add_column(sa.Column("paid_citizen", sa.String(42), nullable=True))
        batch.add_column(sa.Column("paid_units", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rewards") as batch:
        batch.drop_column("paid_units")
        batch.drop_column("paid_citizen")
    op.drop_table("installation")
