"""Browser tests: the web app served by the real backend, driven by Playwright in Debian's Chromium.

The session starts its own Anvil (free port), deploys the coin, migrates a fresh SQLite database,
and serves the API with its workers (the reward sender, the indexer) from a thread, exactly as
`heitje up` does. Every test gets a new browser context (empty localStorage) on a phone-sized screen.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from backend import migrate
from backend.chain import anvil
from backend.chain.client import connect
from backend.chain.deploy import deploy_coin
from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS, ROOT, Settings
from backend.wiring import load_workers
from backend.workers import start_threads
from tests.web.helpers import DEPLOYER, MINTER, SCRIPT_ERRORS, PageFactory, Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
FIRST_LANGUAGE = "localStorage.getItem('heitje.lang') || localStorage.setItem('heitje.lang', 'LANG')"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


def _vendor_web() -> None:
    """The app's npm libraries are copied into web/vendor (tools/vendor-web.sh; `make setup` runs it
    too). Copying again is quick and makes sure the tests see what node_modules holds now."""
    subprocess.run([str(ROOT / "tools" / "vendor-web.sh")], check=True)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from backend.app import create_app

    _vendor_web()
    work = tmp_path_factory.mktemp("web")
    chain_port = anvil.free_port()
    anvil_proc = anvil.start_anvil(chain_port, log_path=work / "anvil.log")
    try:
        w3 = connect(f"http://127.0.0.1:{chain_port}")
        deployment = deploy_coin(
            w3, deployer_key=ANVIL_TEST_KEYS["deployer"], name="Heerlens Heitje", symbol="HEIT",
            admin=DEPLOYER.address, minter=MINTER.address, registrars=(MINTER.address,),
            deployments_dir=work / "deployments",
        )
        port = anvil.free_port()
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{work / 'heitje.db'}",
            rpc_url=f"http://127.0.0.1:{chain_port}",
            deployments_dir=work / "deployments",
            photo_dir=work / "photos",
            open_data_dir=work / "open-data",
            host="127.0.0.1",
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            worker_poll_seconds=0.1,
        )
        runtime = Runtime(settings=settings, deployment=deployment)
        migrate.upgrade(runtime.engine)
        stop = threading.Event()
        threads = start_threads(load_workers(runtime), stop, settings.worker_poll_seconds)
        config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
        http = uvicorn.Server(config)
        thread = threading.Thread(target=http.run, name="uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not http.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.05)
        yield Server(url=settings.base_url, runtime=runtime, w3=w3)
        http.should_exit = True
        thread.join(timeout=10)
        stop.set()
        for worker_thread in threads:
            worker_thread.join(timeout=10)
        runtime.close()
    finally:
        anvil.stop(anvil_proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[PageFactory]:
    """A factory of pages, each in its own context (its own localStorage: its own wallet)."""
    contexts: list[BrowserContext] = []

    def make(lang: str = "en") -> Page:
        locale = "nl-NL" if lang == "nl" else "en-GB"
        context = browser.new_context(base_url=server.url, viewport=PHONE, locale=locale,
                                      accept_downloads=True)
        # The phone's first language; the person can switch it in the app.
        context.add_init_script(FIRST_LANGUAGE.replace("LANG", lang))
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors = SCRIPT_ERRORS.setdefault(id(page), [])
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    return new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


