"""The Interaction Bar in real Chromium (issue 12): two interactions with one contact can be
told apart, their elapsed times tick in the browser, and an expired session shows expired
in the bar, the workspace, My Messages and its window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, ParleyApi
from tests.e2e.server import ServerProcess

JORDAN = "+14155550123"
SESSION, PAGE = "+12125550100", "+12125550101"


@pytest.fixture(scope="module")
def bar_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("bar")).start()
    yield server
    server.stop()


def test_two_interactions_with_one_contact_are_told_apart(
    browser: Browser, bar_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    api = ParleyApi(bar_server.url)
    alice = Desktop.log_in(browser, bar_server.url, "alice")
    alice.go_ready()
    session_id = api.inbound("Is my order on its way?", JORDAN, SESSION)
    alice.accept(session_id)
    page_id = api.inbound("And can I get a quote for a second one?", JORDAN, PAGE)
    alice.accept(page_id)

    # what the server sends from now on (a reload opens a new socket)
    frames: list[str] = []
    alice.page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: frames.append(str(payload))))
    alice.page.reload()
    for interaction_id, mode, kind in ((session_id, "session", "SMS session"),
                                       (page_id, "page", "SMS page")):
        item = alice.bar_item(interaction_id)
        expect(item).to_have_attribute("data-mode", mode)
        expect(item).to_have_attribute("data-state", "active")
        expect(item.get_by_test_id("interaction-bar-contact")).to_have_text("Jordan Lee")
        expect(item.get_by_test_id("interaction-bar-mode")).to_have_text(kind)
        expect(item.get_by_test_id("interaction-bar-state")).to_have_text("Connected")
    clock = alice.bar_item(session_id).get_by_test_id("interaction-bar-elapsed")
    expect(clock).to_have_attribute("data-ticking", "true")
    before = clock.inner_text()
    expect(clock).not_to_have_text(before)  # a second later it reads on...
    after = clock.inner_text()
    assert frames  # the socket was watched...
    assert not [f for f in frames if f'"{after}"' in f]  # ...and the server sent no redraw
    shot("two-with-jordan", alice.page)

    alice.restore(session_id).close_with_done()
    page_window = alice.window(page_id)  # the workspace shows the other one by itself
    expect(page_window.root).to_be_visible()
    page_window.close_with_done()
    expect(alice.bar_item()).to_have_count(0)
    alice.leave()


def test_an_expired_session_shows_expired_everywhere(
    browser: Browser, bar_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    api = ParleyApi(bar_server.url)
    alice = Desktop.log_in(browser, bar_server.url, "alice")
    alice.go_ready()
    interaction_id = api.inbound("Hello, anyone?", JORDAN, SESSION)
    window = alice.accept(interaction_id)
    window.send("Yes, how can I help?")
    expect(alice.interaction(interaction_id)).to_have_count(0)  # minimised to the bar
    minimised = alice.page.get_by_test_id("workspace-minimised")
    expect(minimised).to_contain_text("The session is in the Interaction Bar")

    api.advance_clock(901)  # 15 minutes without a message
    item = alice.bar_item(interaction_id)
    expect(item).to_have_attribute("data-state", "expired")
    expect(item.get_by_test_id("interaction-bar-expired")).to_have_text("Expired")
    expect(item.get_by_test_id("interaction-bar-state")).to_have_text("Session expired")
    clock = item.get_by_test_id("interaction-bar-elapsed")
    expect(clock).to_have_attribute("data-ticking", "false")
    expect(clock).to_have_text("15:00")  # stopped when the silence ran out
    expired = ("Your session with Jordan Lee expired after 15 minutes without a message.")
    expect(minimised).to_have_attribute("data-expired", "true")
    expect(minimised).to_contain_text(expired)
    shot("expired-in-bar", alice.page)
    expect(alice.open_my_messages().first).to_contain_text(expired)
    shot("expired-my-messages", alice.page, full_page=False)
    alice.close_menu()

    window = alice.restore(interaction_id)
    expect(window.root).to_have_attribute("data-state", "expired")
    expect(window.get_by_test_id("interaction-status")).to_have_text("Session expired")
    expect(window.get_by_test_id("interaction-elapsed")).to_have_attribute(
        "data-ticking", "false")
    expect(window.get_by_test_id("interaction-notice")).to_contain_text(expired)
    expect(window.send_button).to_be_disabled()
    shot("expired-window", alice.page)
    window.close_with_done()
    expect(alice.bar_item()).to_have_count(0)
    alice.leave()
