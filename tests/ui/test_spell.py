"""Spelling Check in the message area (ui/spell.py), driven by the simulated user.

The browser's part (painting, finding the word under the pointer) is covered by
tests/e2e/test_spelling.py; here the server's part: what is checked and flagged, the menu
and its actions, what is remembered per agent, and the warning before sending.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

import main
from domain.agents import Agent
from domain.handling import SendResult
from domain.interactions import Interaction
from domain.settings import load_settings
from domain.spelling import Misspelling
from domain.system import Services
from tests.ui.desk import eventually as shared_eventually
from tests.ui.desk import own_interaction as shared_interaction
from ui.compose import Compose
from ui.spell import (
    SpellLayer,
    Target,
    index_from_units,
    shift_spans,
    utf16_ranges,
    warning_text,
)

CONTACT = "+14155550166"
SESSION_NUMBER = "+12125550100"
RETRIES = 200


@dataclass
class Desk:
    services: Services
    agent: Agent
    interaction: Interaction
    composes: list[Compose] = field(default_factory=list)
    sent: list[SendResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def compose(self) -> Compose:
        return self.composes[-1]

    @property
    def spell(self) -> SpellLayer:
        return self.compose.spelling

    def delivered(self) -> list[Any]:
        return self.services.outbox.delivered(to=CONTACT)

    def options(self) -> Any:
        agent = self.services.agents.get(self.agent.id)
        assert agent is not None
        return agent.options


def own_interaction(services: Services, username: str) -> Interaction:
    return shared_interaction(services, username, CONTACT, "Is my parcel on its way?",
                              f"spell-{username}")


def make_desk(username: str) -> Desk:
    services = main.build_services(load_settings())
    interaction = own_interaction(services, username)
    agent = services.agents.get(interaction.owner_id or 0)
    assert agent is not None
    desk = Desk(services, agent, interaction)

    @ui.page("/spell-test")
    def page() -> None:
        desk.composes.append(Compose(services, agent, desk.interaction,
                                     on_sent=desk.sent.append, on_error=desk.errors.append))

    return desk


@pytest.fixture
async def desk(user: User) -> Desk:
    return make_desk("alice")  # alice's account asks before sending misspellings


async def eventually(check: Callable[[], Any], what: str) -> None:
    await shared_eventually(check, what, RETRIES)


async def open_page(user: User, desk: Desk) -> SpellLayer:
    await user.open("/spell-test")
    await user.should_see(marker="compose-input")
    await asyncio.wait_for(desk.compose.ready.wait(), 5)
    spell = desk.spell
    await eventually(lambda: spell.checks > 0, "first check")
    return spell


async def type_and_check(user: User, spell: SpellLayer, text: str) -> list[tuple[int, int, str]]:
    box = user.find(marker="compose-input")
    box.clear()
    box.type(text)
    await eventually(lambda: spell.checked_text == text, f"checked {text!r}")
    return flagged(spell)


def flagged(spell: SpellLayer) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, m.word) for m in spell.misspellings]


def right_click(user: User, spell: SpellLayer, start: int, end: int, word: str,
                value: str | None = None) -> None:
    """What the browser sends for a right-click on a misspelled word (UTF-16 offsets)."""
    text = spell.compose.text if value is None else value
    user.find(marker="compose-input").trigger("contextmenu", {
        "start": len(text[:start].encode("utf-16-le")) // 2,
        "end": len(text[:end].encode("utf-16-le")) // 2,
        "word": word, "value": text, "via": "mouse"})


async def menu_for(user: User, spell: SpellLayer, start: int, end: int, word: str) -> None:
    spell.target = None
    right_click(user, spell, start, end, word)
    await eventually(lambda: spell.menu.value and spell.suggestions is not None
                     and spell.target == Target(start, end, word), f"menu for {word!r}")


def click(user: User, marker: str, **data: str) -> None:
    """Click the one element marked ``marker`` whose ``data-*`` attributes match."""
    found = {e for e in user.find(marker=marker).elements
             if all(e.props.get(f"data-{k}") == v for k, v in data.items())}
    assert len(found) == 1, f"{len(found)} elements {marker} {data}"
    UserInteraction(user, found, None).click()


# -- what is checked -----------------------------------------------------------------------


async def test_typing_flags_misspellings_with_their_ranges(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    assert await type_and_check(user, spell, "This is happpppening now") == [
        (8, 20, "happpppening")]
    assert await type_and_check(user, spell, "Sure, teh order ships today.") == [
        (6, 9, "teh")]
    assert await type_and_check(user, spell, "All good, thanks!") == []
    # the textarea asks the browser not to add its own underlines; the key is documented
    textarea = desk.compose.input
    assert textarea.props["spellcheck"] == "false"
    assert "Shift+F10" in textarea.props["aria-keyshortcuts"]
    assert textarea.props["aria-describedby"] == f"c{spell.help.id}"
    assert "Shift+F10" in spell.help.text


async def test_ranges_reach_the_browser_in_utf16_units(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    text = "😀 teh 👍🏽 wrold"
    assert await type_and_check(user, spell, text) == [(2, 5, "teh"), (9, 14, "wrold")]
    assert utf16_ranges(text, spell.misspellings) == [[3, 6, "teh"], [12, 17, "wrold"]]


async def test_a_menu_suggestion_replaces_that_occurrence(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    text = "teh cat and teh happpppening dog"
    await type_and_check(user, spell, text)
    await menu_for(user, spell, 16, 28, "happpppening")
    items = sorted(user.find(marker="spell-suggestion").elements, key=lambda e: e.id)
    assert [e.props["data-word"] for e in items] == spell.suggestions
    assert spell.suggestions and spell.suggestions[0] == "happening"
    assert all("text-weight-bold" in e.classes
               for e in user.find(marker="spell-suggestion").elements)
    await menu_for(user, spell, 12, 15, "teh")  # the second "teh" only
    assert spell.suggestions and spell.suggestions[0] == "the"
    click(user, "spell-suggestion", word="the")
    await eventually(lambda: desk.compose.text == "teh cat and the happpppening dog", "replaced")
    assert not spell.menu.value
    await eventually(lambda: spell.checked_text == desk.compose.text, "checked again")
    assert flagged(spell) == [(0, 3, "teh"), (16, 28, "happpppening")]


async def test_no_suggestions_is_said(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "Ref qxzvbjqk")
    await menu_for(user, spell, 4, 12, "qxzvbjqk")
    assert spell.suggestions == []
    await user.should_see("No suggestions")
    await user.should_not_see(marker="spell-suggestion")


async def test_inserted_text_is_checked_at_once(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    user.javascript_rules[re.compile(r".*parley-compose-selection", re.S)] = \
        lambda _m: {"start": 0, "end": 0, "value": ""}
    await desk.compose.insert_text("Thanks, teh team")  # as a standard response does
    await eventually(lambda: spell.checked_text == "Thanks, teh team", "checked")
    assert flagged(spell) == [(8, 11, "teh")]


async def test_a_changed_text_is_not_replaced_blindly(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "Call me tomorow please")
    await menu_for(user, spell, 8, 15, "tomorow")
    user.find(marker="compose-input").clear()
    user.find(marker="compose-input").type("Call me later please")
    click(user, "spell-suggestion", word="tomorrow")
    await asyncio.sleep(0.2)
    assert desk.compose.text == "Call me later please"
    await user.should_see("The text changed")


async def test_ignore_is_this_occurrence_and_follows_edits(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "teh one, teh two")
    await menu_for(user, spell, 9, 12, "teh")
    user.find(marker="spell-ignore").click()
    await eventually(lambda: flagged(spell) == [(0, 3, "teh")], "only the first left")
    # typing before it moves the ignored occurrence along
    text = "Well, teh one, teh two"
    user.find(marker="compose-input").clear()
    user.find(marker="compose-input").type(text)
    # (clear + type is two edits: the ignored one is dropped when the text is emptied)
    await eventually(lambda: spell.checked_text == text, "checked")
    assert flagged(spell) == [(6, 9, "teh"), (15, 18, "teh")]


async def test_ignore_all_is_for_this_interaction(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "Zorbly and zorbly, teh end")
    await menu_for(user, spell, 11, 17, "zorbly")
    user.find(marker="spell-ignore-all").click()
    await eventually(lambda: flagged(spell) == [(19, 22, "teh")], "zorbly ignored")
    assert "zorbly" in spell.ignored
    spell = await open_page(user, desk)  # a reload keeps it for this interaction
    assert await type_and_check(user, spell, "zorbly again") == []
    assert desk.services.spell_check.personal_words(desk.agent.id) == set()


async def test_add_to_my_dictionary_is_stored_for_the_agent(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "Welcome to Parleyish support")
    await menu_for(user, spell, 11, 20, "Parleyish")
    user.find(marker="spell-add").click()
    await eventually(lambda: flagged(spell) == [], "known now")
    # stored: a fresh service (another process, a later day) knows it too
    fresh = main.build_services(load_settings())
    assert "parleyish" in fresh.spell_check.personal_words(desk.agent.id)
    spell = await open_page(user, desk)
    assert await type_and_check(user, spell, "Parleyish again") == []


async def test_language_switch_is_remembered_and_applied(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    assert await type_and_check(user, spell, "hola my friend") == [(0, 4, "hola")]
    user.find(marker="spell-settings").click()
    await eventually(lambda: spell.menu.value, "menu open")
    items = sorted(user.find(marker="spell-language").elements, key=lambda e: e.id)
    codes = [e.props["data-language"] for e in items]
    assert codes[0] == "en" and "es" in codes and len(codes) == len(spell.languages)
    current = [e for e in user.find(marker="spell-language").elements
               if e.props.get("aria-checked") == "true"]
    assert [e.props["data-language"] for e in current] == ["en"]
    click(user, "spell-language", language="es")
    await eventually(lambda: spell.language == "es", "switched")
    assert desk.options().spell_language == "es"
    await eventually(lambda: flagged(spell) == [(8, 14, "friend")], "checked in Spanish")
    await eventually(lambda: not spell.loading, "Spanish loaded")
    spell = await open_page(user, desk)  # remembered
    assert spell.language == "es"
    assert spell.settings.props["data-language"] == "es"


async def test_checking_off_is_remembered(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "teh end")
    await menu_for(user, spell, 0, 3, "teh")
    assert user.find(marker="spell-toggle").elements.pop().props["aria-checked"] == "true"
    user.find(marker="spell-toggle").click()
    await eventually(lambda: not spell.enabled, "off")
    assert flagged(spell) == [] and spell.checked_text == "teh end"
    assert desk.options().spell_check is False
    spell = await open_page(user, desk)
    assert not spell.enabled and spell.settings.props["data-enabled"] == "false"
    assert await type_and_check(user, spell, "teh again") == []
    user.find(marker="spell-settings").click()
    await eventually(lambda: spell.menu.value, "settings open")
    user.find(marker="spell-toggle").click()
    await eventually(lambda: flagged(spell) == [(0, 3, "teh")], "on again")
    assert desk.options().spell_check is True


# -- the warning before sending ------------------------------------------------------------


async def test_warning_no_keeps_the_text_and_yes_sends(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    text = "Your parcel arives tomorow."
    await type_and_check(user, spell, text)
    user.find(marker="compose-send").click()
    await eventually(lambda: spell.dialog.value, "asked")
    assert spell.dialog_text.text == (
        "Your message has 2 possibly misspelled words: “arives”, “tomorow”. Send anyway?")
    user.find(marker="spell-warning-no").click()
    await eventually(lambda: not spell.dialog.value, "closed")
    await asyncio.sleep(0.2)
    assert desk.delivered() == [] and desk.sent == [] and desk.compose.text == text
    user.find(marker="compose-send").click()
    await eventually(lambda: spell.dialog.value, "asked again")
    user.find(marker="spell-warning-yes").click()
    await eventually(lambda: desk.sent, "sent")
    assert [p.text for p in desk.delivered()] == [text]


async def test_no_warning_for_a_clean_text_or_an_ignored_word(user: User, desk: Desk) -> None:
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "All fine here.")
    user.find(marker="compose-send").click()
    await eventually(lambda: desk.sent, "sent without asking")
    assert not spell.dialog.value
    await type_and_check(user, spell, "Thanks from Zorbly")
    await menu_for(user, spell, 12, 18, "Zorbly")
    user.find(marker="spell-ignore").click()
    await eventually(lambda: flagged(spell) == [], "ignored")
    user.find(marker="compose-send").click()
    await eventually(lambda: len(desk.sent) == 2, "sent without asking")
    assert [p.text for p in desk.delivered()] == ["All fine here.", "Thanks from Zorbly"]


async def test_carol_is_not_asked(user: User) -> None:
    desk = make_desk("carol")
    assert not desk.agent.options.spelling_warning
    spell = await open_page(user, desk)
    await type_and_check(user, spell, "Your parcel arives tomorow.")
    user.find(marker="compose-send").click()
    await eventually(lambda: desk.sent, "sent")
    assert not spell.dialog.value
    assert [p.text for p in desk.delivered()] == ["Your parcel arives tomorow."]


# -- pure helpers --------------------------------------------------------------------------


def test_utf16_offsets_both_ways() -> None:
    text = "a😀b 👍🏽c"
    found = [Misspelling(2, 3, "b"), Misspelling(6, 7, "c")]
    assert utf16_ranges(text, found) == [[3, 4, "b"], [9, 10, "c"]]
    assert [index_from_units(text, u) for u in (0, 1, 2, 3, 4, 9, 10, 99)] == \
        [0, 1, 1, 2, 3, 6, 7, 7]
    assert index_from_units("abc", None) == 0 and index_from_units("abc", 2) == 2


def test_ignored_occurrences_follow_an_edit() -> None:
    spans = {(0, 3, "teh")}
    assert shift_spans("teh x", "Oh teh x", spans) == {(3, 6, "teh")}
    assert shift_spans("teh x", "teh xy", spans) == {(0, 3, "teh")}
    assert shift_spans("teh x", "tehn x", spans) == set()  # the word itself changed
    assert shift_spans("teh x", "teh", spans) == {(0, 3, "teh")}
    assert shift_spans("teh x", "", spans) == set()


def test_warning_text_names_the_words() -> None:
    assert warning_text(["teh"]) == \
        "Your message has 1 possibly misspelled word: “teh”. Send anyway?"
    many = [f"w{i}" for i in range(10)]
    assert warning_text(many).endswith("“w7” and 2 more. Send anyway?")
    assert json.dumps(warning_text(["a"]))
