"""Contact directory in a real browser: find Jordan Lee, read the history and a transcript,
send a New SMS (checked in the simulated gateway's outbox), edit a contact, and assign an
unknown sender to Jordan Lee by hand."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import ContactsPage, Desktop, LoginPage
from tests.e2e.server import ServerProcess

TOKEN = {"Authorization": "Bearer demo-token"}
JORDAN = "+14155550123"


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "contacts").start()
    yield server
    server.stop()


def settled(page: Page) -> None:
    """Wait until no transition runs (a tab panel sliding in, a dialog fading in), so a
    screenshot shows the page as a person reads it."""
    page.wait_for_function("""() => document.getAnimations().every((a) =>
        a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity)""")


def desktop_for(browser: Browser, url: str, name: str) -> Desktop:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    LoginPage(page, url).open().log_in(name)
    return Desktop(page)


def test_find_history_transcript_and_new_sms(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    alice = desktop_for(browser, url, "alice")
    page = alice.page
    page.get_by_test_id("nav-contacts").click()
    directory = page.get_by_test_id("contact-directory")
    expect(directory).to_be_visible()
    search = page.get_by_test_id("contact-search")
    search.fill("(415) 555-0123")  # any common format finds the number
    rows = page.get_by_test_id("contact-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("contact-row-name")).to_have_text("Jordan Lee")
    search.fill("jord")
    expect(rows).to_have_count(1)
    rows.first.get_by_test_id("contact-row-name").click()
    view = page.get_by_test_id("contact-view")
    expect(view.get_by_test_id("contact-view-name")).to_have_text("Jordan Lee")
    expect(view.get_by_test_id("contact-info-email")).to_have_attribute(
        "href", "mailto:jordan.lee@example.com")
    shot("directory", page)

    # History: every interaction, and a transcript on click.
    view.get_by_test_id("contact-tab-history").click()
    history = page.get_by_test_id("contact-history")
    entries = history.get_by_test_id("history-row")
    expect(entries.first).to_be_visible()
    before = entries.count()
    assert before >= 1
    entries.first.click()
    transcript = page.get_by_test_id("history-transcript")
    expect(transcript.get_by_test_id("transcript-line").first).to_be_visible()
    shot("transcript", page)
    transcript.get_by_test_id("history-transcript-close").click()
    expect(transcript).to_have_count(0)
    history.get_by_test_id("history-status").click()
    page.get_by_role("option", name="In progress").click()
    expect(history.get_by_test_id("history-empty")).to_be_visible()
    history.get_by_test_id("history-status").click()
    page.get_by_role("option", name="All").click()
    expect(entries).to_have_count(before)

    # Party actions and a New SMS from the directory's Contact Action menu.
    view.get_by_test_id("contact-actions").click()
    expect(page.get_by_test_id("party-call").first).to_have_attribute("data-href",
                                                                      f"tel:{JORDAN}")
    expect(page.get_by_test_id("party-email").first).to_have_attribute(
        "data-href", "mailto:jordan.lee@example.com")
    page.get_by_test_id("new-sms").click()
    sms = page.get_by_test_id("new-sms-view")
    expect(sms).to_be_visible()
    sms.get_by_test_id("new-sms-from").click()
    page.get_by_role("option", name="+1 212-555-0101 · Sales").click()
    text = "Your parcel left our depot this morning. Reply here with any questions."
    sms.get_by_test_id("compose-input").fill(text)
    expect(sms.get_by_test_id("compose-counter")).to_have_text(f"{len(text)}/160 · 1 SMS")
    shot("new-sms", page)
    sms.get_by_test_id("compose-send").click()
    expect(page.get_by_test_id("new-sms-view")).to_have_count(0)
    outbox = httpx.get(f"{url}/api/v1/simulator/outbox", params={"to": JORDAN},
                       headers=TOKEN).json()
    assert [(m["text"], m["from"]) for m in outbox] == [(text, "+12125550101")]
    # recorded as a done outbound interaction in the contact's history
    expect(entries).to_have_count(before + 1)
    newest = entries.first
    expect(newest).to_have_attribute("data-direction", "outbound")
    expect(newest).to_have_attribute("data-state", "done")
    shot("history-after-sms", page)
    alice.log_out()


def test_edit_contact_refuses_bad_input_and_keeps_it(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    bob = desktop_for(browser, fresh_server.url, "bob")
    page = bob.page
    page.get_by_test_id("nav-contacts").click()
    page.get_by_test_id("contact-new").click()
    editor = page.get_by_test_id("contact-editor")
    editor.get_by_test_id("contact-name").fill("Dana Diaz")
    editor.get_by_test_id("contact-phone").fill("415 555 0123")
    editor.get_by_test_id("contact-email").fill("dana@")
    editor.get_by_test_id("contact-save").click()
    error = editor.get_by_test_id("contact-error")
    expect(error).to_contain_text("“dana@” is not an e-mail address")
    editor.get_by_test_id("contact-email").fill("dana@example.net")
    editor.get_by_test_id("contact-save").click()
    expect(error).to_contain_text("The number +14155550123 already belongs to Jordan Lee.")
    expect(editor.get_by_test_id("contact-name")).to_have_value("Dana Diaz")  # kept
    shot("refused", page)
    editor.get_by_test_id("contact-phone").fill("(310) 555-0142")
    editor.get_by_test_id("contact-email").fill("dana@example.net")
    editor.get_by_test_id("contact-save").click()
    expect(editor).to_have_count(0)
    view = page.get_by_test_id("contact-view")
    expect(view.get_by_test_id("contact-view-name")).to_have_text("Dana Diaz")
    expect(view.get_by_test_id("contact-info-phone")).to_have_attribute(
        "data-number", "+13105550142")
    page.get_by_test_id("contact-search").fill("310555")
    expect(page.get_by_test_id("contact-row")).to_have_count(1)

    # CSV import: a bad row blocks the whole file; fixed, everything is imported.
    page.get_by_test_id("contact-import").click()
    dialog = page.get_by_test_id("contact-import-dialog")
    dialog.get_by_test_id("contact-import-text").fill(
        "name,phone,email\nEve Adams,310-555-0177,eve@example.com\nBad Row,12,\n")
    dialog.get_by_test_id("contact-import-preview").click()
    expect(dialog.get_by_test_id("contact-import-row")).to_have_count(2)
    expect(dialog.locator('[data-testid="contact-import-row"][data-ok="false"]')
           ).to_have_attribute("data-line", "3")
    expect(dialog.get_by_test_id("contact-import-errors")).to_contain_text("Line 3:")
    expect(dialog.get_by_test_id("contact-import-commit")).to_be_disabled()
    shot("import-preview", page)
    dialog.get_by_test_id("contact-import-text").fill(
        "name,phone,email\nEve Adams,310-555-0177,eve@example.com\nFinn Bay,310-555-0178,\n")
    dialog.get_by_test_id("contact-import-preview").click()
    expect(dialog.get_by_test_id("contact-import-commit")).to_be_enabled()
    dialog.get_by_test_id("contact-import-commit").click()
    expect(dialog).to_have_count(0)
    page.get_by_test_id("contact-search").fill("eve@")
    expect(page.get_by_test_id("contact-row-name")).to_have_text(["Eve Adams"])
    bob.log_out()


def test_assign_unknown_sender_to_jordan_by_hand(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    alice = desktop_for(browser, url, "alice")
    alice.go_ready()
    unknown = "+15005550006"
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "assign-1", "from": unknown, "to": "+12125550100",
        "text": "Hi, it's Jordan from my new phone"})
    assert reply.status_code == 202, reply.text
    interaction_id = reply.json()["interaction_id"]
    alice.preview(interaction_id).get_by_test_id("preview-accept").click()
    window = alice.interaction(interaction_id)
    expect(window.get_by_test_id("interaction-contact-name")).to_have_text(unknown)
    window.get_by_test_id("contact-assign").click()
    dialog = alice.page.get_by_test_id("contact-assign-dialog")
    dialog.get_by_test_id("assign-search").fill("Jordan")
    # the list answers "Jordan" (not the first, empty search whose rows it replaces)
    expect(dialog.get_by_test_id("assign-results")).to_have_attribute("data-query", "Jordan")
    choice = dialog.get_by_test_id("assign-row").filter(has_text="Jordan Lee")
    expect(choice).to_have_count(1)
    shot("assign-dialog", alice.page)
    choice.get_by_test_id("assign-choose").click()
    window = alice.interaction(interaction_id)
    # the window reopens with the contact's name (a page load: allow a busy machine)
    expect(window.get_by_test_id("interaction-contact-name")).to_have_text(
        "Jordan Lee")
    expect(window.get_by_test_id("transcript")).to_contain_text(
        "assigned this interaction to Jordan Lee")
    shot("assigned", alice.page)
    # the number is now Jordan's: the directory finds it, and the history has it
    window.get_by_test_id("history-recent").click()
    expect(alice.page.get_by_test_id("contact-history")).to_be_visible()
    expect(alice.page.locator(
        f'[data-testid="history-row"][data-interaction-id="{interaction_id}"]')).to_be_visible()
    alice.page.get_by_test_id("contact-search").fill("500 555 0006")
    expect(alice.page.get_by_test_id("contact-row-name")).to_have_text(["Jordan Lee"])
    alice.page.get_by_test_id("nav-desktop").click()
    alice.interaction(interaction_id).get_by_test_id("done").click()
    expect(alice.interaction()).to_have_count(0)
    alice.log_out()


def test_new_sms_from_an_active_interaction_opens_below_it(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    alice = desktop_for(browser, url, "alice")
    alice.go_ready()
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "party-1", "from": JORDAN, "to": "+12125550100",
        "text": "Please text my other number too"})
    assert reply.status_code == 202, reply.text
    interaction_id = reply.json()["interaction_id"]
    alice.preview(interaction_id).get_by_test_id("preview-accept").click()
    window = alice.interaction(interaction_id)
    window.get_by_test_id("contact-actions").click()
    expect(alice.page.get_by_test_id("party-call").first).to_have_attribute(
        "data-href", f"tel:{JORDAN}")
    expect(alice.page.get_by_test_id("party-email").first).to_have_attribute(
        "data-href", "mailto:jordan.lee@example.com")
    alice.page.get_by_test_id("new-sms").click()
    sms = window.get_by_test_id("new-sms-view")  # inside the interaction window
    expect(sms).to_be_visible()
    text = "This is the text you asked for."
    sms.get_by_test_id("compose-input").fill(text)
    shot("new-sms-below-interaction", alice.page)
    sms.get_by_test_id("compose-send").click()
    expect(window.get_by_test_id("new-sms-view")).to_have_count(0)
    outbox = httpx.get(f"{url}/api/v1/simulator/outbox", params={"to": JORDAN},
                       headers=TOKEN).json()
    assert [m["text"] for m in outbox] == [text]
    expect(window).to_be_visible()  # the interaction itself stays open
    window.get_by_test_id("done").click()
    alice.log_out()


def test_history_names_dispositions_and_shows_mms_images(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    """Issue 12, defect 5: bob closes an MMS from Jordan as "Follow-up needed"; alice
    reads it in Jordan's history with its label and its image."""
    url = fresh_server.url
    bob = Desktop.log_in(browser, url, "bob")
    bob.go_ready()
    picture = io.BytesIO()
    image = Image.new("RGB", (640, 480), (240, 140, 40))
    image.paste((30, 80, 200), (160, 120, 320, 240))
    image.save(picture, "JPEG")
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "history-mms-1", "from": JORDAN, "to": "+12125550101",
        "text": "The box arrived like this",
        "media": [{"content_type": "image/jpeg", "filename": "damaged box.jpg",
                   "data_base64": base64.b64encode(picture.getvalue()).decode()}]})
    assert reply.status_code == 202, reply.text
    interaction_id = reply.json()["interaction_id"]
    window = bob.accept(interaction_id)
    window.choose_disposition("Follow-up needed")
    window.close_with_done()
    bob.leave()

    alice = desktop_for(browser, url, "alice")
    page = alice.page
    contacts = ContactsPage(page).open_from_nav()
    contacts.search("Jordan")
    contacts.open("Jordan Lee")
    history = contacts.history()
    row = history.locator(f'[data-testid="history-row"][data-interaction-id="{interaction_id}"]')
    expect(row.get_by_test_id("history-disposition")).to_have_text(
        "Disposition: Follow-up needed")
    expect(history.get_by_test_id("history-disposition").filter(has_text="_")).to_have_count(0)
    settled(page)
    shot("history-labels", page)
    row.click()
    transcript = page.get_by_test_id("history-transcript")
    thumbnail = transcript.get_by_test_id("mms-thumbnail")
    expect(thumbnail).to_have_attribute("alt", "damaged box.jpg")
    # the image really loaded (a refused one is replaced by "Image can't be shown")
    page.wait_for_function(
        "() => { const i = document.querySelector("
        "'[data-testid=\"history-transcript\"] [data-testid=\"mms-thumbnail\"]');"
        " return i && i.complete && i.naturalWidth > 0; }")
    expect(transcript.get_by_test_id("mms-unavailable")).to_have_count(0)
    expect(transcript.get_by_test_id("transcript-line").first).to_contain_text(
        "The box arrived like this")
    settled(page)
    shot("history-mms", page)
    transcript.get_by_test_id("history-transcript-close").click()
    expect(transcript).to_have_count(0)
    alice.log_out()
