"""The monthly cap (MONTHLY_CAP): refused like the yearly cap, and it holds under parallel approvals."""

from __future__ import annotations

import threading

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from backend.app import create_app
from tests.backend.claims.helpers import Loop, rewards_by_claim, submitted_claims, with_caps


def test_approval_that_would_pass_the_monthly_cap_is_refused(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, monthly_cap="40.00")
    citizen = Account.create()
    first, second, third = submitted_claims(loop, citizen, 3)
    assert loop.approve(first).status_code == 200
    assert loop.approve(second).status_code == 200
    response = loop.approve(third)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "monthly_cap_exceeded"
    assert error["details"]["already"] == "30.00" and error["details"]["cap"] == "40.00"
    assert loop.client.get(f"/api/v1/claims/{third}", headers=loop.operator).json()["status"] == "submitted"
    assert set(rewards_by_claim(runtime)) == {first, second}


def test_approval_up_to_exactly_the_monthly_cap_is_allowed(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, monthly_cap="30.00")
    first, second = submitted_claims(loop, Account.create(), 2)
    assert [loop.approve(first).status_code, loop.approve(second).status_code] == [200, 200]


def test_the_monthly_cap_counts_each_citizen_alone(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, monthly_cap="15.00")
    (one,) = submitted_claims(loop, Account.create(), 1)
    (other,) = submitted_claims(loop, Account.create(), 1)
    assert [loop.approve(one).status_code, loop.approve(other).status_code] == [200, 200]


def test_without_a_monthly_cap_only_the_yearly_cap_limits(loop: Loop, runtime, monkeypatch) -> None:
    with_caps(runtime, monkeypatch, monthly_cap=None, yearly_cap="100.00")
    claims = submitted_claims(loop, Account.create(), 3, reward="30.00")
    assert [loop.approve(c).status_code for c in claims] == [200, 200, 200]


def approve_all_at_once(loop: Loop, runtime, claims: list[int]) -> list[tuple[int, str | None]]:
    """Every claim approved by its own client in its own thread, released together."""
    barrier = threading.Barrier(len(claims))
    results: list[tuple[int, str | None]] = []
    headers = loop.operator

    def approve(claim_id: int) -> None:
        with TestClient(create_app(runtime, web_dir=None)) as own_client:
            barrier.wait()
            response = own_client.post(f"/api/v1/claims/{claim_id}/approve", headers=headers)
            code = response.json().get("error", {}).get("code") if response.status_code != 200 else None
            results.append((response.status_code, code))

    threads = [threading.Thread(target=approve, args=(c,)) for c in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(
    ("caps", "code"),
    [
        ({"monthly_cap": "45.00", "yearly_cap": "1500.00"}, "monthly_cap_exceeded"),
        ({"monthly_cap": None, "yearly_cap": "45.00"}, "yearly_cap_exceeded"),
    ],
    ids=["monthly", "yearly"],
)
def test_parallel_approvals_never_pass_the_cap(loop: Loop, runtime, monkeypatch, caps, code) -> None:
    with_caps(runtime, monkeypatch, **caps)
    citizen = Account.create()
    claims = submitted_claims(loop, citizen, 6)
    results = approve_all_at_once(loop, runtime, claims)
    assert sorted(results, key=str) == sorted([(200, None)] * 3 + [(409, code)] * 3, key=str)
    rewards = rewards_by_claim(runtime)
    assert len(rewards) == 3
    assert sum(r.amount_units for r in rewards.values()) == 4500
