"""A person logs in, goes Ready, reloads, and logs out, in real Chromium."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import LoginPage, MainWindow
from tests.e2e.server import ServerProcess


def test_wrong_password_shows_a_clear_error(page: Page, base_url: str, shot) -> None:  # type: ignore[no-untyped-def]
    login = LoginPage(page, base_url).open()
    login.submit("bob", "not-the-password")
    expect(login.error).to_have_text("Wrong user name or password.")
    expect(page.get_by_test_id("login-username")).to_have_value("bob")  # nothing lost
    shot("error")


def test_pages_need_login(page: Page, base_url: str) -> None:
    for path in ("/", "/contacts", "/callbacks", "/lessons", "/flags"):
        page.goto(f"{base_url}{path}")
        expect(page).to_have_url(f"{base_url}/login")


def test_log_in_go_ready_reload_log_out(page: Page, base_url: str, shot) -> None:  # type: ignore[no-untyped-def]
    main = LoginPage(page, base_url).open().log_in("alice")
    expect(page.get_by_test_id("agent-name")).to_have_text("Alice Anders")
    expect(main.status).to_have_text("Not Ready")
    expect(page.get_by_test_id("interaction-bar")).to_be_visible()
    expect(page.get_by_test_id("channel-status")).to_have_attribute("data-connection", "connected")
    expect(page.get_by_test_id("nav-flags")).to_have_count(0)  # supervisors only
    main.go_ready()
    shot("ready")
    page.reload()
    expect(main.status).to_have_text("Ready")
    main.go_not_ready("Lunch")
    page.reload()
    expect(main.status).to_have_text("Not Ready - Lunch")
    main.log_out()
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login")


def test_my_messages_and_zoom(page: Page, base_url: str) -> None:
    main = LoginPage(page, base_url).open().log_in("carol")
    page.get_by_test_id("my-messages").click()
    items = page.get_by_test_id("my-messages-item")
    expect(items.first).to_contain_text("logged in to the SMS channel")
    expect(items.first).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("my-messages-unread")).to_be_hidden()
    page.get_by_test_id("zoom-in").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("110%")
    page.reload()
    expect(page.get_by_test_id("zoom-level")).to_have_text("110%")  # remembered per agent
    assert page.evaluate("getComputedStyle(document.body).zoom") in ("1.1", "110%")
    page.get_by_test_id("zoom-out").click()
    expect(page.get_by_test_id("zoom-level")).to_have_text("100%")
    main.log_out()


def test_supervisor_sees_flags(page: Page, base_url: str) -> None:
    LoginPage(page, base_url).open().log_in("sam")
    page.get_by_test_id("nav-flags").click()
    expect(page).to_have_url(f"{base_url}/flags")
    expect(page.get_by_test_id("flags-list")).to_be_visible()
    MainWindow(page).log_out()


# Every state the indicator shows, kept across page loads in this tab.
RECORD_CHANNEL = """
new MutationObserver(() => {
  const el = document.querySelector('[data-testid="channel-status"]');
  if (!el) return;
  const seen = JSON.parse(sessionStorage.getItem('seen-channel') || '[]');
  if (seen[seen.length - 1] !== el.dataset.connection) {
    seen.push(el.dataset.connection);
    sessionStorage.setItem('seen-channel', JSON.stringify(seen));
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-connection']});
"""


def test_page_changes_are_not_a_lost_connection(page: Page, base_url: str) -> None:
    page.add_init_script(RECORD_CHANNEL)
    # A slow thin client: its socket opens well after the page has drawn.
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 12})
    main = LoginPage(page, base_url).open().log_in("tina")
    channel = page.get_by_test_id("channel-status")
    for name in ("contacts", "callbacks", "lessons", "desktop", "contacts"):
        main.nav(name)
        expect(page.get_by_test_id(f"nav-{name}")).to_have_attribute("aria-current", "page")
        # the socket of this page is up: the script has seen it (it paints every 0.5 s)
        page.wait_for_function("() => window.socket && window.socket.connected")
        expect(channel).to_have_attribute("data-connection", "connected")
    page.reload()
    page.wait_for_function("() => window.socket && window.socket.connected")
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('seen-channel') || '[]')")
    assert set(seen) == {"connected"}, seen
    main.open_my_messages()
    expect(main.my_messages_items.filter(has_text="connection")).to_have_count(0)
    main.close_menu()
    main.log_out()


@pytest.mark.allow_errors("WebSocket", "ERR_INTERNET_DISCONNECTED", "socket")
def test_channel_status_shows_lost_and_regained_connection(page: Page, base_url: str, shot
                                                          ) -> None:  # type: ignore[no-untyped-def]
    main = LoginPage(page, base_url).open().log_in("tina")
    channel = page.get_by_test_id("channel-status")
    expect(channel).to_have_attribute("data-connection", "connected")
    page.wait_for_function("() => window.socket && window.socket.connected")
    page.context.set_offline(True)
    page.evaluate("window.socket.io.engine.close()")  # offline mode alone keeps an open socket
    expect(channel).to_have_attribute("data-connection", "lost")
    expect(channel).to_contain_text("connection lost")
    page.context.set_offline(False)
    expect(channel).to_have_attribute("data-connection", re.compile("reconnected|connected"),
                                      timeout=30_000)
    # A real loss and its recovery are also in My Messages.
    main.open_my_messages()
    expect(main.my_messages_items.filter(has_text="connection to the SMS channel was lost")
           ).to_have_count(1)
    shot("recovered")
    main.close_menu()
    main.log_out()


@pytest.mark.allow_errors("ERR_CONNECTION_REFUSED")  # while the server is down
def test_status_survives_a_server_restart(page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "restart").start()
    try:
        main = LoginPage(page, server.url).open().log_in("bob")
        main.go_not_ready("Meeting")
        server.stop()
        server.start()
        page.goto(f"{server.url}/")
        expect(main.status).to_have_text("Not Ready - Meeting")
        assert httpx.get(f"{server.url}/api/v1/health").json()["status"] == "ok"
    finally:
        server.stop()


def test_repeated_failures_slow_down_then_lock(page: Page, base_url: str) -> None:
    login = LoginPage(page, base_url).open()
    for _ in range(3):
        login.submit("sam", "guess")
        expect(login.error).to_have_text("Wrong user name or password.")
        # the answer clears the password: only then is this attempt over
        expect(page.get_by_test_id("login-password")).to_have_value("")
    login.submit("sam", "demo")  # even the right password must wait now
    expect(login.error).to_contain_text("Too many failed attempts")
    # Move the application clock (test mode) past any wait instead of sleeping.
    token = {"Authorization": "Bearer demo-token"}
    reply = httpx.post(f"{base_url}/api/v1/test/clock", json={"advance_seconds": 600},
                       headers=token)
    assert reply.status_code == 200, reply.text
    login.log_in("sam")
    MainWindow(page).log_out()
