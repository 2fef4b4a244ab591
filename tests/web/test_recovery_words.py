"""The recovery words cannot be lost silently: a reload on the words screen leaves a reminder, the words
can be shown again after the passphrase, and the reminder goes only when some of them are typed back."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.web.helpers import PASSPHRASE, PageFactory, answer_quiz, by_id, shot, unlock


def test_a_reload_on_the_words_screen_leaves_a_reminder_until_the_words_are_proven(
    new_page: PageFactory, screenshots: Path
) -> None:
    page = new_page("en")
    page.goto("/")
    by_id(page, "start-new").click()
    by_id(page, "passphrase").fill(PASSPHRASE)
    by_id(page, "passphrase-again").fill(PASSPHRASE)
    by_id(page, "create-submit").click()
    phrase = by_id(page, "phrase-words").locator("li").all_inner_texts()
    assert len(phrase) == 12

    page.reload()  # the words screen is gone; the wallet stays
    unlock(page)
    expect(by_id(page, "backup-reminder")).to_be_visible()
    shot(page, screenshots, "backup-reminder")
    by_id(page, "backup-reminder-link").click()
    by_id(page, "backup-passphrase").fill("not-the-passphrase")
    by_id(page, "backup-submit").click()
    expect(by_id(page, "form-error")).to_have_text("That password is not right. Please try again.")
    by_id(page, "backup-passphrase").fill(PASSPHRASE)
    expect(by_id(page, "form-error")).to_be_empty()  # the old complaint goes when the input changes
    by_id(page, "backup-submit").click()
    expect(by_id(page, "phrase-words").locator("li")).to_have_text(phrase)
    by_id(page, "phrase-written").check()
    by_id(page, "phrase-done").click()

    # A wrong word is refused; the reminder stays.
    asked = by_id(page, "quiz-word")
    asked.first.wait_for()
    assert asked.count() == 3
    for field in asked.all():
        field.fill("wrong")
    by_id(page, "quiz-submit").click()
    expect(by_id(page, "quiz-error")).to_be_visible()
    shot(page, screenshots, "backup-quiz")

    answer_quiz(page, phrase)
    expect(by_id(page, "tasks")).to_be_visible()
    expect(by_id(page, "backup-reminder")).to_be_hidden()
    page.reload()
    unlock(page)
    expect(by_id(page, "tasks")).to_be_visible()
    expect(by_id(page, "backup-reminder")).to_be_hidden()
