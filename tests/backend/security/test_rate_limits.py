"""Rate limits: past its limit a client (IP address) or an account gets 429 `rate_limited` with
Retry-After, before anything is written; the counts live in the database, so every API process
shares them. Tests elsewhere run with generous limits; these set tight ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.auth.models import LoginNonce
from backend.runtime import Runtime
from tests.support.accounts import DEPLOYER
from tests.support.people import TASK

NONCE = "/api/v1/auth/nonce"
# Windows are aligned to multiples of their length since 1970: one this long cannot end mid-test.
W = 10**9


@contextmanager
def api_process(runtime: Runtime, limits: str, ip: str = "198.51.100.1") -> Iterator[TestClient]:
    """One more API process on the same database (its own engine and app) with `limits`."""
    settings = runtime.settings.model_copy(update={"rate_limits": limits})
    process = Runtime(settings=settings, deployment=runtime.deployment)
    try:
        with TestClient(create_app(process, web_dir=None), client=(ip, 40000)) as client:
            yield client
    finally:
        process.close()


def _nonce_rows(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(LoginNonce)) or 0)


def test_nonce_requests_past_the_limit_are_429_with_retry_after_and_write_nothing(runtime: Runtime) -> None:
    with api_process(runtime, f"sign_in=5/{W}") as client:
        statuses = [client.get(NONCE).status_code for _ in range(8)]
        refused = client.get(NONCE)
    assert statuses == [200] * 5 + [429] * 3
    assert refused.json()["error"]["code"] == "rate_limited"
    assert abs(int(refused.headers["Retry-After"]) - (W - time.time() % W)) <= 2
    assert _nonce_rows(runtime) == 5


def test_two_api_processes_share_one_limit(runtime: Runtime) -> None:
    with api_process(runtime, f"sign_in=5/{W}") as first, api_process(runtime, f"sign_in=5/{W}") as second:
        statuses = [first.get(NONCE).status_code for _ in range(3)] + [second.get(NONCE).status_code for _ in range(3)]
    assert statuses == [200] * 5 + [429]


def test_another_client_is_not_held_back_by_one_that_hit_its_limit(runtime: Runtime) -> None:
    with api_process(runtime, f"sign_in=2/{W}", ip="198.51.100.1") as noisy:
        assert [noisy.get(NONCE).status_code for _ in range(3)] == [200, 200, 429]
    with api_process(runtime, f"sign_in=2/{W}", ip="198.51.100.2") as quiet:
        assert quiet.get(NONCE).status_code == 200


def test_an_account_is_limited_from_every_address_it_uses(runtime: Runtime, sign_in) -> None:  # type: ignore[no-untyped-def]
    limits = f"claims=2/{W}"
    citizen = Account.create()
    with api_process(runtime, limits, ip="198.51.100.1") as home:
        operator, headers = sign_in(home, DEPLOYER), sign_in(home, citizen)
        tasks = [home.post("/api/v1/tasks", json=TASK, headers=operator).json()["id"] for _ in range(3)]
        assert [home.post(f"/api/v1/tasks/{t}/claims", headers=headers).status_code for t in tasks[:2]] == [201, 201]
    with api_process(runtime, limits, ip="198.51.100.2") as elsewhere:
        refused = elsewhere.post(f"/api/v1/tasks/{tasks[2]}/claims", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")


def test_public_reads_are_limited_per_client(runtime: Runtime) -> None:
    with api_process(runtime, f"reads=3/{W}") as client:
        assert [client.get("/api/v1/tasks").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_uploads_have_their_own_limit(runtime: Runtime, sign_in) -> None:  # type: ignore[no-untyped-def]
    citizen = Account.create()
    with api_process(runtime, f"uploads=1/{W}") as client:
        headers = sign_in(client, citizen)
        files = {"photo": ("p.png", b"not a png", "image/png")}
        first = client.post("/api/v1/claims/999/proof", headers=headers, files=files)
        second = client.post("/api/v1/claims/999/proof", headers=headers, files=files)
    assert first.status_code == 404
    assert second.status_code == 429


def test_health_checks_and_the_web_app_are_not_limited(runtime: Runtime) -> None:
    with api_process(runtime, f"reads=1/{W}") as client:
        assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_limits_can_be_switched_off(runtime: Runtime) -> None:
    with api_process(runtime, "off") as client:
        assert {client.get(NONCE).status_code for _ in range(30)} == {200}
