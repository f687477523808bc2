"""The example from docs/TESTING.md, run by CI so the documentation stays true.

A contact texts the centre through the HTTP API; alice goes Ready, accepts the preview,
replies; the simulated gateway's outbox shows the reply. Copy it as a starting point.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, ParleyApi
from tests.e2e.server import ServerProcess

JORDAN = "+14155550123"  # demo contact Jordan Lee
SUPPORT = "+12125550100"  # demo centre number: queue "Support SMS", session mode


@pytest.fixture
def parley(tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    """A fresh server (demo data, PARLEY_TEST_MODE=1) in its own data folder."""
    server = ServerProcess(tmp_path / "example").start()
    yield server
    server.stop()


def test_alice_answers_an_sms(browser: Browser, parley: ServerProcess) -> None:
    api = ParleyApi(parley.url)  # bearer token "demo-token"
    alice = Desktop.log_in(browser, parley.url, "alice")  # a browser context of her own
    alice.go_ready()

    interaction_id = api.inbound("Hi, where is my parcel?", JORDAN, SUPPORT)
    preview = alice.preview(interaction_id)
    expect(preview).to_have_attribute("data-kind", "sms")
    expect(preview.get_by_test_id("preview-contact")).to_have_text("Jordan Lee")

    window = alice.accept(interaction_id)
    expect(window.lines("contact")).to_contain_text("Hi, where is my parcel?")
    window.send("It left our warehouse today.")
    # session mode: Send minimises the window to the Interaction Bar
    expect(window.root).to_have_count(0)
    expect(alice.bar_item(interaction_id)).to_be_visible()

    sent = api.outbox(JORDAN)
    assert [(m["from"], m["text"]) for m in sent] == [(SUPPORT, "It left our warehouse today.")]

    window = alice.restore(interaction_id)  # back from the Interaction Bar
    expect(window.lines("agent")).to_contain_text("It left our warehouse today.")
    window.close_with_done()
    alice.log_out()
