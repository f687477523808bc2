"""Supervisor flag, live in two browsers: alice raises a flag, sam answers it on /flags."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, LoginPage

TOKEN = {"Authorization": "Bearer demo-token"}
CONTACT = "+14155550123"
SESSION_NUMBER = "+12125550100"
INTERNAL = '[data-testid="transcript-line"][data-party="internal"]'
SYSTEM = '[data-testid="transcript-line"][data-party="system"]'


def desktop_for(browser: Browser, url: str, name: str) -> Desktop:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    LoginPage(page, url).open().log_in(name)
    return Desktop(page)


def outbox(url: str) -> list[dict[str, object]]:
    reply = httpx.get(f"{url}/api/v1/simulator/outbox", params={"to": CONTACT}, headers=TOKEN)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_alice_flags_sam_answers_and_lowers(browser: Browser, base_url: str, shot) -> None:  # type: ignore[no-untyped-def]
    alice = desktop_for(browser, base_url, "alice")
    sam = desktop_for(browser, base_url, "sam")
    sam.page.get_by_test_id("nav-flags").click()
    expect(sam.page.get_by_test_id("flags-list")).to_be_visible()
    sent_before = len(outbox(base_url))

    alice.go_ready()
    reply = httpx.post(f"{base_url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "flag-e2e-1", "from": CONTACT, "to": SESSION_NUMBER,
        "text": "I want a refund of $900 right now."})
    assert reply.status_code == 202, reply.text
    interaction_id = reply.json()["interaction_id"]
    alice.preview(interaction_id).get_by_test_id("preview-accept").click()
    window = alice.interaction(interaction_id)
    expect(window).to_be_visible()

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
    row = sam.page.locator(f'[data-testid="flag-row"][data-interaction-id="{interaction_id}"]')
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
    assert len(outbox(base_url)) == sent_before

    # the contact writes again: sam follows it live
    httpx.post(f"{base_url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "flag-e2e-2", "from": CONTACT, "to": SESSION_NUMBER,
        "text": "Hello? Still there?"})
    expect(observer.locator('[data-testid="transcript-line"][data-party="contact"]').last
           ).to_contain_text("Hello? Still there?")

    # sam lowers it; alice sees it lowered and who did it
    observer.get_by_test_id("flag-lower").click()
    expect(observer.get_by_test_id("observer-notice")).to_contain_text(
        "The flag was lowered by Sam Supervisor.")
    expect(row).to_have_count(0)
    expect(sam.page.get_by_test_id("flags-empty")).to_be_visible()
    expect(panel).to_be_hidden()
    expect(flag_button).to_have_attribute("data-raised", "false")
    expect(window.locator(SYSTEM).last).to_contain_text("Flag lowered by Sam Supervisor.")
    shot("alice-lowered", alice.page)
    shot("sam-lowered", sam.page)
    assert len(outbox(base_url)) == sent_before

    window.get_by_test_id("done").click()
    expect(alice.interaction()).to_have_count(0)
    alice.log_out()
    sam.log_out()
