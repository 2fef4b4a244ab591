"""A whole Heitje stack in a temporary directory: its own Anvil, its own database, the API (`heitje up
--no-workers`) and the workers (`heitje worker`) as separate OS processes that a drill can kill -9,
stop and restart. Everything listens on 127.0.0.1 only, on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, text
from web3 import Web3

from backend.chain import anvil
from backend.chain.client import connect
from backend.chain.deployment import Deployment, load_deployment
from backend.db import make_engine, normalise_url
from backend.settings import ROOT, Settings

POSTGRES_ADMIN_URL = os.environ.get("DRILL_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "drill-secret-that-is-long-enough-for-hs256-000"  # noqa: S105 - a throwaway key for a throwaway stack


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


def postgres_available() -> bool:
    try:
        engine = make_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - "not available" is the answer for any failure
        return False


def create_postgres_database(name: str) -> str:
    engine = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    engine = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@dataclass
class Stack:
    """One drill's processes. Use as a context manager: everything is stopped and removed on exit."""

    name: str
    postgres: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    keep: bool = bool(os.environ.get("DRILL_KEEP"))
    chain_state: bool = False  # Anvil saves its state on SIGTERM, so the chain can be stopped and restarted
    block_seconds: int | None = None  # mine a block every this many seconds (as a public chain), not per transaction

    def __post_init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"heitje-drill-{self.name}-"))
        self.anvil_port = anvil.free_port()
        self.port = anvil.free_port()
        self.rpc_url = f"http://127.0.0.1:{self.anvil_port}"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.pg_name = f"heitje_drill_{self.name}_{os.getpid()}"
        self.anvil_proc: subprocess.Popen[bytes] | None = None
        self.api_proc: subprocess.Popen[bytes] | None = None
        self.worker_proc: subprocess.Popen[bytes] | None = None
        self.database_url = ""
        self._engine: Engine | None = None
        self.deployment: Deployment | None = None
        self.w3: Web3 = connect(self.rpc_url, timeout=30)

    # --- life cycle -----------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.keep = True
            print(
                f"  the drill broke off; logs kept in {self.dir}\n"
                f"  --- worker log tail ---\n{self.log_tail('worker')}",
                flush=True,
            )
        self.close()

    def start(self) -> None:
        if self.postgres:
            self.database_url = normalise_url(create_postgres_database(self.pg_name))
        else:
            self.database_url = f"sqlite:///{self.dir / 'heitje.db'}"
        self.start_chain()
        self.run_cli("deploy")
        self.deployment = load_deployment(self.dir / "deployments", 31337)
        assert self.deployment is not None, "heitje deploy wrote no deployment record"
        self.start_api()
        self.start_workers()

    def close(self) -> None:
        for proc in (self.api_proc, self.worker_proc):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.anvil_proc is not None:
            if self.anvil_proc.poll() is None:
                os.kill(self.anvil_proc.pid, signal.SIGCONT)
            anvil.stop(self.anvil_proc)
        if self._engine is not None:
            self._engine.dispose()
        if self.postgres:
            drop_postgres_database(self.pg_name)
        if not self.keep:
            import shutil

            shutil.rmtree(self.dir, ignore_errors=True)

    # --- processes ------------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "HEITJE_ENV": "development",
                "RPC_URL": self.rpc_url,
                "DATABASE_URL": self.database_url,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "PUBLIC_URL": "",
                "DEPLOYMENTS_DIR": str(self.dir / "deployments"),
                "PHOTO_DIR": str(self.dir / "photos"),
                "ANVIL_STATE": str(self.dir / "anvil-state.json"),
                "SECRET_KEY": SECRET,
                "WORKER_POLL_SECONDS": "0.1",
                # Drills and fuzzing load the stack far past a city's rate limits on purpose;
                # tests/backend/security holds the limits themselves.
                "RATE_LIMITS": "off",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    @property
    def settings(self) -> Settings:
        """The settings the stack's processes run with (the drills read the yearly cap from them)."""
        return Settings.from_env(self.env)

    def run_cli(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "backend.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"heitje {' '.join(args)} failed ({result.returncode}): {result.stderr[-2000:]}"
            )
        return result.stdout

    def _spawn(self, what: str, *args: str) -> subprocess.Popen[bytes]:
        out = open(self.dir / f"{what}.log", "ab")  # noqa: SIM115 - lives with the process
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "backend.cli", *args],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def start_api(self, timeout: float = 180) -> None:
        self.api_proc = self._spawn("api", "up", "--no-workers")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api_proc.poll() is not None:
                raise RuntimeError(
                    f"the API exited with {self.api_proc.returncode}; see {self.dir / 'api.log'}"
                )
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the API did not answer within {timeout} s; see {self.dir / 'api.log'}")

    def start_workers(self) -> None:
        self.worker_proc = self._spawn("worker", "worker")

    def kill_api(self) -> None:
        if self.api_proc is not None and self.api_proc.poll() is None:
            self.api_proc.send_signal(signal.SIGKILL)
            self.api_proc.wait()

    def kill_workers(self) -> None:
        if self.worker_proc is not None and self.worker_proc.poll() is None:
            self.worker_proc.send_signal(signal.SIGKILL)
            self.worker_proc.wait()

    def stop_workers(self) -> None:
        """A clean stop (SIGTERM), so the invariant check reads a database no worker is writing."""
        if self.worker_proc is not None and self.worker_proc.poll() is None:
            self.worker_proc.terminate()
            try:
                self.worker_proc.wait(30)
            except subprocess.TimeoutExpired:
                self.worker_proc.kill()
                self.worker_proc.wait()

    def start_chain(self) -> None:
        state = self.dir / "anvil-state.json" if self.chain_state else None
        extra = ("--block-time", str(self.block_seconds)) if self.block_seconds else ()
        self.anvil_proc = anvil.start_anvil(
            self.anvil_port, state=state, extra_args=extra, log_path=self.dir / "anvil.log"
        )

    def stop_chain(self) -> None:
        """SIGTERM: Anvil writes its state and exits; the port refuses connections until start_chain."""
        assert self.anvil_proc is not None and self.chain_state, "stop_chain needs Stack(chain_state=True)"
        anvil.stop(self.anvil_proc)

    def pause_chain(self) -> None:
        assert self.anvil_proc is not None
        os.kill(self.anvil_proc.pid, signal.SIGSTOP)

    def resume_chain(self) -> None:
        assert self.anvil_proc is not None
        os.kill(self.anvil_proc.pid, signal.SIGCONT)

    # --- direct access for checks ---------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    def rpc(self, method: str, params: list[object] | None = None) -> object:
        response = self.w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def log_tail(self, what: str, lines: int = 30) -> str:
        path = self.dir / f"{what}.log"
        if not path.exists():
            return ""
        text_lines = [
            line
            for line in path.read_text(errors="replace").splitlines()
            if "GrammarWarning" not in line and "_node_method_cache" not in line
        ]
        return "\n".join(text_lines[-lines:])
