"""End-to-end fixtures: Debian's Chromium and a real Parley server process."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    WebError,
    expect,
)

from tests.e2e.server import ServerProcess

# A busy 2-core machine: every expectation waits for its state, patiently. It never waits
# longer than the state needs, so this costs nothing when the machine is idle.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SETTLED = """() => document.getAnimations().every((a) =>
    a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium"),
        "args": CHROMIUM_FLAGS,
    }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_errors(*patterns): browser console or server log errors this test "
        "provokes on purpose (regular expressions); any other error fails the test")


@pytest.fixture(autouse=True)
def no_console_errors(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """A normal flow logs no error: a console error or uncaught exception in any page of
    any browser context the test opens, or an error or warning in the log of any Parley
    server process, fails the test (issue 12, defect 9)."""
    errors: list[str] = []
    allowed = [re.compile(p) for m in request.node.iter_markers("allow_errors") for p in m.args]

    def record(text: str) -> None:
        if not any(p.search(text) for p in allowed):
            errors.append(text)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if "ERR_CONNECTION_REFUSED" in message.text and any(
                server.stopped and f":{server.port}/" in f"{url} {message.text}"
                for server in ServerProcess.instances):
            return  # a page still open on a server the test has stopped tries to reconnect
        record(f"console error: {message.text} ({url})")

    def on_error(error: WebError) -> None:
        record(f"page error: {error.error}")

    def watch(context: BrowserContext) -> BrowserContext:
        context.on("console", on_console)
        context.on("weberror", on_error)
        return context

    new_context = Browser.new_context

    def new_watched_context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        return watch(new_context(self, *args, **kwargs))

    monkeypatch.setattr(Browser, "new_context", new_watched_context)
    logs_before = {server.log_path: server.log_size() for server in ServerProcess.instances}
    yield errors
    for server in ServerProcess.instances:
        for line in server.problems(since=logs_before.get(server.log_path, 0)):
            record(f"server log: {line}")
    if errors:
        pytest.fail("the browser logged errors during a normal flow:\n" + "\n".join(errors))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("parley-e2e")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def base_url(server: ServerProcess) -> str:
    return server.url


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Save a screenshot under screenshots/ for a person to look at."""

    def take(name: str, of: Page | None = None, full_page: bool = True) -> Path:
        """Once finite animations are done (a menu fading in); ``full_page=False`` for an
        open menu, which resizing to the full page would close."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{request.node.name}-{name}.png"
        target = of or page
        target.wait_for_function(SETTLED)
        target.screenshot(path=str(path), full_page=full_page)
        return path

    return take
