"""`heitje task create|list|close`: post and manage tasks from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError

from backend import cli_params, paging
from backend.db import transaction
from backend.errors import HeitjeError
from backend.tasks import service
from backend.tasks.schemas import TaskIn

app = typer.Typer(help="Tasks the city posts for citizens.", no_args_is_help=True)


@app.command("create")
def create(
    title: Annotated[str, typer.Option(help="Short title")],
    district: Annotated[str, typer.Option(help="District name")],
    reward: Annotated[str, typer.Option(help='Reward in coins, e.g. "15.00"')],
    description: Annotated[str, typer.Option(help="What to do")] = "",
    capacity: Annotated[int, typer.Option(help="How many citizens may claim it")] = 1,
    minutes: Annotated[int | None, typer.Option(help="Expected minutes of work")] = None,
    closes_at: Annotated[str | None, typer.Option(help="Deadline, ISO 8601 with zone")] = None,
    latitude: Annotated[float | None, typer.Option()] = None,
    longitude: Annotated[float | None, typer.Option()] = None,
) -> None:
    """Post a task (as the deployment's admin)."""
    try:
        # `reward` is the typed text ("15.00"): validation parses it into units.
        data = TaskIn.model_validate(
            {
                "title": title,
                "description": description or title,
                "district": district,
                "reward": reward,
                "capacity": capacity,
                "minutes": minutes,
                "closes_at": datetime.fromisoformat(closes_at) if closes_at else None,
                "latitude": latitude,
                "longitude": longitude,
            }
        )
    except (ValidationError, ValueError) as exc:
        typer.secho(f"invalid task: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            task = service.create_task(
                session, operator=runtime.deployment.admin, data=data,
                max_hourly_rate=runtime.settings.max_hourly_rate,
            )
            out = service.view(session, task)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"task {out.id} created: {out.title} ({out.district}, {out.reward}, {out.capacity} places)")


@app.command("list")
def list_(
    district: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help="open, full or closed")] = None,
) -> None:
    """List tasks, newest first."""
    runtime = cli_params.cli_runtime()
    with transaction(runtime.sessions) as session:
        tasks = paging.every(
            lambda cursor: service.list_tasks(
                session, district=district, status=status, limit=paging.MAX_LIMIT, cursor=cursor  # type: ignore[arg-type]
            )
        )
        for out in service.views(session, tasks):
            typer.echo(
                f"{out.id:>5}  {out.status:<6}  {out.reward:>8}  {out.taken}/{out.capacity}  "
                f"{out.district}: {out.title}"
            )


@app.command("close")
def close(task_id: Annotated[int, typer.Argument()]) -> None:
    """Close a task for new claims."""
    runtime = cli_params.cli_runtime()
    try:
        with transaction(runtime.sessions) as session:
            service.close_task(session, task_id)
    except HeitjeError as exc:
        typer.secho(exc.message, fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"task {task_id} closed")
