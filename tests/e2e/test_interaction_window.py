"""The interaction window in real Chromium: replies, page and session modes, safety."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, LoginPage
from tests.e2e.server import ServerProcess

TOKEN = {"Authorization": "Bearer demo-token"}
SESSION_NUMBER, PAGE_NUMBER = "+12125550100", "+12125550101"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def window_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("window")).start()
    yield server
    server.stop()


def text_in(url: str, text: str, sender: str, to: str) -> str:
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": f"w-{next(_ids)}-{sender}", "from": sender, "to": to, "text": text})
    assert reply.status_code == 202, reply.text
    return str(reply.json()["interaction_id"])


def outbox(url: str, to: str) -> list[dict[str, object]]:
    reply = httpx.get(f"{url}/api/v1/simulator/outbox", params={"to": to}, headers=TOKEN)
    assert reply.status_code == 200
    return list(reply.json())


def ready_desktop(browser: Browser, url: str, name: str) -> Desktop:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk = Desktop(LoginPage(page, url).open().log_in(name).page)
    desk.go_ready()
    return desk


def leave(desk: Desktop) -> None:
    """Log out (a closed browser would stay Ready and take the next test's offers)."""
    desk.log_out()
    desk.page.context.close()


def accept(desk: Desktop, interaction_id: str):  # type: ignore[no-untyped-def]
    preview = desk.preview(interaction_id)
    expect(preview).to_be_visible()
    preview.get_by_test_id("preview-accept").click()
    window = desk.interaction(interaction_id)
    expect(window).to_be_visible()
    return window


def test_page_mode_reply_is_split_and_closes_the_window(
    browser: Browser, window_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = window_server.url
    alice = ready_desktop(browser, url, "alice")
    sender = "+14155550123"
    interaction_id = text_in(url, "Do you ship to Canada?", sender, PAGE_NUMBER)
    window = accept(alice, interaction_id)
    expect(window).to_have_attribute("data-mode", "page")
    expect(window.get_by_test_id("interaction-contact-name")).to_have_text("Jordan Lee")
    expect(window.get_by_test_id("interaction-contact-phone")).to_have_text(sender)
    expect(window.get_by_test_id("interaction-elapsed")).to_have_text(re.compile(r"\d\d:\d\d"))
    reply = ("Yes, we ship to Canada. Delivery takes three to five working days and costs "
             "nine dollars; orders over fifty dollars ship free. Tracking arrives by text. "
             "Anything else I can help with today?")
    assert len(reply) > 160
    compose = window.get_by_test_id("compose-input")
    compose.fill(reply)
    expect(window.get_by_test_id("compose-counter")).to_contain_text(f"{len(reply)}/306 · 2 SMS")
    shot("page-reply", alice.page)
    window.get_by_test_id("compose-send").click()
    expect(alice.interaction(interaction_id)).to_have_count(0)  # page mode: sent means Done
    parts = outbox(url, sender)
    assert [p["part"] for p in parts] == [1, 2]
    assert "".join(str(p["text"]) for p in parts) == reply
    leave(alice)


def test_session_mode_minimise_restore_expire_done(
    browser: Browser, window_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = window_server.url
    alice = ready_desktop(browser, url, "alice")
    sender = "+14155550188"
    interaction_id = text_in(url, "Hi, is my invoice ready?", sender, SESSION_NUMBER)
    window = accept(alice, interaction_id)
    expect(window).to_have_attribute("data-mode", "session")
    window.get_by_test_id("compose-input").fill("Checking now, one moment.")
    window.get_by_test_id("compose-input").press("Control+Enter")
    # Session mode: the window minimises to the Interaction Bar.
    expect(alice.interaction(interaction_id)).to_have_count(0)
    bar_item = alice.page.locator(
        f'[data-testid="interaction-bar-item"][data-interaction-id="{interaction_id}"]')
    expect(bar_item).to_be_visible()
    text_in(url, "Thanks!", sender, SESSION_NUMBER)
    expect(bar_item).to_have_attribute("data-unseen", "true")  # highlighted
    bar_item.click()
    window = alice.interaction(interaction_id)
    expect(window).to_be_visible()
    lines = window.get_by_test_id("transcript-line")
    expect(lines.filter(has_text="Thanks!")).to_have_count(1)
    expect(lines.filter(has_text="Checking now")).to_have_attribute("data-party", "agent")
    # Silence past the configured timeout (900 s): the session expires.
    httpx.post(f"{url}/api/v1/test/clock", json={"advance_seconds": 901}, headers=TOKEN)
    expect(window).to_have_attribute("data-state", "expired")
    expect(window.locator('[data-testid="transcript-line"][data-party="system"]')
           .filter(has_text="expired")).to_have_count(1)
    expect(window.get_by_test_id("compose-send")).to_be_disabled()
    shot("expired", alice.page)
    window.get_by_test_id("done").click()
    expect(alice.interaction(interaction_id)).to_have_count(0)
    expect(bar_item).to_have_count(0)
    leave(alice)


def test_hostile_text_is_shown_not_run(
    browser: Browser, window_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = window_server.url
    alice = ready_desktop(browser, url, "alice")
    dialogs: list[str] = []
    alice.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = ('<script>alert("x")</script><img src=x onerror=alert(1)> '
               "[Your bank](http://evil.example/login) call 415-555-0199 "
               "or https://user:pass@mybank.com@evil.example/x")  # issue 12: evil.example
    interaction_id = text_in(url, hostile, "+14155550177", PAGE_NUMBER)
    window = accept(alice, interaction_id)
    line = window.get_by_test_id("transcript-line").filter(has_text="Your bank")
    expect(line).to_contain_text('<script>alert("x")</script>')
    expect(line).to_contain_text("<img src=x onerror=alert(1)>")
    expect(line).to_contain_text("[Your bank](")
    link = line.get_by_test_id("transcript-link").filter(has_text="/login")
    expect(link).to_have_text("http://evil.example/login")  # the real address, not "Your bank"
    expect(link).to_have_attribute("title", "http://evil.example/login")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(line.get_by_test_id("transcript-phone")).to_have_attribute("href", "tel:+14155550199")
    disguised = line.get_by_test_id("transcript-link").filter(has_text="/x")
    expect(disguised).to_have_text("https://evil.example/x (user info: user:pass%40mybank.com)")
    expect(disguised).to_have_attribute("href", "https://evil.example/x")
    expect(line.get_by_test_id("transcript-link")).to_have_count(2)
    assert alice.page.locator("img[src=x]").count() == 0
    assert dialogs == []  # the lines are drawn: anything they could run has run
    shot("hostile", alice.page)
    window.get_by_test_id("done").click()
    leave(alice)


def test_bob_must_set_a_disposition_before_done(
    browser: Browser, window_server: ServerProcess
) -> None:
    url = window_server.url
    bob = ready_desktop(browser, url, "bob")
    interaction_id = text_in(url, "Cancel my order please", "+14155550166", PAGE_NUMBER)
    window = accept(bob, interaction_id)
    window.get_by_test_id("done").click()
    expect(window.get_by_test_id("interaction-error")).to_contain_text("disposition")
    expect(bob.interaction(interaction_id)).to_be_visible()
    window.get_by_test_id("note-input").fill("Customer asked to cancel order 1234.")
    window.get_by_test_id("note-add").click()
    expect(window.get_by_test_id("note")).to_contain_text("cancel order 1234")
    window.get_by_test_id("disposition").click()
    bob.page.get_by_role("option", name="Resolved").click()
    window.get_by_test_id("done").click()
    expect(bob.interaction(interaction_id)).to_have_count(0)
    leave(bob)


# Every control in the element is the element at its own centre: nothing lies over it.
UNCOVERED = """root => [...root.querySelectorAll('button, textarea, input, [role=button]')]
  .filter(el => el.offsetParent !== null)
  .filter(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    el.scrollIntoView({block: 'nearest'});
    const b = el.getBoundingClientRect();
    const top = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return !(top && (el === top || el.contains(top) || top.contains(el)));
  })
  .map(el => el.dataset.testid || el.getAttribute('aria-label') || el.tagName)"""


def test_previews_never_cover_the_open_interaction(browser: Browser, tmp_path,
                                                   shot) -> None:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "previews").start()  # its waiting texts stay here
    url = server.url
    desk = ready_desktop(browser, url, "alice")
    window = accept(desk, text_in(url, "First question", "+14155550161", PAGE_NUMBER))
    expect(window.get_by_test_id("note-input")).to_be_visible()
    waiting = [text_in(url, f"Question {n}", f"+1415555017{n}", SESSION_NUMBER) for n in (1, 2)]
    for interaction_id in waiting:
        expect(desk.preview(interaction_id)).to_be_visible()
    assert window.evaluate(UNCOVERED) == []  # Notes, Send, Done, Transfer... all usable
    shot("previews-and-window", desk.page)
    leave(desk)
    server.stop()
