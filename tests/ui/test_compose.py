"""The message area (ui/compose.py) on a page of its own, driven by the simulated user.

The page builds a second Services object on the same data folder as the running app
(main.py has migrated and seeded it), and an interaction owned by alice.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

import main
from domain.handling import SendResult
from domain.interactions import Interaction, State
from domain.settings import load_settings
from domain.standard_responses import StandardResponse
from domain.system import Services
from tests.ui.desk import eventually as shared_eventually
from tests.ui.desk import own_interaction as shared_interaction
from ui.compose import EMPTY_HINT, Compose, index_from_utf16, utf16_length
from ui.standard_responses import expand_shortcuts, inserted_region, search, shortcut_map

CONTACT = "+14155550177"
SESSION_NUMBER = "+12125550100"
RETRIES = 100


@dataclass
class Desk:
    services: Services
    interaction: Interaction
    composes: list[Compose] = field(default_factory=list)
    sent: list[SendResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def compose(self) -> Compose:
        return self.composes[-1]

    def delivered(self) -> list[Any]:
        return self.services.outbox.delivered(to=CONTACT)


def own_interaction(services: Services, username: str = "alice") -> Interaction:
    return shared_interaction(services, username, CONTACT,
                              "Hello, my order has not arrived.", f"compose-{username}")


@pytest.fixture
async def desk(user: User) -> Desk:
    services = main.build_services(load_settings())
    desk = Desk(services, own_interaction(services))
    agent = services.agents.get(desk.interaction.owner_id or 0)
    assert agent is not None

    @ui.page("/compose-test")
    def page() -> None:
        desk.composes.append(Compose(services, agent, desk.interaction,
                                     on_sent=desk.sent.append, on_error=desk.errors.append))

    return desk


async def open_compose(user: User, desk: Desk) -> Compose:
    await user.open("/compose-test")
    await user.should_see(marker="compose-input")
    await asyncio.wait_for(desk.compose.ready.wait(), 5)
    return desk.compose


async def eventually(check: Callable[[], Any], what: str) -> None:
    await shared_eventually(check, what, RETRIES)


def one(user: User, marker: str) -> Any:
    elements = user.find(marker=marker).elements
    assert len(elements) == 1, f"{len(elements)} elements marked {marker}"
    return next(iter(elements))


async def counter_reads(user: User, expected: str) -> None:
    await eventually(lambda: one(user, "compose-counter").text == expected,
                     f"counter {expected!r} (got {one(user, 'compose-counter').text!r})")


async def open_library(user: User) -> None:
    user.find(marker="standard-responses").click()
    await user.should_see(marker="standard-response-item")
    assert one(user, "standard-responses-dialog")


def retype(user: User, text: str) -> None:
    field_ = user.find(marker="compose-input")
    field_.clear()
    field_.type(text)


# -- counter ----------------------------------------------------------------------------


async def test_counter_follows_the_split(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    await counter_reads(user, "0/160 · 1 SMS")
    user.find(marker="compose-input").type("Hello")
    await counter_reads(user, "5/160 · 1 SMS")
    assert one(user, "compose-encoding").text == "GSM-7"
    retype(user, "a" * 161)
    await counter_reads(user, "161/306 · 2 SMS")
    retype(user, "€")  # an extension character costs two septets
    await counter_reads(user, "2/160 · 1 SMS")
    retype(user, "é")  # in the GSM basic table
    await counter_reads(user, "1/160 · 1 SMS")
    retype(user, "ç")  # not in GSM-7: the whole message goes UCS-2
    await counter_reads(user, "1/70 · 1 SMS")
    assert one(user, "compose-encoding").text == "UCS-2"
    retype(user, "Hi 😀")  # a surrogate pair: two UCS-2 units
    await counter_reads(user, "5/70 · 1 SMS")
    retype(user, "")
    await counter_reads(user, "0/160 · 1 SMS")


async def test_long_text_is_counted_off_the_loop(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    user.find(marker="compose-input").type("a" * 10_000)
    await counter_reads(user, "10000/10098 · 66 SMS")
    await user.should_see("Too long: 66 SMS, at most 10")
    retype(user, "short again")
    await counter_reads(user, "11/160 · 1 SMS")
    await eventually(lambda: not compose.warning.visible, "warning hidden")
    await user.should_not_see(marker="compose-warning")


# -- sending ----------------------------------------------------------------------------


async def test_empty_or_blank_is_not_sent(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    assert not one(user, "compose-send").enabled
    user.find(marker="compose-send").click()
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    await user.should_see(EMPTY_HINT)
    user.find(marker="compose-input").type("   \n ")
    assert not one(user, "compose-send").enabled
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    await asyncio.sleep(0.2)
    assert desk.delivered() == [] and desk.sent == [] and desk.errors == []


async def test_send_delivers_every_part_and_clears(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    text = ("Thanks for waiting. " * 10)[:-1] + "."  # 200 GSM-7 characters: two parts
    user.find(marker="compose-input").type(text)
    await counter_reads(user, "200/306 · 2 SMS")
    assert one(user, "compose-send").enabled
    user.find(marker="compose-send").click()
    await eventually(lambda: desk.sent, "on_sent called")
    parts = desk.delivered()
    assert [p.part for p in parts] == [1, 2] and {p.parts for p in parts} == {2}
    assert "".join(p.text for p in parts) == text
    assert desk.sent[0].split.count == 2 and not desk.sent[0].closed  # session mode
    assert compose.text == ""
    await counter_reads(user, "0/160 · 1 SMS")
    assert desk.services.handling.draft(desk.interaction.id, compose.agent.id) == ""


async def test_ctrl_enter_and_cmd_enter_send(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    user.find(marker="compose-input").type("First")
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    await eventually(lambda: len(desk.sent) == 1, "first sent")
    user.find(marker="compose-input").type("Second")
    user.find(marker="compose-input").trigger("keydown.enter.meta.prevent")
    await eventually(lambda: len(desk.sent) == 2, "second sent")
    assert [p.text for p in desk.delivered()] == ["First", "Second"]


async def test_double_send_delivers_once(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    user.find(marker="compose-input").type("Only once")
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    user.find(marker="compose-send").click()
    await eventually(lambda: desk.sent, "sent")
    await asyncio.sleep(0.3)
    assert [p.text for p in desk.delivered()] == ["Only once"]


async def test_too_many_parts_is_refused_and_the_text_kept(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    text = "b" * (153 * 10 + 1)  # eleven parts, the demo allows ten
    user.find(marker="compose-input").type(text)
    await counter_reads(user, "1531/1683 · 11 SMS")
    await user.should_see("Too long: 11 SMS, at most 10")
    user.find(marker="compose-send").click()
    await eventually(lambda: desk.errors, "an error shown")
    assert "at most 10" in desk.errors[0]
    assert compose.text == text
    assert desk.delivered() == [] and desk.sent == []
    assert one(user, "compose-send").enabled  # ready to try again once shortened


async def test_without_on_error_the_refusal_is_notified(user: User, desk: Desk) -> None:
    services, interaction = desk.services, desk.interaction
    agent = services.agents.get(interaction.owner_id or 0)

    @ui.page("/compose-notify")
    def page() -> None:
        desk.composes.append(Compose(services, agent, interaction, on_sent=desk.sent.append))

    await user.open("/compose-notify")
    await asyncio.wait_for(desk.compose.ready.wait(), 5)
    user.find(marker="compose-input").type("c" * 1600)
    user.find(marker="compose-send").click()
    await user.should_see("at most 10", retries=RETRIES)
    assert desk.compose.text == "c" * 1600


# -- drafts -----------------------------------------------------------------------------


async def test_draft_survives_a_reload(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    handling, iid, aid = desk.services.handling, desk.interaction.id, compose.agent.id
    user.find(marker="compose-input").type("Let me check that for you")
    await eventually(lambda: handling.draft(iid, aid) == "Let me check that for you",
                     "draft stored")
    reloaded = await open_compose(user, desk)
    assert reloaded is not compose
    await eventually(lambda: reloaded.text == "Let me check that for you", "draft restored")
    await counter_reads(user, "25/160 · 1 SMS")
    assert one(user, "compose-send").enabled


async def test_sending_clears_the_draft(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    handling, iid, aid = desk.services.handling, desk.interaction.id, compose.agent.id
    user.find(marker="compose-input").type("Sent soon")
    await eventually(lambda: handling.draft(iid, aid) == "Sent soon", "draft stored")
    user.find(marker="compose-input").type("!")
    user.find(marker="compose-send").click()  # before the debounced save of "Sent soon!"
    await eventually(lambda: desk.sent, "sent")
    await asyncio.sleep(0.9)  # longer than the draft delay: nothing stale comes back
    assert handling.draft(iid, aid) == ""
    assert [p.text for p in desk.delivered()] == ["Sent soon!"]


# -- standard responses -----------------------------------------------------------------


async def test_library_browses_by_category(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    await open_library(user)
    categories = {e.props["data-category"] for e in
                  user.find(marker="standard-responses-category").elements}
    assert categories == {"Greetings", "Support", "Billing"}
    shortcuts = {e.props["data-shortcut"] for e in
                 user.find(marker="standard-response-item").elements}
    assert {"hello", "bye", "wait", "reset", "invoice"} <= shortcuts


async def test_search_then_pick_inserts_at_the_cursor(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    user.find(marker="compose-input").type("Hi Jo. Bye")
    # The browser reports the caret after "Hi Jo. " (UTF-16 offsets).
    user.javascript_rules[re.compile(r".*parley-compose-selection", re.S)] = \
        lambda _m: {"start": 7, "end": 7}
    await open_library(user)
    user.find(marker="standard-responses-search").type("invoice")
    await eventually(lambda: len(user.find(marker="standard-response-item").elements) == 1,
                     "one match")
    item = one(user, "standard-response-item")
    assert item.props["data-shortcut"] == "invoice"
    user.find(marker="standard-response-item").click()
    invoice = "I have sent a copy of your latest invoice to the e-mail address on your account."
    await eventually(lambda: compose.text == f"Hi Jo. {invoice}Bye", "inserted at the cursor")
    assert one(user, "compose-input").value == compose.text  # the server's model


async def test_pick_replaces_a_selection_and_enter_picks_the_first(
    user: User, desk: Desk
) -> None:
    compose = await open_compose(user, desk)
    user.find(marker="compose-input").type("XX, we will call you.")
    user.javascript_rules[re.compile(r".*parley-compose-selection", re.S)] = \
        lambda _m: {"start": 0, "end": 2, "value": "XX, we will call you."}
    await open_library(user)
    user.find(marker="standard-responses-search").type("#wait")
    user.find(marker="standard-responses-search").trigger("keydown.enter")
    wait = "Thanks for your patience. I am looking into this for you now."
    await eventually(lambda: compose.text == f"{wait}, we will call you.", "selection replaced")


async def test_alt_r_opens_the_library_and_shortcuts_reach_the_browser(
    user: User, desk: Desk
) -> None:
    compose = await open_compose(user, desk)
    shortcuts = json.loads(one(user, "compose-input").props["data-shortcuts"])
    assert shortcuts["bye"] == "Thank you for contacting us. Have a great day!"
    user.find(marker="compose-input").trigger("keydown")  # the browser emits only Alt+R
    await user.should_see(marker="standard-response-item")
    assert compose.library.dialog.value
    user.find(marker="standard-responses-close").click()
    assert not compose.library.dialog.value


async def test_search_without_match_says_so(user: User, desk: Desk) -> None:
    await open_compose(user, desk)
    await open_library(user)
    user.find(marker="standard-responses-search").type("zebra")
    await user.should_see(marker="standard-responses-empty")
    await user.should_not_see(marker="standard-response-item")


async def test_shortcut_keyword_expands(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    field_ = user.find(marker="compose-input")
    field_.type("Sure. #bye")
    await asyncio.sleep(0.05)
    assert compose.text == "Sure. #bye"  # nothing until the space
    field_.type(" ")
    bye = "Thank you for contacting us. Have a great day!"
    await eventually(lambda: compose.text == f"Sure. {bye} ", "expanded")
    assert one(user, "compose-input").value == compose.text
    field_.type("#nothing and word#hello and #HELLO ")
    hello = "Hello, thank you for contacting us. How can I help you today?"
    await eventually(
        lambda: compose.text == f"Sure. {bye} #nothing and word#hello and {hello} ",
        "only the known keyword that starts a word expands",
    )


# -- enabled or not ---------------------------------------------------------------------


async def test_set_enabled_shows_the_reason(user: User, desk: Desk) -> None:
    compose = await open_compose(user, desk)
    user.find(marker="compose-input").type("Kept")
    reason = "This session has expired: click Done to close it."
    compose.set_enabled(False, reason)
    field_ = one(user, "compose-input")
    assert not field_.enabled and field_.props["placeholder"] == reason
    assert not one(user, "compose-send").enabled
    assert not one(user, "standard-responses").enabled
    await user.should_see(reason)
    user.find(marker="compose-input").trigger("keydown.enter.ctrl.prevent")
    await asyncio.sleep(0.2)
    assert desk.delivered() == [] and compose.text == "Kept"
    compose.set_enabled(True)
    assert one(user, "compose-input").enabled and one(user, "compose-send").enabled


async def test_an_expired_interaction_starts_disabled(user: User, desk: Desk) -> None:
    services, agent = desk.services, desk.services.agents.get(desk.interaction.owner_id or 0)
    expired = replace(desk.interaction, state=State.EXPIRED)

    @ui.page("/compose-expired")
    def page() -> None:
        desk.composes.append(Compose(services, agent, expired, on_sent=desk.sent.append))

    await user.open("/compose-expired")
    await user.should_see("This session has expired: click Done to close it.")
    assert not one(user, "compose-input").enabled


# -- pure helpers -----------------------------------------------------------------------

RESPONSES = [
    StandardResponse(1, "Greetings", "Hello", "Hello there!", "hello"),
    StandardResponse(2, "Billing", "Invoice copy", "I sent your invoice.", "invoice"),
    StandardResponse(3, "Support", "Say hello to billing", "Billing will call.", None),
    StandardResponse(4, "Support", "Odd", "Odd one.", "not valid!"),
]


def test_search_matches_title_text_and_shortcut() -> None:
    assert [r.id for r in search(RESPONSES, "")] == [1, 2, 3, 4]
    assert [r.id for r in search(RESPONSES, "hello")] == [1, 3]  # shortcut, then title
    assert [r.id for r in search(RESPONSES, "#invoice")] == [2]
    assert [r.id for r in search(RESPONSES, "billing CALL")] == [3]
    assert search(RESPONSES, "zebra") == []


def test_expansion_only_touches_newly_typed_triggers() -> None:
    shortcuts = shortcut_map(RESPONSES)
    assert set(shortcuts) == {"hello", "invoice"}  # "not valid!" cannot be typed as one
    assert expand_shortcuts("#hello", "#hello ", shortcuts).text == "Hello there! "
    assert expand_shortcuts("#hello", "#hello ", shortcuts).caret == len("Hello there! ")
    assert expand_shortcuts("#hello", "#hello\n", shortcuts).text == "Hello there!\n"
    # an older "#hello " left in place is not expanded again by an edit elsewhere
    assert expand_shortcuts("#hello x", "#hello xy", shortcuts) is None
    assert expand_shortcuts("a#hello", "a#hello ", shortcuts) is None
    assert expand_shortcuts("#hel", "#hel ", shortcuts) is None
    pasted = expand_shortcuts("", "Hi #hello and #invoice ok", shortcuts)
    assert pasted.text == "Hi Hello there! and I sent your invoice. ok"
    assert pasted.caret == len("Hi Hello there! and I sent your invoice. ")


def test_inserted_region_and_utf16_offsets() -> None:
    assert inserted_region("abc", "abXc") == (2, 3)
    assert inserted_region("aaa", "aaaa") == (3, 4)
    assert inserted_region("abc", "ab") == (2, 2)
    text = "😀ab"
    assert utf16_length(text) == 4
    assert index_from_utf16(text, 2) == 1 and index_from_utf16(text, 3) == 2
    assert index_from_utf16(text, 1) == 0  # inside the surrogate pair: before it
    assert index_from_utf16("abc", 99) == 3 and index_from_utf16("abc", None) == 0
