"""A person plays the contact on /phone in real Chromium: text, an image, and live replies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from storage.db import Database, make_engine
from storage.gateway import SimulatedGateway
from tests.e2e.server import ServerProcess

JORDAN = "+14155550123"
SALES = "+12125550101"


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own: the interactions sent here must not reach other tests' agents."""
    proc = ServerProcess(tmp_path_factory.mktemp("parley-phone")).start()
    yield proc
    proc.stop()


def deliver(server: ServerProcess, to: str, sender: str, parts: list[str]) -> None:
    """An agent's reply as the gateway records it, written straight into the server's
    database: no event reaches the server process, so only the page's refresh sees it."""
    engine = make_engine(f"sqlite:///{server.data_dir / 'parley.db'}")
    try:
        SimulatedGateway(Database(engine)).send(to, sender, parts, "GSM-7", datetime.now(UTC))
    finally:
        engine.dispose()


def test_contact_texts_with_an_image_and_sees_the_reply_arrive(  # type: ignore[no-untyped-def]
    page: Page, phone_server: ServerProcess, tmp_path: Path, shot
) -> None:
    photo = tmp_path / "broken-lamp.png"
    Image.new("RGB", (64, 48), "orange").save(photo)

    page.goto(f"{phone_server.url}/phone")
    expect(page.get_by_test_id("phone-from")).to_have_value(JORDAN)
    expect(page.get_by_test_id("phone-owner")).to_have_text(f"Jordan Lee · {JORDAN}")

    page.get_by_test_id("phone-to").click()
    page.get_by_role("option", name="+12125550101 · Sales (page)").click()
    expect(page.get_by_test_id("phone-to")).to_contain_text("Sales (page)")

    page.get_by_test_id("phone-text").fill("My lamp arrived broken, see photo")
    page.get_by_test_id("phone-attach").locator("input[type=file]").set_input_files(photo)
    chip = page.get_by_test_id("phone-attachment")
    expect(chip).to_have_attribute("data-name", "broken-lamp.png")
    page.get_by_test_id("phone-send").click()

    sent = page.locator('[data-testid="phone-inbox-message"][data-direction="sent"]')
    expect(sent).to_have_count(1)
    expect(sent).to_contain_text("My lamp arrived broken, see photo")
    expect(sent).to_contain_text("broken-lamp.png")
    expect(sent).to_contain_text(f"to {SALES}")
    expect(page.get_by_test_id("phone-text")).to_have_value("")
    expect(chip).to_have_count(0)
    expect(page.get_by_test_id("phone-error")).to_be_hidden()

    deliver(phone_server, JORDAN, SALES, [
        "Sorry to hear that! A replacement lamp ships today; you do not need to return the "
        "broken one. Your order number is 4471, and the courier will text you a tracking ",
        "link tomorrow morning.",
    ])
    received = page.locator('[data-testid="phone-inbox-message"][data-direction="received"]')
    expect(received).to_have_count(2)
    expect(received.nth(0)).to_have_attribute("data-part", "1")
    expect(received.nth(0)).to_have_attribute("data-parts", "2")
    expect(received.nth(0)).to_contain_text("part 1/2")
    expect(received.nth(1)).to_contain_text("link tomorrow morning.")
    expect(received.nth(1)).to_contain_text("part 2/2")
    # oldest first: the contact's message, then the reply's parts
    directions = page.get_by_test_id("phone-inbox-message").evaluate_all(
        "els => els.map(e => e.dataset.direction)"
    )
    assert directions == ["sent", "received", "received"]
    page.mouse.move(0, 0)
    page.wait_for_timeout(1000)  # for the picture only: Quasar's upload progress bar fades
    path = shot("conversation")
    assert path.exists()


def test_a_bad_number_is_explained_and_the_text_kept(  # type: ignore[no-untyped-def]
    page: Page, phone_server: ServerProcess, tmp_path: Path, shot
) -> None:
    page.goto(f"{phone_server.url}/phone")
    number = page.get_by_test_id("phone-from")
    number.fill("12-ab")
    text = page.get_by_test_id("phone-text")
    text.fill("Is anyone there?")
    page.get_by_test_id("phone-send").click()
    expect(page.get_by_test_id("phone-error")).to_contain_text("number is not valid")
    expect(page.get_by_text("+ and 8 to 15 digits")).to_be_visible()
    expect(number).to_have_value("12-ab")
    expect(text).to_have_value("Is anyone there?")
    # an attachment survives the refusal too
    photo = tmp_path / "meter.png"
    Image.new("RGB", (16, 16), "teal").save(photo)
    page.get_by_test_id("phone-attach").locator("input[type=file]").set_input_files(photo)
    expect(page.get_by_test_id("phone-attachment")).to_have_attribute("data-name", "meter.png")
    page.get_by_test_id("phone-send").click()
    expect(page.get_by_test_id("phone-attachment")).to_have_count(1)
    sent = page.locator('[data-testid="phone-inbox-message"][data-direction="sent"]')
    expect(sent).to_have_count(0)
    shot("bad-number")
