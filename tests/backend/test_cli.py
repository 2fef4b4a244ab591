"""`heitje up` and `heitje deploy` find this chain's coin, or deploy one, asking the chain through
backend.chain (no web3 in the CLI)."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from eth_account import Account
from typer.testing import CliRunner

from backend.chain.client import has_code_at
from backend.chain.deployment import load_deployment, save_deployment
from backend.cli import app as cli_app
from backend.cli import ensure_deployment, listening_socket


def test_the_recorded_coin_is_used_when_its_code_is_on_the_chain(settings, deployment):
    found, deployed = ensure_deployment(settings)

    assert (found, deployed) == (deployment, False)


def test_a_chain_without_a_record_gets_a_coin_deployed_and_recorded(runtime, settings, tmp_path):
    fresh = settings.model_copy(update={"deployments_dir": tmp_path})

    found, deployed = ensure_deployment(fresh)

    assert deployed is True
    assert has_code_at(settings.effective_rpc_url, found.address)
    assert load_deployment(tmp_path, found.chain_id) == found


def test_a_record_without_code_on_a_live_chain_is_refused(settings, deployment, tmp_path):
    save_deployment(tmp_path, dataclasses.replace(deployment, address=Account.create().address))
    live = settings.model_copy(update={"deployments_dir": tmp_path})

    with pytest.raises(RuntimeError, match="no code there"):
        ensure_deployment(live)


def test_the_api_socket_hands_tcp_nodelay_to_every_connection():
    listener = listening_socket("127.0.0.1", 0)
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert listener.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY on what it accepts only then
    finally:
        for sock in (client, accepted, listener):
            sock.close()


def test_several_api_processes_on_sqlite_are_refused_with_the_reason(settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(settings.photo_dir / "never.db"))
    monkeypatch.setenv("RPC_URL", "http://127.0.0.1:9")  # never reached: refused before anything starts
    monkeypatch.setenv("HEITJE_ENV", "development")

    result = CliRunner().invoke(cli_app, ["up", "--workers", "2"])

    assert result.exit_code == 2
    assert "several API processes need PostgreSQL" in result.output
