"""The contact phone simulator (/phone), driven through NiceGUI's simulated user."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction
from PIL import Image

from domain.auth import default_hasher
from storage.db import Database, make_engine, migrate
from storage.demo import seed_demo
from storage.gateway import SimulatedGateway
from tests.ui.test_desktop import log_in
from ui.phone import NUMBER_HELP, UNAVAILABLE

# Sending and reading run in worker threads: give the page time to answer.
SLOW = 100
JORDAN = "+14155550123"
PRIYA = "+14155550188"
SUPPORT, SALES = "+12125550100", "+12125550101"
ROOT = Path(__file__).resolve().parents[2]


def database() -> Path:
    return Path(os.environ["PARLEY_DATA_DIR"]) / "parley.db"


def deliver(to: str, parts: list[str], sender: str = SUPPORT, ago: float = 0) -> None:
    """What an agent's reply leaves in the simulated gateway's outbox."""
    gateway = SimulatedGateway(Database(make_engine(f"sqlite:///{database()}")))
    gateway.send(to, sender, parts, "GSM-7", datetime.now(UTC) - timedelta(seconds=ago))


def stored_interactions() -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(database()) as db:
        return db.execute(
            # the demo's past (done) conversations are not what these tests sent
            "SELECT contact_number, centre_number, channel, mode FROM interaction "
            "WHERE state != 'done'"
        ).fetchall()


def png(colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def found(user: User, marker: str) -> set[ui.element]:
    """The elements with ``marker`` now (none is fine, unlike ``user.find``)."""
    try:
        return user.find(marker=marker).elements
    except AssertionError:
        return set()


def bubbles(user: User, direction: str | None = None) -> list[ui.element]:
    found_ = sorted(found(user, "phone-inbox-message"), key=lambda e: e.id)
    return [e for e in found_
            if direction is None or e.props.get("data-direction") == direction]


def texts(element: ui.element) -> list[str]:
    return [c.text for c in element.descendants() if isinstance(c, ui.label)]


def owner(user: User) -> str:
    return user.find(marker="phone-owner").elements.pop().text


async def eventually(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(SLOW):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def open_phone(user: User) -> None:
    await user.open("/phone")
    await user.should_see(marker="phone-send")


async def test_opens_without_login_in_demo_mode(user: User) -> None:
    await open_phone(user)
    for marker in ("phone-from", "phone-to", "phone-text", "phone-attach", "phone-send"):
        await user.should_see(marker=marker)
    number = user.find(marker="phone-from").elements.pop()
    assert number.value == JORDAN
    to = user.find(marker="phone-to").elements.pop()
    assert to.value == SUPPORT
    assert to.options[SALES] == "+12125550101 · Sales (page)"
    assert owner(user) == "Jordan Lee · +14155550123"
    await user.should_see("No messages yet", retries=SLOW)


async def test_sending_text_creates_an_interaction_and_shows_the_bubble(user: User) -> None:
    await open_phone(user)
    user.find(marker="phone-text").type("Hello, my order has not arrived")
    user.find(marker="phone-send").click()
    await eventually(lambda: bubbles(user, "sent"), "the sent bubble appears")
    bubble = bubbles(user, "sent")[0]
    assert "Hello, my order has not arrived" in texts(bubble)
    assert any(t.startswith(f"to {SUPPORT} · ") for t in texts(bubble))
    assert user.find(marker="phone-text").elements.pop().value == ""
    await user.should_not_see(marker="phone-error")
    assert stored_interactions() == [(JORDAN, SUPPORT, "sms", "session")]


async def test_choosing_the_centre_number_and_a_demo_contact(user: User) -> None:
    await open_phone(user)
    user.find(marker="phone-to").click()
    user.find("+12125550101 · Sales (page)").click()
    user.find(marker="phone-contacts").click()
    options = user.find(marker="phone-contact-option").elements
    assert len(options) == 5  # every demo contact's every number
    priya = next(e for e in options if e.props["data-number"] == PRIYA)
    UserInteraction(user, {priya}, None).click()
    await eventually(lambda: user.find(marker="phone-from").elements.pop().value == PRIYA,
                     "Priya's number is this phone's")
    await eventually(lambda: owner(user) == "Priya Patel · +14155550188", "Priya's phone")
    user.find(marker="phone-text").type("Do you sell gift cards?")
    user.find(marker="phone-send").click()
    await eventually(lambda: bubbles(user, "sent"), "the sent bubble appears")
    assert stored_interactions() == [(PRIYA, SALES, "sms", "page")]


async def test_a_bad_number_is_refused_and_the_text_kept(user: User) -> None:
    await open_phone(user)
    user.find(marker="phone-from").clear().type("0800-CALL-NOW")
    user.find(marker="phone-text").type("Please call me back")
    user.find(marker="phone-send").click()
    await user.should_see(NUMBER_HELP, retries=SLOW)
    await user.should_see("Not sent: this phone's number is not valid")
    assert user.find(marker="phone-from").elements.pop().value == "0800-CALL-NOW"
    assert user.find(marker="phone-text").elements.pop().value == "Please call me back"
    assert not bubbles(user)
    assert stored_interactions() == []
    # fixed: the same text goes out and the errors go away
    user.find(marker="phone-from").clear().type("+1 415 555 0188")
    user.find(marker="phone-send").click()
    await eventually(lambda: bubbles(user, "sent"), "the sent bubble appears")
    await user.should_not_see(NUMBER_HELP)
    assert stored_interactions() == [(PRIYA, SUPPORT, "sms", "session")]


async def test_inbound_errors_are_shown_and_nothing_is_lost(user: User) -> None:
    await open_phone(user)
    user.find(marker="phone-text").type("   ")
    user.find(marker="phone-send").click()
    await user.should_see("a message needs text or at least one image", retries=SLOW)
    user.find(marker="phone-text").clear().type("x" * 10_001)
    user.find(marker="phone-send").click()
    await user.should_see("text is longer than 10,000 characters", retries=SLOW)
    assert len(user.find(marker="phone-text").elements.pop().value) == 10_001
    assert stored_interactions() == []


async def test_attachments_are_listed_removable_and_sent_as_mms(user: User) -> None:
    await open_phone(user)
    upload = user.find(marker="phone-attach").elements.pop()
    assert isinstance(upload, ui.upload)
    await upload.handle_uploads([
        SmallFileUpload("receipt.png", "image/png", png()),
        SmallFileUpload("parcel.png", "image/png", png("orange")),
        SmallFileUpload("notes.txt", "text/plain", b"not an image"),
    ])
    await eventually(lambda: len(found(user, "phone-attachment")) == 2,
                     "two attachment chips")
    await user.should_see("notes.txt: not a JPEG, PNG, GIF or WebP image")
    removes = user.find(marker="phone-attachment-remove").elements
    parcel = next(e for e in removes if e.props.get("data-name") == "parcel.png")
    assert parcel.props["aria-label"] == "Remove parcel.png"
    UserInteraction(user, {parcel}, None).click()  # just this one
    await eventually(lambda: len(found(user, "phone-attachment")) == 1,
                     "one chip left")
    chip = found(user, "phone-attachment").pop()
    assert chip.props["data-name"] == "receipt.png"
    user.find(marker="phone-send").click()  # an image alone is a message
    await eventually(lambda: bubbles(user, "sent"), "the sent bubble appears")
    assert "receipt.png" in texts(bubbles(user, "sent")[0])
    await eventually(lambda: not found(user, "phone-attachment"),
                     "attachments cleared")
    assert stored_interactions() == [(JORDAN, SUPPORT, "mms", "page")]


async def test_a_file_that_is_no_real_image_keeps_the_attachments(user: User) -> None:
    await open_phone(user)
    upload = user.find(marker="phone-attach").elements.pop()
    # says PNG, holds a GIF: the inbound checks refuse it
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    await upload.handle_uploads([SmallFileUpload("fake.png", "image/png", gif.getvalue())])
    await eventually(lambda: found(user, "phone-attachment"), "a chip")
    user.find(marker="phone-text").type("see attached")
    user.find(marker="phone-send").click()
    await user.should_see("media[0] says image/png but holds image/gif", retries=SLOW)
    assert len(found(user, "phone-attachment")) == 1
    assert user.find(marker="phone-text").elements.pop().value == "see attached"
    assert stored_interactions() == []


async def test_delivered_parts_are_listed_oldest_first(user: User) -> None:
    deliver(JORDAN, ["Thanks for waiting, your parcel ", "left our depot today."], ago=60)
    deliver(PRIYA, ["Not for Jordan"])
    await open_phone(user)
    await eventually(lambda: len(bubbles(user, "received")) == 2, "two received parts")
    first, second = bubbles(user, "received")
    assert (first.props["data-part"], first.props["data-parts"]) == ("1", "2")
    assert (second.props["data-part"], second.props["data-parts"]) == ("2", "2")
    assert "Thanks for waiting, your parcel " in texts(first)
    assert any(t.startswith(f"from {SUPPORT} · ") and t.endswith("part 1/2")
               for t in texts(first))
    await user.should_not_see("Not for Jordan")
    # another number: its own conversation
    user.find(marker="phone-from").clear().type(PRIYA).trigger("keydown.enter")
    await user.should_see("Not for Jordan", retries=SLOW)
    assert len(bubbles(user)) == 1


async def test_new_parts_appear_without_reloading(user: User) -> None:
    await open_phone(user)
    user.find(marker="phone-text").type("Where is my parcel?")
    user.find(marker="phone-send").click()
    await eventually(lambda: bubbles(user, "sent"), "the sent bubble appears")
    deliver(JORDAN, ["It arrives tomorrow."])  # another process: only the refresh sees it
    await eventually(lambda: bubbles(user, "received"), "the reply appears")
    sent, received = bubbles(user)
    assert sent.props["data-direction"] == "sent"
    assert "It arrives tomorrow." in texts(received)


async def test_message_text_is_shown_as_text_not_html(user: User) -> None:
    deliver(JORDAN, ['<img src=x onerror="alert(1)"> <b>bold</b>'])
    await open_phone(user)
    await eventually(lambda: bubbles(user, "received"), "the part appears")
    assert '<img src=x onerror="alert(1)"> <b>bold</b>' in texts(bubbles(user)[0])
    await user.should_not_see(kind=ui.html)


@pytest.fixture
def closed(parley_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither demo nor test mode, on a database that already holds the demo people."""
    parley_env.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{parley_env / 'parley.db'}")
    migrate(engine)
    seed_demo(Database(engine), ROOT / "assets" / "demo" / "demo.toml", default_hasher().hash,
              datetime.now(UTC))  # the server here runs on the wall clock
    engine.dispose()
    monkeypatch.setenv("PARLEY_DEMO", "0")
    monkeypatch.setenv("PARLEY_TEST_MODE", "0")
    monkeypatch.setenv("PARLEY_API_TOKEN", "closed-token")


async def test_outside_demo_and_test_mode_only_trainers_may_use_it(closed: None,
                                                                   user: User) -> None:
    await user.open("/phone")
    await user.should_see(UNAVAILABLE, retries=SLOW)
    await user.should_not_see(marker="phone-send")
    await log_in(user, "alice")
    await user.open("/phone")
    await user.should_see(UNAVAILABLE, retries=SLOW)
    await user.should_not_see(marker="phone-send")
    await user.open("/")
    user.find(marker="logout").click()
    await user.should_see(marker="login-username", retries=SLOW)
    await log_in(user, "tina")
    await user.open("/phone")
    await user.should_see(marker="phone-send", retries=SLOW)
