"""The app runs under its Content-Security-Policy in a real browser: nothing is refused, and styles
set through the DOM helper still apply (the policy drops style attributes; the helper uses CSSOM)."""

from __future__ import annotations

from tests.web.helpers import PageFactory, Server


def test_the_app_loads_without_a_policy_violation(server: Server, new_page: PageFactory) -> None:
    page = new_page("en")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto("/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert refused == []


def test_styles_set_by_the_dom_helper_apply_under_the_policy(server: Server, new_page: PageFactory) -> None:
    page = new_page("en")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/")
    align = page.evaluate(
        """async () => {
            const { h } = await import("/js/dom.js");
            const el = h("p", { style: "text-align:center" }, "x");
            document.body.append(el);
            return getComputedStyle(el).textAlign;
        }"""
    )
    assert align == "center"
    assert refused == []
