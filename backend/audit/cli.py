"""`heitje audit list`: read the audit trail from the command line (there is no command to change it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from backend import paging
from backend.audit import service
from backend.audit.models import ACTIONS, AuditEntry
from backend.db import transaction

app = typer.Typer(help="The audit trail of operator decisions (read-only).", no_args_is_help=True)


@app.command("list")
def list_(
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. claim_approved")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this operator's decisions")] = None,
    since: Annotated[str | None, typer.Option(help="From this time, ISO 8601 with zone")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of lines")] = False,
) -> None:
    """List decisions, newest first."""
    from backend.cli_params import cli_runtime

    if action is not None and action not in ACTIONS:
        raise typer.BadParameter(f"action is one of {', '.join(ACTIONS)}", param_hint="--action")
    try:
        since_at = datetime.fromisoformat(since) if since else None
    except ValueError as exc:
        raise typer.BadParameter("give an ISO 8601 time, e.g. 2026-03-01T00:00:00Z", param_hint="--since") from exc
    if since_at is not None and since_at.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-03-01T00:00:00Z", param_hint="--since")
    runtime = cli_runtime()
    with transaction(runtime.read_sessions) as session:
        filters = service.Filters(action=action, actor=actor, since=since_at)
        entries: list[AuditEntry] = []
        cursor: str | None = None
        while len(entries) < limit:  # the newest `limit` entries, a page at a time
            size = min(paging.MAX_LIMIT, limit - len(entries))
            page = service.list_entries(session, filters, limit=size, cursor=cursor)
            entries += page.items
            if page.next is None:
                break
            cursor = page.next
        if csv:
            typer.echo(service.entries_csv(entries), nl=False)
            return
        for e in entries:
            when = e.at.isoformat(timespec="seconds")
            typer.echo(f"{e.id:>6}  {when}  {e.actor:<42}  {e.action:<20}  {e.subject}  {e.details}")
