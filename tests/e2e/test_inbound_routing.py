"""Three agents in three browsers: offer, reject, time-out, and carol's auto-answer."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import Desktop, LoginPage, PhonePage
from tests.e2e.server import ServerProcess

TOKEN = {"Authorization": "Bearer demo-token"}
CONTACT_LINES = '[data-testid="transcript-line"][data-party="contact"]'


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "routing").start()
    yield server
    server.stop()


def desktop_for(browser: Browser, url: str, name: str) -> Desktop:
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    LoginPage(page, url).open().log_in(name)
    return Desktop(page)


def test_reject_then_timeout_then_carol_auto_answers(
    browser: Browser, page: Page, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    alice, bob, carol = (desktop_for(browser, url, n) for n in ("alice", "bob", "carol"))
    for desk in (alice, bob, carol):  # in this order: alice has been idle longest
        desk.go_ready()  # waits until the status reads Ready: the server has it

    PhonePage(page, url).open().send("+14155550123", "+12125550101", "Where is my parcel?")

    offered = alice.preview()
    expect(offered).to_be_visible()
    expect(offered).to_have_attribute("data-kind", "sms")
    expect(offered.get_by_test_id("preview-contact")).to_have_text("Jordan Lee")
    expect(offered.get_by_test_id("preview-mode")).to_contain_text("Page")
    expect(offered.get_by_test_id("preview-case-data")).to_contain_text("Where is my parcel?")
    expect(alice.page).to_have_title(re.compile(r"^\(1\) "))
    interaction_id = offered.get_attribute("data-interaction-id")
    assert interaction_id
    expect(bob.preview()).to_have_count(0)
    expect(carol.preview()).to_have_count(0)
    shot("alice-preview", alice.page)

    offered.get_by_test_id("preview-reject").click()
    expect(alice.preview()).to_have_count(0)
    expect(bob.preview(interaction_id)).to_be_visible()
    expect(carol.preview()).to_have_count(0)

    # Nobody answers: move the application clock past bob's 30-second deadline.
    reply = httpx.post(f"{url}/api/v1/test/clock", json={"advance_seconds": 31}, headers=TOKEN)
    assert reply.status_code == 200, reply.text
    expect(bob.preview()).to_have_count(0)
    countdown = carol.preview(interaction_id)
    expect(countdown).to_be_visible()
    accept = countdown.get_by_test_id("preview-accept")
    expect(accept).to_have_text(re.compile(r"Accept \((\d+)\)"))
    expect(countdown.get_by_test_id("preview-reject")).to_be_visible()  # carol may reject
    first = int(re.findall(r"\d+", accept.inner_text())[0])
    assert 1 <= first <= 10
    shot("carol-countdown", carol.page)
    expect(accept).not_to_have_text(f"Accept ({first})")  # it counts down

    # Carol does nothing: when the countdown reaches zero the interaction opens.
    expect(carol.interaction(interaction_id)).to_be_visible()
    expect(carol.preview()).to_have_count(0)
    expect(carol.interaction(interaction_id).locator(CONTACT_LINES)).to_contain_text(
        "Where is my parcel?"
    )
    expect(carol.page.get_by_test_id("interaction-bar-item")).to_have_count(1)
    expect(alice.interaction()).to_have_count(0)
    expect(bob.interaction()).to_have_count(0)
    shot("carol-opened", carol.page)


def test_nobody_ready_waits_then_goes_to_whoever_becomes_ready(
    browser: Browser, fresh_server: ServerProcess
) -> None:
    url = fresh_server.url
    bob = desktop_for(browser, url, "bob")
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "wait-1", "from": "+14155550188", "to": "+12125550100",
        "text": "Anyone there?"})
    assert reply.status_code == 202
    interaction_id = reply.json()["interaction_id"]
    # Not Ready: nothing offered. A fresh page shows every pending offer once it has loaded.
    bob.page.reload()
    expect(bob.page.get_by_test_id("preview-stack")).to_have_attribute("data-loaded", "true")
    expect(bob.preview()).to_have_count(0)
    bob.go_ready()
    offered = bob.preview(interaction_id)
    expect(offered).to_be_visible()
    expect(offered.get_by_test_id("preview-contact")).to_have_text("Priya Patel")
    expect(offered.get_by_test_id("preview-mode")).to_contain_text("Session")
    # A follow-up text joins the same session: no second preview.
    httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "wait-2", "from": "+14155550188", "to": "+12125550100",
        "text": "Hello?"})
    offered.get_by_test_id("preview-accept").click()
    window = bob.interaction(interaction_id)
    expect(window).to_be_visible()
    expect(window).to_have_attribute("data-mode", "session")
    expect(window.locator(CONTACT_LINES)).to_have_count(2)
    expect(bob.preview()).to_have_count(0)
    # Going Not Ready with an offer pending takes it back: it waits for someone else.
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": "wait-3", "from": "+14155550189", "to": "+12125550101",
        "text": "Price list please"})
    expect(bob.preview(reply.json()["interaction_id"])).to_be_visible()
    bob.go_not_ready("Break")
    expect(bob.preview()).to_have_count(0)
    window.get_by_test_id("disposition").click()  # bob must set one before Done
    bob.page.get_by_role("option", name="Resolved").click()
    window.get_by_test_id("done").click()
    expect(bob.interaction()).to_have_count(0)
