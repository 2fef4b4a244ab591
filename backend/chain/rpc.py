"""JSON-RPC to the node over one pooled HTTP session: single and batched calls, one error branch.

Every request of the process goes through one `requests.Session` (web3's provider inside
`backend.chain` is given the same session), so connections are pooled and reused. A failure to reach
the node is `backend.errors.ChainUnavailable` (503 `chain_unavailable` at the API); an answer with an
`error` member is `RpcError` with the node's code, message and data (revert data for a failed call).
"""

from __future__ import annotations

import itertools
import os
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from backend.errors import ChainUnavailable

# Enough for the API's worker threads plus the background workers sharing one process.
POOL_SIZE = 32


class RpcError(RuntimeError):
    """The node answered a JSON-RPC request with an error (its code, message and data)."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        super().__init__(f"{method}: {message}" + (f" (code {code})" if code is not None else ""))
        self.method = method
        self.code = code
        self.message = message
        self.data = data

    @property
    def revert_data(self) -> str | None:
        """The 0x-hex revert data the node attached (some nodes nest it one level deeper), or None."""
        data = self.data.get("data") if isinstance(self.data, dict) else self.data
        return data if isinstance(data, str) and data.startswith("0x") else None


def new_session(pool_size: int = POOL_SIZE, *, url: str | None = None) -> requests.Session:
    """A pooled HTTP session. Given the one `url` it will post to, what the environment says about that
    URL (HTTP(S)_PROXY and NO_PROXY, REQUESTS_CA_BUNDLE, ~/.netrc) is read once here instead of on every
    request: requests reads it per request (1.5 ms of a relay's 30 ms, several times per relay)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if url is not None:
        session.proxies.update(requests.utils.get_environ_proxies(url, no_proxy=None))
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        session.auth = requests.utils.get_netrc_auth(url)
        session.trust_env = False
    return session


class Rpc:
    """One node's JSON-RPC endpoint. Thread-safe: the session's connection pool is."""

    def __init__(self, url: str, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.session = session or new_session(url=url)
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()

    def _next_ids(self, count: int = 1) -> int:
        """Reserves `count` consecutive request ids; returns the first."""
        with self._ids_lock:
            first = next(self._ids)
            self._ids = itertools.count(first + count)
            return first

    def _post(self, body: Any) -> Any:
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ConnectionError) as exc:
            raise ChainUnavailable(type(exc).__name__) from exc
        # Whatever the HTTP status, a JSON-RPC answer is the node's word (some nodes refuse a too-wide
        # log query with HTTP 400 and a JSON-RPC error, which the indexer answers by asking for less).
        try:
            return response.json()
        except ValueError as exc:  # not JSON: a proxy's error page, a half-written answer
            raise ChainUnavailable(f"HTTP {response.status_code}: the node's answer was not JSON") from exc

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """One request; its `result`, or RpcError."""
        answer = self._post({"jsonrpc": "2.0", "id": self._next_ids(), "method": method, "params": params or []})
        return _result(method, answer)

    def batch_results(self, calls: list[tuple[str, list[Any]]]) -> list[Any | RpcError]:
        """Several requests in one round trip; each call's result, or its RpcError, in order."""
        if not calls:
            return []  # an empty batch is an invalid request
        first = self._next_ids(len(calls))
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        answers = self._post(body)
        if not isinstance(answers, list):  # the node refused the batch as a whole
            raise _error(calls[0][0], answers.get("error") if isinstance(answers, dict) else answers)
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        out: list[Any | RpcError] = []
        for i, (method, _) in enumerate(calls):
            answer = by_id.get(first + i)
            if answer is None:
                out.append(RpcError(method, None, "no answer in the batch"))
            elif answer.get("error") is not None:
                out.append(_error(method, answer["error"]))
            else:
                out.append(answer.get("result"))
        return out

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several requests in one round trip; their results in order, or the first RpcError."""
        results = self.batch_results(calls)
        for result in results:
            if isinstance(result, RpcError):
                raise result
        return results

    def close(self) -> None:
        self.session.close()


def _error(method: str, error: Any) -> RpcError:
    if isinstance(error, dict):
        code = error.get("code")
        message = str(error.get("message", ""))
        return RpcError(method, code if isinstance(code, int) else None, message, error.get("data"))
    return RpcError(method, None, str(error or "no answer"))


def _result(method: str, answer: Any) -> Any:
    if not isinstance(answer, dict):
        raise RpcError(method, None, f"unexpected answer {str(answer)[:200]}")
    if answer.get("error") is not None:
        raise _error(method, answer["error"])
    return answer.get("result")
