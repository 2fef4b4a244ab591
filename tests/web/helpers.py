"""What the browser tests share: the running server, the keys, and steps a person takes in the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from PIL import Image
from playwright.sync_api import Locator, Page
from web3 import Web3

from backend.runtime import Runtime
from backend.settings import ANVIL_TEST_KEYS

DEPLOYER = Account.from_key(ANVIL_TEST_KEYS["deployer"])  # the deployment's admin: an operator
MINTER = Account.from_key(ANVIL_TEST_KEYS["minter"])
PASSPHRASE = "bench-by-the-pond"
SCRIPT_ERRORS: dict[int, list[str]] = {}  # id(page) -> uncaught errors in the page's scripts


def script_errors(page: Page) -> list[str]:
    return SCRIPT_ERRORS.get(id(page), [])


@dataclass
class Server:
    url: str
    runtime: Runtime
    w3: Web3


def by_id(page: Page, name: str) -> Locator:
    return page.get_by_test_id(name)


def create_wallet(page: Page, passphrase: str = PASSPHRASE) -> list[str]:
    """Opens the app on a fresh device, makes a wallet and returns the 12 words it shows once."""
    page.goto("/")
    by_id(page, "start-new").click()
    by_id(page, "passphrase").fill(passphrase)
    by_id(page, "passphrase-again").fill(passphrase)
    by_id(page, "create-submit").click()
    words = by_id(page, "phrase-words").locator("li")
    words.first.wait_for()
    phrase = words.all_inner_texts()
    by_id(page, "phrase-written").check()
    by_id(page, "phrase-done").click()
    answer_quiz(page, phrase)
    return phrase


def answer_quiz(page: Page, phrase: list[str]) -> None:
    """Proves the words were written down: fills in the ones the app asks for (by position)."""
    asked = by_id(page, "quiz-word")
    asked.first.wait_for()
    for field in asked.all():
        field.fill(phrase[int(field.get_attribute("data-position") or 0) - 1])
    by_id(page, "quiz-submit").click()


def restore_wallet(page: Page, secret: str, passphrase: str = PASSPHRASE) -> None:
    """Brings back a wallet from its recovery words (or, for the operator, a private key)."""
    page.goto("/#/wallet/restore")
    by_id(page, "restore-secret").fill(secret)
    by_id(page, "passphrase").fill(passphrase)
    by_id(page, "passphrase-again").fill(passphrase)
    by_id(page, "restore-submit").click()


def address_of(page: Page) -> str:
    return str(page.evaluate("localStorage.getItem('heitje.address')"))


def unlock(page: Page, passphrase: str = PASSPHRASE) -> None:
    """Opens the app again (a new visit: the key is locked) and unlocks it with the passphrase."""
    page.goto("/")
    by_id(page, "unlock-passphrase").fill(passphrase)
    by_id(page, "unlock-submit").click()
    by_id(page, "unlock").wait_for(state="detached")


def photo_file(directory: Path, name: str = "bench.png") -> Path:
    """A small real PNG, as a phone camera would hand over."""
    path = directory / name
    image = Image.new("RGB", (320, 240), (40, 120, 80))
    for x in range(60, 260):
        for y in range(150, 170):
            image.putpixel((x, y), (150, 90, 40))
    image.save(path, "PNG")
    return path


def shot(page: Page, directory: Path, name: str) -> None:
    """Saves docs/screenshots/<name>.png: the phone's screen, stretched to the page's whole height
    (so the tab bar sits at the bottom instead of across the middle)."""
    size = page.viewport_size
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(150)  # let the last paint land; not an assertion
    page.screenshot(path=str(directory / f"{name}.png"))
    page.set_viewport_size(size)

ANVIL_OPERATOR_KEY = ANVIL_TEST_KEYS["deployer"]  # Anvil's PUBLIC test key #0: the deployment admin

PageFactory = Callable[..., Page]  # new_page(lang="en") -> a page in a fresh browser context
