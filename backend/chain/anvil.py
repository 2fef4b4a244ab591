"""Starts a local Anvil (from npm @foundry-rs/anvil, linked into .tools/bin) for development and tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from backend.settings import ROOT

ANVIL_CHAIN_ID = 31337


def anvil_binary() -> str:
    local = ROOT / ".tools" / "bin" / "anvil"
    if local.exists():
        return str(local)
    found = shutil.which("anvil")
    if not found:
        raise FileNotFoundError("anvil not found: run `make setup` (it links Anvil from node_modules)")
    return found


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_anvil(
    port: int,
    *,
    state: Path | None = None,
    extra_args: tuple[str, ...] = (),
    log_path: Path | None = None,
    timeout: float = 30.0,
) -> subprocess.Popen[bytes]:
    """Starts Anvil on 127.0.0.1:`port` and waits until it answers. With `state`, the chain is
    loaded from and saved to that file (every 5 s and on exit), so a restart keeps the coin."""
    args = [anvil_binary(), "--port", str(port), "--host", "127.0.0.1", "--chain-id", str(ANVIL_CHAIN_ID)]
    if state is not None:
        state.parent.mkdir(parents=True, exist_ok=True)
        args += ["--state", str(state), "--state-interval", "5"]
    args += list(extra_args)
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())  # noqa: S603 - our own binary
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"anvil exited with code {proc.returncode} (see {log_path or 'its output'})")
        if port_open(port):
            return proc
        time.sleep(0.05)
    proc.kill()
    raise TimeoutError(f"anvil did not answer on port {port} within {timeout} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM lets Anvil write its --state file
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
