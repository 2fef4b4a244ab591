"""Installable on a phone: a manifest with icons and a service worker that keeps the app's files, so
offline the app opens, says it is offline and shows the last balance it saw. Unknown paths get a
friendly page, in the app and from the server."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.web.helpers import PageFactory, Server, by_id, restore_wallet, shot
from tests.web.setup_api import funded_citizen


def test_the_manifest_names_the_app_and_its_icons_load(server: Server) -> None:
    manifest = httpx.get(f"{server.url}/manifest.webmanifest").json()
    assert manifest["name"] == "Heitje" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        response = httpx.get(f"{server.url}/{icon['src']}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/")


def test_offline_the_app_opens_and_shows_the_last_known_balance(
    server: Server, new_page: PageFactory, screenshots: Path
) -> None:
    citizen = funded_citizen(server, reward="15.00")
    page = new_page("nl")
    restore_wallet(page, citizen.key.hex())
    by_id(page, "restore-wallet").wait_for(state="detached")
    page.goto("/#/wallet")
    expect(by_id(page, "balance")).to_have_text("15,00")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")  # clients.claim(): no reload needed
    expect(by_id(page, "offline-notice")).to_have_count(0)

    page.context.set_offline(True)
    page.reload()  # the app's files come from the service worker; the key is locked again, as after any reload
    expect(by_id(page, "offline-notice")).to_be_visible()
    expect(by_id(page, "offline-balance")).to_have_text("15,00")
    shot(page, screenshots, "offline")
    # Nothing waits to be sent: no payment is kept for later.
    kept = page.evaluate("Object.keys(localStorage).filter((k) => k.includes('pending') || k.includes('queue'))")
    assert kept == []
    page.context.set_offline(False)


def test_an_unknown_path_in_the_app_shows_a_friendly_page(new_page: PageFactory) -> None:
    page = new_page("en")
    page.goto("/#/no/such/screen")
    expect(by_id(page, "not-found")).to_contain_text("This page does not exist")
    by_id(page, "not-found-home").click()
    expect(by_id(page, "welcome")).to_be_visible()


def test_an_unknown_path_on_the_server_is_a_friendly_page_not_json(server: Server) -> None:
    response = httpx.get(f"{server.url}/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Deze pagina bestaat niet" in response.text

