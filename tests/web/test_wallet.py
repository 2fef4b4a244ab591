"""The wallet in the browser: made on the device, locked with a passphrase, words shown once."""

from __future__ import annotations

from eth_account import Account
from playwright.sync_api import Page, expect

from tests.web.helpers import PASSPHRASE, PageFactory, address_of, by_id, create_wallet

Account.enable_unaudited_hdwallet_features()


def test_new_wallet_shows_twelve_words_that_derive_its_address(page: Page) -> None:
    phrase = create_wallet(page)
    assert len(phrase) == 12
    assert Account.from_mnemonic(" ".join(phrase)).address == address_of(page)


def test_keystore_in_local_storage_is_encrypted_not_the_key(page: Page) -> None:
    phrase = create_wallet(page)
    stored = page.evaluate("JSON.stringify(localStorage)")
    keystore = page.evaluate("JSON.parse(localStorage.getItem('heitje.keystore'))")
    assert {"address", "crypto"} <= {key.lower() for key in keystore}
    key = Account.from_mnemonic(" ".join(phrase)).key.hex()
    assert key.removeprefix("0x") not in stored
    assert phrase[0] + " " + phrase[1] not in stored


def test_wrong_passphrase_is_refused_in_plain_words(page: Page) -> None:
    create_wallet(page)
    page.goto("/")
    expect(by_id(page, "unlock")).to_be_visible()
    by_id(page, "unlock-passphrase").fill("not-my-passphrase")
    by_id(page, "unlock-submit").click()
    expect(by_id(page, "form-error")).to_have_text("That password is not right. Please try again.")


def test_right_passphrase_unlocks_the_same_wallet(page: Page) -> None:
    create_wallet(page)
    address = address_of(page)
    page.goto("/")
    by_id(page, "unlock-passphrase").fill(PASSPHRASE)
    by_id(page, "unlock-submit").click()
    expect(by_id(page, "unlock")).to_be_hidden()
    assert address_of(page) == address


def test_words_from_another_device_restore_the_same_wallet(page: Page, new_page: PageFactory) -> None:
    phrase = create_wallet(page)
    other = new_page()
    other.goto("/#/wallet/restore")
    by_id(other, "restore-secret").fill(" ".join(phrase))
    by_id(other, "passphrase").fill("another-device-pass")
    by_id(other, "passphrase-again").fill("another-device-pass")
    by_id(other, "restore-submit").click()
    expect(by_id(other, "restore-wallet")).to_be_hidden()
    assert address_of(other) == address_of(page)


def test_words_that_are_not_a_recovery_phrase_are_refused(page: Page) -> None:
    page.goto("/#/wallet/restore")
    by_id(page, "restore-secret").fill("apple banana cherry")
    by_id(page, "passphrase").fill(PASSPHRASE)
    by_id(page, "passphrase-again").fill(PASSPHRASE)
    by_id(page, "restore-submit").click()
    expect(by_id(page, "form-error")).to_contain_text("not right")


def test_different_passphrases_are_caught_before_anything_is_stored(page: Page) -> None:
    page.goto("/#/wallet/new")
    by_id(page, "passphrase").fill(PASSPHRASE)
    by_id(page, "passphrase-again").fill(PASSPHRASE + "x")
    by_id(page, "create-submit").click()
    expect(by_id(page, "form-error")).to_have_text("The two passwords are not the same.")
    assert page.evaluate("localStorage.getItem('heitje.keystore')") is None
