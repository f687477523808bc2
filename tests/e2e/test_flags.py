"""Supervisor flag, live in two browsers: alice raises a flag, sam answers it on /flags."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, FlagsPage, ParleyApi

CONTACT = "+14155550123"
SESSION_NUMBER = "+12125550100"
INTERNAL = '[data-testid="transcript-line"][data-party="internal"]'
SYSTEM = '[data-testid="transcript-line"][data-party="system"]'


def test_alice_flags_sam_answers_and_lowers(browser: Browser, base_url: str, shot) -> None:  # type: ignore[no-untyped-def]
    api = ParleyApi(base_url)
    alice = Desktop.log_in(browser, base_url, "alice")
    sam = Desktop.log_in(browser, base_url, "sam")
    flags = FlagsPage(sam.page).open_from_nav()
    sent_before = len(api.outbox(CONTACT))

    alice.go_ready()
    interaction_id = api.inbound("I want a refund of $900 right now.", CONTACT,
                                 SESSION_NUMBER, message_id="flag-e2e-1")
    window = alice.accept(interaction_id)

    # an empty message is refused with a clear error, nothing raised
    flag_button = window.get_by_test_id("flag-supervisor")
    expect(flag_button).to_have_attribute("data-raised", "false")
    flag_button.click()
    dialog = alice.page.get_by_test_id("flag-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("flag-raise").click()
    expect(dialog.get_by_test_id("flag-dialog-error")).to_contain_text("Type a message")
    dialog.get_by_test_id("flag-message").fill(
        "Refund over my limit, may I approve it?")
    shot("alice-flag-dialog", alice.page)
    dialog.get_by_test_id("flag-raise").click()
    expect(dialog).to_have_count(0)
    panel = window.get_by_test_id("flag-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Refund over my limit, may I approve it?")
    expect(flag_button).to_have_attribute("data-raised", "true")
    expect(window.locator(SYSTEM).last).to_contain_text(
        "Alice Anders raised a flag: Refund over my limit, may I approve it?")

    # sam sees it live, without reloading
    row = flags.row(interaction_id)
    expect(row).to_be_visible()
    expect(row).to_contain_text("Alice Anders")
    expect(row).to_contain_text("Jordan Lee")
    expect(row).to_contain_text("Refund over my limit")
    expect(row.get_by_test_id("flag-row-raised")).to_have_text(re.compile(r"^\d\d:\d\d"))
    row.click()
    observer = sam.page.get_by_test_id("observer")
    expect(observer).to_have_attribute("data-interaction-id", interaction_id)
    expect(observer.get_by_test_id("observer-contact-name")).to_have_text("Jordan Lee")
    expect(observer.locator('[data-testid="transcript-line"][data-party="contact"]')
           ).to_contain_text("I want a refund of $900 right now.")
    expect(observer.get_by_test_id("compose-input")).to_have_count(0)  # read-only

    observer.get_by_test_id("flag-input").fill(
        "Offer a $100 voucher instead.")
    observer.get_by_test_id("flag-send").click()
    expect(observer.locator(INTERNAL)).to_contain_text("Offer a $100 voucher instead.")

    # alice sees it as internal, live
    expect(window.locator(INTERNAL)).to_contain_text("Offer a $100 voucher instead.")
    expect(window.locator(INTERNAL)).to_contain_text("Sam Supervisor (internal)")
    panel.get_by_test_id("flag-input").fill("OK, thanks!")
    panel.get_by_test_id("flag-send").click()
    expect(observer.locator(INTERNAL).last).to_contain_text("OK, thanks!")
    shot("alice-flag-panel", alice.page)
    shot("sam-observer", sam.page)

    # the contact got none of it
    assert len(api.outbox(CONTACT)) == sent_before

    # the contact writes again: sam follows it live
    api.inbound("Hello? Still there?", CONTACT, SESSION_NUMBER, message_id="flag-e2e-2")
    expect(observer.locator('[data-testid="transcript-line"][data-party="contact"]').last
           ).to_contain_text("Hello? Still there?")

    # sam lowers it; alice sees it lowered and who did it
    observer.get_by_test_id("flag-lower").click()
    expect(observer.get_by_test_id("observer-notice")).to_contain_text(
        "The flag was lowered by Sam Supervisor.")
    expect(row).to_have_count(0)
    expect(flags.empty).to_be_visible()
    expect(panel).to_be_hidden()
    expect(flag_button).to_have_attribute("data-raised", "false")
    expect(window.locator(SYSTEM).last).to_contain_text("Flag lowered by Sam Supervisor.")
    shot("alice-lowered", alice.page)
    shot("sam-lowered", sam.page)
    assert len(api.outbox(CONTACT)) == sent_before

    window.done()
    expect(alice.interaction()).to_have_count(0)
    alice.log_out()
    sam.log_out()


def test_sams_view_closes_when_alice_clicks_done(browser: Browser, base_url: str, shot) -> None:  # type: ignore[no-untyped-def]
    """Issue 12, defect 1 (supervisor): Done ends the observer view at once."""
    api = ParleyApi(base_url)
    alice = Desktop.log_in(browser, base_url, "alice")
    sam = Desktop.log_in(browser, base_url, "sam")
    flags = FlagsPage(sam.page).open_from_nav()
    alice.go_ready()
    interaction_id = api.inbound("My parcel never came.", CONTACT, SESSION_NUMBER,
                                 message_id="flag-e2e-done-1")
    window = alice.accept(interaction_id)
    window.get_by_test_id("flag-supervisor").click()
    dialog = alice.page.get_by_test_id("flag-dialog")
    dialog.get_by_test_id("flag-message").fill("Customer wants a second parcel.")
    dialog.get_by_test_id("flag-raise").click()
    observer = flags.open(interaction_id)
    expect(observer.get_by_test_id("observer-state")).to_have_text("Connected")
    expect(observer.get_by_test_id("flag-input")).to_be_visible()

    window.close_with_done()
    observer.expect_ended("Closed", "The interaction is closed.",
                          ("flag-input", "flag-send", "flag-lower"))
    expect(observer.root).to_have_attribute("data-state", "done")
    expect(observer.notice).to_have_text("The interaction is closed.")  # nothing else
    expect(flags.row(interaction_id)).to_have_count(0)
    shot("sam-after-done", sam.page)
    alice.log_out()
    sam.log_out()
