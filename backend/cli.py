"""The `heitje` command: `heitje up` runs everything; sub-commands for operators."""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account

from backend import demo, migrate
from backend.chain import anvil
from backend.chain.client import has_code_at, node_chain_id
from backend.chain.deploy import deploy_coin_at
from backend.chain.deployment import Deployment, load_deployment
from backend.cli_params import cli_runtime, load_settings
from backend.rewards.cli import refuse_if_database_behind_chain
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS, Settings
from backend.wiring import CLI_GROUPS, load_workers
from backend.workers import run_loop, start_threads

APP_FACTORY = "backend.app:app_from_environment"  # what each of several API processes serves
# uvicorn closes an idle connection after 5 s by default; on a loaded event loop that timer can fire after the
# client's next request arrived and before it was read, and the client sees the connection dropped.
KEEP_ALIVE_SECONDS = 30

app = typer.Typer(help="Heitje: a city's own reward coin.", no_args_is_help=True, add_completion=False)
log = logging.getLogger("heitje")

for _name, _group in CLI_GROUPS.items():
    app.add_typer(_group, name=_name)
app.command("demo")(demo.command)


def ensure_deployment(settings: Settings, *, fresh: bool = False) -> tuple[Deployment, bool]:
    """Returns this chain's deployment, deploying first when there is none (or its code is gone), or
    when `fresh` asks for a new coin (a local chain whose database is new)."""
    rpc_url = settings.effective_rpc_url
    existing = load_deployment(settings.deployments_dir, node_chain_id(rpc_url))
    if existing is not None and has_code_at(rpc_url, existing.address) and not fresh:
        return existing, False
    if not settings.local_chain and existing is not None:
        raise RuntimeError(f"the deployment record says {existing.address}, but there is no code there")
    deployer = Account.from_key(settings.deployer_key).address
    minter = Account.from_key(settings.minter_key).address
    deployment = deploy_coin_at(
        rpc_url,
        deployer_key=settings.deployer_key,
        name=settings.coin_name,
        symbol=settings.coin_symbol,
        admin=deployer,
        minter=minter,
        registrars=(minter,),
        deployments_dir=settings.deployments_dir,
    )
    return deployment, True


def _sqlite_file(settings: Settings) -> Path | None:
    """The database file when the database is a SQLite file (the local default), else None."""
    prefix = "sqlite:///"
    url = settings.database_url
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def _local_database_missing(settings: Settings) -> bool:
    path = _sqlite_file(settings)
    return path is not None and not path.exists()


def _retire_stale_local_database(settings: Settings) -> None:
    """A new local chain makes the old local database's money records meaningless: set it aside."""
    path = _sqlite_file(settings)
    if path is not None and path.exists():
        aside = path.with_name(f"{path.name}.stale-{int(time.time())}")
        path.rename(aside)
        typer.secho(f"  the chain was new, so the old database was set aside: {aside}", fg="yellow")


def listening_socket(host: str, port: int) -> socket.socket:
    """The API's listening socket, bound here and handed to uvicorn (one process or several).

    TCP_NODELAY: uvicorn binds the socket of `--workers` itself without naming the protocol, so asyncio
    (which sets TCP_NODELAY only on sockets whose protocol is TCP) leaves Nagle's algorithm on, and every
    answer written in two parts waits for the client's delayed ACK (~40 ms). This socket names TCP, so
    asyncio sets it on every accepted connection, and sets it itself (Linux hands it on to them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def refuse_processes_on_sqlite(settings: Settings, processes: int) -> None:
    """Several API processes need PostgreSQL: SQLite serialises every writer of its one file, so more
    processes only queue on its lock (one process uses both cores for reads already)."""
    if processes > 1 and settings.database_url.startswith("sqlite"):
        typer.secho(
            f"--workers {processes}: several API processes need PostgreSQL (DATABASE_URL=postgresql://...); "
            "with SQLite run one (the default).",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)


@app.command()
def up(
    no_workers: Annotated[bool, typer.Option(help="Serve the API without the background workers.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API processes on one PostgreSQL (the background workers still run once, in this process).",
        ),
    ] = 1,
) -> None:
    """Start everything: Anvil (when no RPC_URL is set), the coin (deployed if this chain has none),
    the database (migrated), the workers and the API (in `--workers` processes)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = load_settings()
    refuse_processes_on_sqlite(settings, workers)
    anvil_proc = None
    if settings.local_chain:
        if anvil.port_open(settings.anvil_port):
            typer.echo(f"Using the chain already listening on 127.0.0.1:{settings.anvil_port}")
        else:
            log_path = settings.anvil_state.parent / "anvil.log"
            anvil_proc = anvil.start_anvil(settings.anvil_port, state=settings.anvil_state, log_path=log_path)
            typer.echo(f"Started Anvil on 127.0.0.1:{settings.anvil_port} (state: {settings.anvil_state})")
    try:
        _serve(settings, no_workers=no_workers, processes=workers)
    finally:
        if anvil_proc is not None:
            anvil.stop(anvil_proc)


