"""Accessibility: axe-core (axe-playwright-python) finds no serious or critical violation on
the main screens, and the main flow can be completed with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import CallbacksPage, Desktop, FlagsPage, LoginPage, ParleyApi
from tests.e2e.server import ServerProcess

JORDAN = "+14155550123"
SESSION = "+12125550100"
PAGE_MODE = "+12125550101"
SHOTS = "/tmp/shots-testkit"
_axe = Axe()


@pytest.fixture(scope="module")
def a11y_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("a11y")).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    """For tests with Ready agents: nobody left over from another test takes the offer."""
    server = ServerProcess(tmp_path / "a11y").start()
    yield server
    server.stop()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on ``page``, one readable line each."""
    page.wait_for_timeout(500)  # let transitions and live updates settle
    page.wait_for_function(  # Quasar's loading bar (a request in flight) is transient
        "() => [...document.querySelectorAll('.q-loading-bar')]"
        ".every(bar => getComputedStyle(bar).opacity === '0')")
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        nodes = "".join(f"\n    {node['html'][:160]}\n      {node.get('failureSummary', '')}"
                        for node in violation["nodes"][:6])
        found.append(f"{violation['impact']}: {violation['id']} ({violation['help']}){nodes}")
    return found


def check(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/a11y-{name}.png", full_page=True)
    found = serious_violations(page)
    assert not found, f"{name}:\n" + "\n".join(found)


def test_login_page(page: Page, a11y_server: ServerProcess) -> None:
    LoginPage(page, a11y_server.url).open()
    check(page, "login")


def test_main_window_without_an_interaction(browser: Browser, a11y_server: ServerProcess
                                            ) -> None:
    alice = Desktop.log_in(browser, a11y_server.url, "alice")
    alice.go_ready()
    check(alice.page, "main")
    alice.leave()


def test_interaction_window_and_team_communicator(browser: Browser, fresh_server: ServerProcess
                                                  ) -> None:
    api = ParleyApi(fresh_server.url)
    alice = Desktop.log_in(browser, fresh_server.url, "alice")
    alice.go_ready()
    interaction_id = api.inbound("Is my order https://shop.example/o/42 on its way?",
                                 JORDAN, SESSION)
    expect(alice.preview(interaction_id)).to_be_visible()
    check(alice.page, "preview")
    window = alice.accept(interaction_id)
    window.compose.fill("Let me check that for you.")
    check(alice.page, "interaction")
    tc = window.open_transfer()
    expect(tc.targets.first).to_be_visible()
    check(alice.page, "team-communicator")
    tc.close()
    window.close_with_done()
    alice.leave()


def test_callbacks_page(browser: Browser, a11y_server: ServerProcess) -> None:
    bob = Desktop.log_in(browser, a11y_server.url, "bob")
    callbacks = CallbacksPage(bob.page).open_from_nav()
    dialog = callbacks.new()
    dialog.phone.fill(JORDAN)
    dialog.notes.fill("About the refund")
    check(bob.page, "callback-dialog")
    dialog.save_and_close()
    expect(callbacks.rows("upcoming")).to_have_count(1)
    check(bob.page, "callbacks")
    bob.leave()


def test_flags_page_as_supervisor(browser: Browser, fresh_server: ServerProcess) -> None:
    api = ParleyApi(fresh_server.url)
    carol = Desktop.log_in(browser, fresh_server.url, "carol")
    carol.go_ready()
    interaction_id = api.inbound("I need a manager", "+14155550188", PAGE_MODE)
    window = carol.window(interaction_id)
    expect(window.root).to_be_visible(timeout=20_000)  # carol answers automatically
    flag = window.open_flag()
    flag.write("Asks for a manager")
    check(carol.page, "flag-dialog")
    flag.raise_flag()
    sam = Desktop.log_in(browser, fresh_server.url, "sam")
    flags = FlagsPage(sam.page).open_from_nav()
    expect(flags.row(interaction_id)).to_be_visible()
    check(sam.page, "flags")
    flags.open(interaction_id)
    check(sam.page, "flags-observer")
    window.close_with_done()
    sam.leave()
    carol.leave()
