"""Alembic environment: the engine is handed over by backend.migrate (never read from a file)."""

from __future__ import annotations

from alembic import context

from backend import models_registry  # noqa: F401 - imports every domain's models into Base.metadata
from backend.db import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
