"""Two and three agents in separate browsers: Team Communicator, instant transfer (reject
then accept), queue transfer, and an IM consultation both ways with nothing sent to the
contact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.pages import Desktop, ObserverView, ParleyApi
from tests.e2e.server import ServerProcess

JORDAN = "+14155550123"
SESSION = "+12125550100"


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "transfer").start()
    yield server
    server.stop()


def test_transfer_rejected_then_accepted(browser: Browser, fresh_server: ServerProcess,
                                         shot) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    api = ParleyApi(url)
    alice = Desktop.log_in(browser, url, "alice")
    alice.go_ready()
    interaction_id = api.inbound("Can someone from billing help?", JORDAN, SESSION)
    window = alice.accept(interaction_id)
    bob = Desktop.log_in(browser, url, "bob")
    bob.go_ready()

    tc = window.open_transfer()
    bob_row = tc.target("Bob Brooks")
    expect(bob_row).to_have_attribute("data-target-kind", "agent")
    expect(bob_row.get_by_test_id("tc-target-detail")).to_contain_text("Ready")
    expect(bob_row.get_by_test_id("tc-target-detail")).to_contain_text("0 of 3 · 0%")
    expect(tc.target("After Hours")).to_have_attribute("data-target-kind", "routing_point")
    tc.search("bob")
    expect(tc.get_by_test_id("tc-target")).to_have_count(1)
    bob_row.get_by_test_id("tc-target-actions").click()
    expect(bob_row.get_by_test_id("tc-action-call")).to_have_attribute(
        "href", "tel:+12125550142")
    shot("team-communicator", alice.page)
    bob_row.get_by_test_id("tc-action-transfer").click()
    expect(window.get_by_test_id("transfer-pending")).to_be_visible()

    invite = bob.preview(interaction_id)
    expect(invite).to_have_attribute("data-kind", "transfer")
    expect(invite).to_contain_text("from Alice Anders")
    shot("transfer-invitation", bob.page)
    invite.get_by_test_id("preview-reject").click()
    expect(window.get_by_test_id("interaction-error")).to_have_text(
        "Bob Brooks declined the transfer of Jordan Lee.")
    shot("transfer-declined", alice.page)
    expect(alice.open_my_messages().first).to_contain_text(
        "Bob Brooks declined the transfer of Jordan Lee.")
    alice.close_menu()

    # again, and this time Bob accepts: it closes for Alice and opens for Bob
    window.open_transfer().pick("Bob Brooks", "transfer")
    bob_window = bob.accept(interaction_id)
    expect(alice.interaction(interaction_id)).to_have_count(0)
    expect(bob_window.locator('[data-party="contact"]')).to_contain_text(
        "Can someone from billing help?")
    expect(bob_window.get_by_test_id("transcript")).to_contain_text(
        "Alice Anders transferred the interaction to Bob Brooks.")
    shot("transferred-to-bob", bob.page)
    for desk in (alice, bob):
        desk.log_out()


def test_queue_transfer_and_consultation_both_ways(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    api = ParleyApi(url)
    alice = Desktop.log_in(browser, url, "alice")
    alice.go_ready()
    interaction_id = api.inbound("I was charged twice", JORDAN, SESSION)
    window = alice.accept(interaction_id)
    bob = Desktop.log_in(browser, url, "bob")
    bob.go_not_ready("Lunch")  # a consultation needs no Ready
    carol_page = Desktop.log_in(browser, url, "carol")

    window.open_consult().pick("Bob Brooks", "consult")
    panel = window.get_by_test_id("consult-panel")
    expect(panel).to_have_attribute("data-state", "pending")
    invite = bob.preview(interaction_id)
    expect(invite).to_have_attribute("data-kind", "consult")
    invite.get_by_test_id("preview-accept").click()

    observer = bob.page.get_by_test_id("observer")
    expect(observer).to_have_attribute("data-interaction-id", interaction_id)
    expect(observer.locator('[data-party="contact"]')).to_contain_text("I was charged twice")
    expect(observer.get_by_test_id("compose-input")).to_have_count(0)  # read-only
    expect(panel).to_have_attribute("data-state", "active")

    panel.get_by_test_id("consult-input").fill("Can I refund the second charge?")
    panel.get_by_test_id("consult-send").click()
    bob_panel = observer.get_by_test_id("consult-panel")
    expect(bob_panel.get_by_test_id("consult-messages")).to_contain_text(
        "Can I refund the second charge?")
    bob_panel.get_by_test_id("consult-input").fill("Yes, refund it.")
    bob_panel.get_by_test_id("consult-send").click()
    expect(panel.get_by_test_id("consult-messages")).to_contain_text("Yes, refund it.")
    expect(window.locator('[data-party="internal"]')).to_have_count(2)
    # the contact texts meanwhile: the consultant follows live
    api.inbound("Any news?", JORDAN, SESSION)
    expect(observer.locator('[data-party="contact"]')).to_have_count(2)
    shot("consultation-owner", alice.page)
    shot("consultation-consultant", bob.page)

    bob_panel.get_by_test_id("consult-end").click()
    expect(window.get_by_test_id("consult-panel")).to_have_count(0)
    expect(observer.get_by_test_id("observer-notice")).to_be_visible()
    outbox = api.outbox(JORDAN)
    assert not [p for p in outbox if "refund" in p["text"].lower()]  # nothing leaked

    # Transfer to the Billing queue: Alice's window closes, carol (Ready) is offered it,
    # and the preview says who sent it where (issue 12, defect 8)
    carol_page.go_ready()
    window.open_transfer().pick("Billing", "transfer")
    expect(alice.interaction(interaction_id)).to_have_count(0)
    offered = carol_page.preview(interaction_id)
    expect(offered).to_be_visible()
    expect(offered).to_have_attribute("data-kind", "sms")
    expect(offered).to_contain_text("Transferred SMS")
    expect(offered.get_by_test_id("preview-transfer")).to_have_text(
        "Transferred by Alice Anders to Billing")
    shot("queue-transfer-preview", carol_page.page)
    expect(alice.open_my_messages().first).to_contain_text(
        "You transferred Jordan Lee to the queue Billing.")
    shot("queue-transfer-sender", alice.page, full_page=False)
    alice.close_menu()
    for desk in (alice, bob, carol_page):
        desk.log_out()


def test_the_consultants_view_ends_when_the_consultation_does(
    browser: Browser, fresh_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    """Issue 12, defect 1: bob consults alice; when bob ends it (or closes the interaction
    with Done) alice's view turns read-only at once and says why."""
    url = fresh_server.url
    api = ParleyApi(url)
    bob = Desktop.log_in(browser, url, "bob")
    bob.go_ready()
    interaction_id = api.inbound("Can I change my delivery address?", JORDAN, SESSION)
    window = bob.accept(interaction_id)
    alice = Desktop.log_in(browser, url, "alice")

    def consult_alice() -> ObserverView:
        window.open_consult().pick("Alice Anders", "consult")
        alice.preview(interaction_id).get_by_test_id("preview-accept").click()
        view = ObserverView.on(alice.page)
        expect(view.root).to_have_attribute("data-ended", "false")
        expect(view.get_by_test_id("observer-state")).to_have_text("Connected")
        expect(view.get_by_test_id("consult-input")).to_be_visible()
        return view

    view = consult_alice()
    window.consult_panel().end()
    view.expect_ended("Consultation ended", "Bob Brooks ended the consultation.",
                      ("consult-input", "consult-send", "consult-end"))
    expect(alice.bar_item(interaction_id)).to_have_count(0)
    shot("consultant-after-end", alice.page)
    view.get_by_test_id("observer-close").click()
    expect(view.root).to_have_count(0)

    # again, and this time bob closes the interaction while the consultation is open
    view = consult_alice()
    window.choose_disposition("Resolved")
    window.close_with_done()
    view.expect_ended("Consultation ended",
                      "The interaction was closed; the consultation ended.", ("consult-input",))
    shot("consultant-after-done", alice.page)
    for desk in (alice, bob):
        desk.log_out()
