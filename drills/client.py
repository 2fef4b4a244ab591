"""An HTTP client for a running Heitje API, as a wallet app would use it: real EIP-4361 sign-in with
eth-account, bearer tokens, and retries across API restarts (a drill kills the server mid-request)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

API = "/api/v1"


def siwe_message(
    address: str,
    nonce: str,
    *,
    base_url: str,
    chain_id: int = 31337,
    expires_in: timedelta = timedelta(minutes=10),
) -> str:
    now = datetime.now(UTC)
    return SiweMessage(
        domain=base_url.split("://", 1)[-1].rstrip("/"),
        address=address,
        statement="Sign in to Heitje",
        uri=base_url,
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        expiration_time=(now + expires_in).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ).prepare_message()


def sign_text(account: LocalAccount, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


class ApiError(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            f"{response.request.method} {response.request.url.path} -> {response.status_code}: "
            f"{response.text[:400]}"
        )
        self.response = response


class Api:
    """One base URL; `call` retries connection failures (the server is being restarted) until
    `patience` seconds have passed, so a drill's workload rides through kill -9."""

    def __init__(self, base_url: str, *, patience: float = 60.0, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.patience = patience
        self.retries = 0  # connection failures ridden through
        # Every 5xx seen: each is a bug unless it is 503 chain_unavailable.
        self.server_errors: list[str] = []
        self.stale_reads = 0  # 404 / unknown-nonce answers that went away when asked again

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {}) or {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        deadline = time.monotonic() + self.patience
        stale_reads = 0
        while True:
            try:
                response = self.http.request(method, API + path, headers=headers, **kwargs)
            except (
                httpx.ConnectError,
                httpx.RemoteProtocolError,
                httpx.ReadError,
                httpx.ReadTimeout,
                httpx.WriteError,
            ) as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{method} {path}: the API stayed unreachable for {self.patience} s"
                    ) from exc
                self.retries += 1
                time.sleep(0.2)
                continue
            if _maybe_uncommitted(response) and stale_reads < 5:
                # The previous answer may have been sent before its transaction committed (see the report:
                # FastAPI runs a yield dependency's exit after the response). Count it and ask again.
                stale_reads += 1
                self.stale_reads += 1
                time.sleep(0.1)
                continue
            if response.status_code >= 500:
                code = _code(response)
                self.server_errors.append(f"{method} {path} -> {response.status_code} {code}")
            return response

    def ok(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
        response = self.call(method, path, token=token, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    def sign_in(self, account: LocalAccount) -> str:
        nonce = self.ok("GET", "/auth/nonce")["nonce"]
        message = siwe_message(account.address, nonce, base_url=self.base_url)
        body = self.ok(
            "POST", "/auth/login", json={"message": message, "signature": sign_text(account, message)}
        )
        return str(body["access_token"])


def _maybe_uncommitted(response: httpx.Response) -> bool:
    if response.status_code == 404:
        return _code(response) == "not_found"
    if response.status_code == 401 and response.request.url.path.endswith("/auth/login"):
        return '"nonce"' in response.text
    return False


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:  # noqa: BLE001 - not our JSON shape
        return response.text[:80]


def error_code(response: httpx.Response) -> str:
    return _code(response)


def new_account() -> LocalAccount:
    return Account.create()
