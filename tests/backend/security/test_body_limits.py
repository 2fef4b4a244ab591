"""Body limits: a request is refused before its body is read when it has no valid token (401) or
declares more than its route takes (413 `too_large`); a body of undeclared size is cut off at the
limit. Uploads take the photo limit, every other route a small JSON limit."""

from __future__ import annotations

import pytest
from eth_account import Account
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.runtime import Runtime
from tests.backend.security.asgi import CHUNK, call
from tests.support.people import People

HUGE = str(300 * 1024 * 1024)
MULTIPART = "multipart/form-data; boundary=xyz"
# The start of a well-formed upload whose photo then goes on and on.
PHOTO_PART = (
    b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\n'
    b"Content-Type: image/png\r\n\r\n"
)


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime, web_dir=None)


def test_an_upload_without_a_token_is_refused_before_its_body_is_read(app: FastAPI) -> None:
    answer = call(
        app, "POST", "/api/v1/claims/1/proof", headers={"content-length": HUGE, "content-type": MULTIPART},
        chunks=300,
    )
    assert (answer.status, answer.json()["error"]["code"]) == (401, "unauthorized")
    assert answer.chunks_read == 0


def test_an_upload_with_a_forged_token_is_refused_before_its_body_is_read(app: FastAPI) -> None:
    headers = {"content-length": HUGE, "content-type": MULTIPART, "authorization": "Bearer not.a.token"}
    answer = call(app, "POST", "/api/v1/claims/1/proof", headers=headers, chunks=300)
    assert answer.status == 401
    assert answer.chunks_read == 0


def test_an_upload_declaring_more_than_the_photo_limit_is_413_before_its_body_is_read(
    app: FastAPI, people: People
) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    headers = {"content-length": HUGE, "content-type": MULTIPART, **people.headers(citizen)}
    answer = call(app, "POST", f"/api/v1/claims/{claim_id}/proof", headers=headers, chunks=300)
    assert (answer.status, answer.json()["error"]["code"]) == (413, "too_large")
    assert answer.chunks_read == 0


def test_an_upload_of_undeclared_size_is_cut_off_at_the_photo_limit(
    app: FastAPI, people: People, runtime: Runtime
) -> None:
    citizen = Account.create()
    claim_id = people.claim(citizen)
    headers = {"transfer-encoding": "chunked", "content-type": MULTIPART, **people.headers(citizen)}
    answer = call(app, "POST", f"/api/v1/claims/{claim_id}/proof", headers=headers, chunks=300, first=PHOTO_PART)
    assert (answer.status, answer.json()["error"]["code"]) == (413, "too_large")
    assert answer.chunks_read <= runtime.settings.max_photo_bytes // CHUNK + 2


def test_a_json_body_over_the_small_limit_is_413_before_it_is_read(app: FastAPI) -> None:
    headers = {"content-length": str(1024 * 1024), "content-type": "application/json"}
    answer = call(app, "POST", "/api/v1/auth/login", headers=headers, chunks=1)
    assert (answer.status, answer.json()["error"]["code"]) == (413, "too_large")
    assert answer.chunks_read == 0


def test_a_json_body_of_undeclared_size_is_cut_off_at_the_small_limit(app: FastAPI, runtime: Runtime) -> None:
    headers = {"transfer-encoding": "chunked", "content-type": "application/json"}
    answer = call(app, "POST", "/api/v1/auth/login", headers=headers, chunks=50, chunk=b" " * 16 * 1024)
    assert (answer.status, answer.json()["error"]["code"]) == (413, "too_large")
    assert answer.chunks_read <= runtime.settings.max_json_bytes // (16 * 1024) + 1


def test_an_operator_posting_a_task_larger_than_the_json_limit_gets_413(client: TestClient, people: People) -> None:
    response = client.post(
        "/api/v1/tasks",
        json={"title": "x", "description": "y" * (100 * 1024), "district": "Zuid", "reward": "1.00", "capacity": 1},
        headers=people.operator,
    )
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_large")


def test_a_photo_within_the_limit_still_uploads(people: People) -> None:
    citizen = Account.create()
    assert people.prove(citizen, people.claim(citizen)).status_code == 200


def test_an_upload_with_an_expired_token_is_told_so_before_its_body_is_read(app: FastAPI, runtime: Runtime) -> None:
    import time

    from backend.auth.tokens import issue_token

    stale = issue_token(runtime.settings, Account.create().address, now=time.time() - 10 * 86400)
    headers = {"content-length": HUGE, "content-type": MULTIPART, "authorization": f"Bearer {stale}"}
    answer = call(app, "POST", "/api/v1/claims/1/proof", headers=headers, chunks=300)
    assert answer.status == 401
    assert "expired" in answer.json()["error"]["message"]
    assert answer.chunks_read == 0