def _serve(settings: Settings, *, no_workers: bool, processes: int = 1) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from backend.app import create_app

    # On a local chain, the database and the coin belong together: claim numbers are the coin's
    # claimIds, so a new database beside an old coin would find its first claims "already paid".
    new_database = settings.local_chain and _local_database_missing(settings)
    deployment, deployed = ensure_deployment(settings, fresh=new_database)
    if deployed and settings.local_chain and not new_database:
        _retire_stale_local_database(settings)
    runtime = Runtime(settings=settings, deployment=deployment)
    migrate.upgrade(runtime.engine)
    refuse_if_database_behind_chain(runtime)
    stop = threading.Event()
    threads = [] if no_workers else start_threads(load_workers(runtime), stop, settings.worker_poll_seconds)

    base = settings.base_url
    typer.echo("")
    typer.secho("Heitje is running", bold=True)
    typer.echo(f"  App:         {base}/")
    typer.echo(f"  API:         {base}/api/v1   (docs: {base}/api/v1/docs)")
    typer.echo(f"  Health:      {base}/healthz")
    typer.echo(f"  Chain:       {settings.effective_rpc_url} (chain id {deployment.chain_id})")
    how = "deployed now" if deployed else "existing deployment"
    typer.echo(f"  Coin:        {deployment.address} ({how})")
    typer.echo(f"  Database:    {settings.database_url}")
    typer.echo(f"  Workers:     {', '.join(t.name for t in threads) or 'none'}")
    if processes > 1:
        typer.echo(f"  API:         {processes} processes")
    if settings.deployer_key == ANVIL_TEST_KEYS["deployer"]:
        typer.echo(f"  Operator:    {deployment.admin}")
        typer.secho(
            f"  Operator key (Anvil's PUBLIC test key #0, development only): {settings.deployer_key}",
            fg="yellow",
        )
    typer.echo("Press Ctrl-C to stop.")
    sock = listening_socket(settings.host, settings.port)
    try:
        if processes == 1:
            config = uvicorn.Config(create_app(runtime), log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)
            uvicorn.Server(config).run(sockets=[sock])
        else:
            # Each process builds its own app and runtime (backend.app.app_from_environment); the workers
            # above run here only, once.
            config = uvicorn.Config(
                APP_FACTORY, factory=True, workers=processes, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS
            )
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        runtime.close()


@app.command()
def worker() -> None:
    """Run the background workers alone (the reward sender, the indexer), without the API."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    runtime = cli_runtime()
    refuse_if_database_behind_chain(runtime)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    workers = load_workers(runtime)
    poll = runtime.settings.worker_poll_seconds
    threads = [threading.Thread(target=run_loop, args=(w, stop, poll), name=w.name) for w in workers]
    for thread in threads:
        thread.start()
    typer.echo(f"workers running: {', '.join(w.name for w in workers)}")
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join()


@app.command()
def deploy() -> None:
    """Deploy the coin to the configured chain unless this chain already has a deployment record."""
    settings = load_settings()
    deployment, deployed = ensure_deployment(settings)
    verb = "deployed" if deployed else "already deployed"
    typer.echo(f"{verb}: {deployment.address} on chain {deployment.chain_id}")


@app.command()
def migrate_db() -> None:
    """Apply the database migrations (heitje up does this on start)."""
    runtime = cli_runtime()
    typer.echo(f"database at head: {runtime.settings.database_url}")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

