"""The database's own refusal to change an audit row: triggers that raise on UPDATE and DELETE (and
TRUNCATE on PostgreSQL) of `audit_entries`. The application never updates or deletes one; the
triggers make sure no code path (or a slip in a future one) can. Created by migration 0011.

`lifted` drops them for the length of a block: only for test fixtures that empty every table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

TABLE = "audit_entries"
MESSAGE = "audit entries are append-only"

_SQLITE_INSTALL = (
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
_SQLITE_REMOVE = (f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")

_POSTGRES_INSTALL = (
    "CREATE OR REPLACE FUNCTION heitje_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION heitje_audit_append_only()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION heitje_audit_append_only()",
)
_POSTGRES_REMOVE = (
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
)


def install(conn: Connection) -> None:
    postgres = conn.dialect.name == "postgresql"
    for statement in _POSTGRES_INSTALL if postgres else _SQLITE_INSTALL:
        conn.execute(text(statement))


def remove(conn: Connection) -> None:
    postgres = conn.dialect.name == "postgresql"
    for statement in _POSTGRES_REMOVE if postgres else _SQLITE_REMOVE:
        conn.execute(text(statement))


@contextmanager
def lifted(conn: Connection) -> Iterator[None]:
    """Test fixtures only: the triggers are gone inside the block and back after it."""
    remove(conn)
    try:
        yield
    finally:
        install(conn)
