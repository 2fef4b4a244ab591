"""`heitje operator add` gives a wallet the operator role; the task and claims commands work on the
same database as the API."""

from __future__ import annotations

import pytest
from eth_account import Account
from typer.testing import CliRunner

from backend import cli, cli_params
from tests.backend.claims.helpers import Loop


@pytest.fixture
def heitje(runtime, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli_params, "cli_runtime", lambda: runtime)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.app, list(args))


def test_operator_added_on_the_command_line_signs_in_as_operator(loop: Loop, heitje) -> None:
    staff = Account.create()
    result = heitje("operator", "add", staff.address.lower())
    assert result.exit_code == 0, result.output
    assert staff.address in result.output
    response = loop.client.post(
        "/api/v1/tasks",
        json={"title": "Sweep", "description": "d", "district": "Noord", "reward": "5.00", "capacity": 1},
        headers=loop.headers(staff),
    )
    assert response.status_code == 201


def test_adding_a_bad_address_fails_plainly(heitje) -> None:
    result = heitje("operator", "add", "0x123")
    assert result.exit_code != 0
    assert "not an address" in result.output


def test_task_create_and_claims_list_on_the_command_line(loop: Loop, heitje) -> None:
    result = heitje(
        "task",
        "create",
        "--title",
        "Clear litter",
        "--district",
        "Centrum",
        "--reward",
        "12.00",
        "--capacity",
        "2",
    )
    assert result.exit_code == 0, result.output
    task_id = int(result.output.split()[1])
    citizen = Account.create()
    claim_id = loop.claim(citizen, task_id)
    loop.prove(citizen, claim_id, note="all clean")
    listed = heitje("claims", "list", "--status", "submitted")
    assert listed.exit_code == 0
    assert str(claim_id) in listed.output and "all clean" in listed.output
