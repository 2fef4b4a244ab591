"""claims expire (issue 11): claims.expires_at; the places taken are counted from the claims, so
tasks.taken goes

Revision ID: 0008
Revises: 0004
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime, utcnow

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEFAULT_EXPIRY = timedelta(hours=48)  # CLAIM_EXPIRY_HOURS' default; claims made before this migration


def upgrade() -> None:
    op.add_column("claims", sa.Column("expires_at", UTCDateTime(), nullable=True))
    op.create_index("ix_claims_expires_at", "claims", ["expires_at"])
    claims = sa.table(
        "claims",
        sa.column("id", sa.Integer()),
        sa.column("task_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("created_at", UTCDateTime()),
        sa.column("expires_at", UTCDateTime()),
    )
    tasks = sa.table("tasks", sa.column("id", sa.Integer()), sa.column("closes_at", UTCDateTime()))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(claims.c.id, claims.c.created_at, tasks.c.closes_at)
        .join(tasks, tasks.c.id == claims.c.task_id)
        .where(claims.c.status == "claimed")
    ).all()
    for row in rows:
        created_at: datetime = row.created_at
        closes_at: datetime | None = row.closes_at
        # A claim already older than the expiry gets a short grace period rather than vanishing mid-upgrade.
        expires_at = max(created_at + DEFAULT_EXPIRY, utcnow() + timedelta(hours=1))
        if closes_at is not None:
            expires_at = min(expires_at, closes_at)
        bind.execute(sa.update(claims).where(claims.c.id == row.id).values(expires_at=expires_at))
    _drop_taken()


def _drop_taken() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tasks DROP COLUMN taken")  # SQLite 3.35+; no table rebuild under foreign keys
    else:
        op.drop_column("tasks", "taken")


def downgrade() -> None:
    op.add_column("tasks", sa.Column("taken", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE tasks SET taken = (SELECT COUNT(*) FROM claims WHERE claims.task_id = tasks.id "
        "AND claims.status IN ('claimed', 'submitted', 'approved'))"
    )
    op.execute("UPDATE claims SET status = 'rejected' WHERE status = 'expired'")
    op.drop_index("ix_claims_expires_at", table_name="claims")
    op.drop_column("claims", "expires_at")
