"""Security headers on the web app and the API: a CSP without inline script, nosniff, no framing, no
referrer, the camera for the app itself only, and HSTS when the public address is https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.app import WEB_DIR, create_app
from backend.runtime import Runtime


@pytest.fixture
def web(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/", "/js/main.js", "/api/v1/tasks", "/api/v1/nowhere", "/healthz"])
def test_every_answer_carries_the_security_headers(web: TestClient, path: str) -> None:
    response = web.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "camera=(self)" in response.headers["permissions-policy"]
    csp = _csp(response)
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_refusals_from_the_edge_carry_the_headers_too(web: TestClient) -> None:
    response = web.post("/api/v1/claims/1/proof", files={"photo": ("p.png", b"x", "image/png")})
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_hsts_while_the_public_address_is_plain_http(web: TestClient) -> None:
    assert "strict-transport-security" not in web.get("/").headers


def test_hsts_when_the_public_address_is_https(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"public_url": "https://heitje.heerlen.nl"})
    process = Runtime(settings=settings, deployment=runtime.deployment)
    try:
        with TestClient(create_app(process, web_dir=None)) as client:
            assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    finally:
        process.close()


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]


def test_the_app_page_has_no_inline_script_style_or_handlers() -> None:
    parser = _Inline()
    parser.feed((WEB_DIR / "index.html").read_text())
    assert parser.found == []


def _js_files() -> list[Path]:
    return sorted((WEB_DIR / "js").rglob("*.js"))


def test_the_app_scripts_set_no_style_attributes_the_policy_would_drop() -> None:
    """Style attributes set from script are blocked by the CSP; the DOM helper sets them through CSSOM."""
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in _js_files()
        for line in path.read_text().splitlines()
        if re.search(r"setAttribute\(\s*['\"]style['\"]|\bon[a-z]+\s*=\s*['\"]", line)
    ]
    assert offenders == []
    dom = (WEB_DIR / "js" / "dom.js").read_text()
    assert 'key === "style"' in dom
