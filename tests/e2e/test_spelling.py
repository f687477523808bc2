"""Spelling Check in real Chromium (seed "Spelling Check", steps 1-5; "SMS Message Area").

Each test takes a fresh session-mode interaction as alice (whose account asks before
sending misspelled text), closes it with Done and logs out at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect

from tests.e2e.pages import Desktop, LoginPage, SpellingArea
from tests.e2e.server import ServerProcess

TOKEN = {"Authorization": "Bearer demo-token"}
SESSION_NUMBER = "+12125550100"
_ids = itertools.count(1)
_senders = itertools.count(101)

# Records, for every context menu event, whether something took it over.
WATCH_MENUS = """() => { window.__menus = [];
  window.addEventListener('contextmenu', (e) => window.__menus.push(e.defaultPrevented)); }"""


@pytest.fixture(scope="module")
def spell_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("spelling")).start()
    yield server
    server.stop()


def text_in(url: str, text: str, sender: str) -> str:
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": f"s-{next(_ids)}-{sender}", "from": sender, "to": SESSION_NUMBER,
        "text": text})
    assert reply.status_code == 202, reply.text
    return str(reply.json()["interaction_id"])


def outbox(url: str, to: str) -> list[dict[str, object]]:
    reply = httpx.get(f"{url}/api/v1/simulator/outbox", params={"to": to}, headers=TOKEN)
    assert reply.status_code == 200
    return list(reply.json())


def alice_with_a_message(browser: Browser, url: str) -> tuple[Desktop, Locator, str]:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk = Desktop(LoginPage(page, url).open().log_in("alice").page)
    desk.go_ready()
    sender = f"+1415555{next(_senders):04d}"
    interaction_id = text_in(url, "Hi, is my order on its way?", sender)
    preview = desk.preview(interaction_id)
    expect(preview).to_be_visible()
    preview.get_by_test_id("preview-accept").click()
    window = desk.interaction(interaction_id)
    expect(window).to_be_visible()
    return desk, window, sender


def finish(desk: Desktop, interaction_id: str | None = None) -> None:
    """Close the interaction (Done) and log out, leaving nothing for later tests."""
    window = desk.interaction(interaction_id)
    if window.count() == 0 and interaction_id:
        desk.page.locator(f'[data-testid="interaction-bar-item"]'
                          f'[data-interaction-id="{interaction_id}"]').click()
    expect(window).to_be_visible()
    window.get_by_test_id("done").click()
    expect(desk.interaction(interaction_id)).to_have_count(0)
    desk.log_out()
    desk.page.context.close()


def type_text(spell: SpellingArea, text: str) -> None:
    spell.input.click()
    spell.input.press("Control+a")
    spell.input.press("Delete")
    spell.input.press_sequentially(text, delay=15)
    expect(spell.input).to_have_value(text)


def test_underline_then_pick_a_suggestion_by_mouse_and_keyboard(
    browser: Browser, spell_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    desk, window, _sender = alice_with_a_message(browser, spell_server.url)
    interaction_id = window.get_attribute("data-interaction-id")
    spell = SpellingArea(window)
    page = desk.page
    page.evaluate(WATCH_MENUS)
    type_text(spell, "This is happpppening now")
    expect(spell.underlined("happpppening")).to_have_count(1)
    expect(spell.underlined()).to_have_count(1)
    shot("underline", page)

    # Right-click on a correct word: the browser's own menu (cut, copy, paste) is left alone.
    word = spell.underlined("happpppening").bounding_box()
    assert word is not None
    middle = word["y"] + word["height"] / 2
    page.mouse.click(word["x"] - 30, middle, button="right")  # on "is"
    page.mouse.click(word["x"] + word["width"] + 200, middle, button="right")  # after the text
    page.wait_for_timeout(300)
    expect(spell.menu).to_be_hidden()
    assert page.evaluate("window.__menus") == [False, False]
    spell.input.press("Control+a")  # on a selection wider than the word: copy comes first
    page.mouse.click(word["x"] + word["width"] / 2, middle, button="right")
    page.wait_for_timeout(300)
    expect(spell.menu).to_be_hidden()
    assert page.evaluate("window.__menus") == [False, False, False]
    spell.input.press("End")

    menu = spell.right_click("happpppening")
    assert page.evaluate("window.__menus")[-1] is True  # this one is ours
    expect(spell.suggestion("happening")).to_be_visible()
    expect(menu.get_by_test_id("spell-suggestion").first).to_have_attribute(
        "data-word", "happening")
    weight = spell.suggestion("happening").evaluate("el => getComputedStyle(el).fontWeight")
    assert int(weight) >= 600  # suggestions in bold
    for testid in ("spell-ignore", "spell-ignore-all", "spell-add", "spell-toggle",
                   "spell-languages"):
        expect(menu.get_by_test_id(testid)).to_be_visible()
    page.wait_for_timeout(400)  # the menu's fade-in
    shot("menu", page)
    spell.suggestion("happening").click()
    expect(spell.input).to_have_value("This is happening now")
    expect(spell.menu).to_be_hidden()
    expect(spell.input).to_be_focused()
    expect(spell.underlined()).to_have_count(0)

    # Keyboard: caret inside a misspelled word, Shift+F10, arrows, Enter; Esc returns.
    spell.input.press("End")
    spell.input.press_sequentially(" at teh store", delay=15)
    expect(spell.underlined("teh")).to_have_count(1)
    caret = len("This is happening now at te")
    spell.input.evaluate(f"el => el.setSelectionRange({caret}, {caret})")
    spell.input.press("Shift+F10")
    expect(spell.menu).to_be_visible()
    expect(spell.menu.get_by_test_id("spell-suggestion").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(spell.menu).to_be_hidden()
    expect(spell.input).to_be_focused()
    spell.input.press("ContextMenu")
    expect(spell.menu).to_be_visible()
    first = spell.menu.get_by_test_id("spell-suggestion").first
    expect(first).to_be_focused()
    suggestion = first.get_attribute("data-word")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(spell.input).to_have_value(f"This is happening now at {suggestion} store")
    expect(spell.input).to_be_focused()
    finish(desk, interaction_id)


def test_ignore_ignore_all_and_my_dictionary_after_a_reload(
    browser: Browser, spell_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    desk, window, _sender = alice_with_a_message(browser, spell_server.url)
    interaction_id = window.get_attribute("data-interaction-id")
    spell = SpellingArea(window)
    text = "Zorbly says teh zorbly way, teh Parleyish way"
    type_text(spell, text)
    expect(spell.underlined("Zorbly")).to_have_count(1)
    expect(spell.underlined("zorbly")).to_have_count(1)
    expect(spell.underlined("teh")).to_have_count(2)
    expect(spell.underlined("Parleyish")).to_have_count(1)

    spell.right_click("zorbly").get_by_test_id("spell-ignore-all").click()
    expect(spell.underlined("Zorbly")).to_have_count(0)  # every occurrence, any case
    expect(spell.underlined("zorbly")).to_have_count(0)

    spell.right_click("teh", 0).get_by_test_id("spell-ignore").click()
    expect(spell.underlined("teh")).to_have_count(1)  # this occurrence only
    assert int(spell.underlined("teh").get_attribute("data-start") or 0) > text.index("teh")

    spell.right_click("Parleyish").get_by_test_id("spell-add").click()
    expect(spell.underlined("Parleyish")).to_have_count(0)
    expect(spell.underlined("teh")).to_have_count(1)
    expect(spell.menu).to_be_hidden()
    desk.page.wait_for_timeout(400)  # the menu's fade-out
    shot("ignored", desk.page)

    spell.input.blur()  # stores the draft
    desk.page.wait_for_timeout(1000)
    desk.page.reload()
    window = desk.interaction(interaction_id)
    expect(window).to_be_visible()
    spell = SpellingArea(window)
    expect(spell.input).to_have_value(text)
    expect(spell.underlined("teh")).to_have_count(2)  # checked again: Ignore was for the page
    expect(spell.underlined("Parleyish")).to_have_count(0)  # My Dictionary is kept
    expect(spell.underlined("zorbly")).to_have_count(0)  # Ignore All: for this interaction
    finish(desk, interaction_id)


def test_language_switch_loads_and_is_remembered_and_checking_turns_off(
    browser: Browser, spell_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    desk, window, _sender = alice_with_a_message(browser, spell_server.url)
    interaction_id = window.get_attribute("data-interaction-id")
    spell = SpellingArea(window)
    type_text(spell, "hola my friend")
    expect(spell.underlined("hola")).to_have_count(1)
    expect(spell.underlined()).to_have_count(1)

    spell.open_settings()  # by keyboard from here: End, ArrowRight opens Languages
    expect(spell.menu.get_by_test_id("spell-toggle")).to_be_focused()
    desk.page.keyboard.press("End")
    expect(spell.menu.get_by_test_id("spell-languages")).to_be_focused()
    desk.page.keyboard.press("ArrowRight")
    english = desk.page.locator('[data-testid="spell-language"][data-language="en"]')
    expect(english).to_be_focused()  # the current one
    expect(english).to_have_attribute("aria-checked", "true")  # the default, checked
    desk.page.keyboard.press("ArrowDown")
    expect(desk.page.locator('[data-testid="spell-language"][data-language="ar"]')
           ).to_be_focused()
    expect(english).to_contain_text("English (United States)")
    desk.page.keyboard.press("Escape")  # the submenu, then the menu
    expect(english).to_be_hidden()
    desk.page.keyboard.press("Escape")
    expect(spell.menu).to_be_hidden()

    spell.choose_language("es")
    expect(spell.underlined("friend")).to_have_count(1)
    expect(spell.underlined("hola")).to_have_count(0)
    expect(window.get_by_test_id("spell-status")).to_be_hidden(timeout=30_000)  # loaded
    shot("spanish", desk.page)

    desk.page.reload()  # the choice is the agent's: still Spanish
    window = desk.interaction(interaction_id)
    spell = SpellingArea(window)
    expect(window.get_by_test_id("spell-settings")).to_have_attribute("data-language", "es")
    expect(spell.underlined("friend")).to_have_count(1)

    spell.open_settings().get_by_test_id("spell-toggle").click()  # off: no underlines
    expect(window.get_by_test_id("spell-settings")).to_have_attribute("data-enabled", "false")
    expect(spell.underlined()).to_have_count(0)
    desk.page.reload()
    window = desk.interaction(interaction_id)
    spell = SpellingArea(window)
    expect(window.get_by_test_id("spell-settings")).to_have_attribute("data-enabled", "false")
    desk.page.wait_for_timeout(500)
    expect(spell.underlined()).to_have_count(0)
    toggle = spell.open_settings().get_by_test_id("spell-toggle")
    expect(toggle).to_have_attribute("aria-checked", "false")
    toggle.click()
    expect(spell.underlined("friend")).to_have_count(1)

    spell.choose_language("en")
    expect(spell.underlined("hola")).to_have_count(1)
    finish(desk, interaction_id)


def test_send_warning_no_keeps_the_text_yes_sends(
    browser: Browser, spell_server: ServerProcess, shot
) -> None:  # type: ignore[no-untyped-def]
    url = spell_server.url
    desk, window, sender = alice_with_a_message(browser, url)
    interaction_id = window.get_attribute("data-interaction-id")
    spell = SpellingArea(window)
    text = "Your parcel arives tomorow morning."
    type_text(spell, text)
    expect(spell.underlined()).to_have_count(2)
    window.get_by_test_id("compose-send").click()
    no, yes = desk.page.get_by_test_id("spell-warning-no"), desk.page.get_by_test_id(
        "spell-warning-yes")
    expect(no).to_be_visible()
    warning = desk.page.get_by_test_id("spell-warning")
    expect(warning).to_contain_text(
        "Your message has 2 possibly misspelled words: “arives”, “tomorow”. Send anyway?")
    shot("warning", desk.page)
    no.click()
    expect(no).to_be_hidden()
    expect(spell.input).to_have_value(text)
    expect(spell.input).to_be_focused()
    assert outbox(url, sender) == []

    spell.input.press("Control+Enter")
    expect(yes).to_be_visible()
    yes.click()
    expect(desk.interaction(interaction_id)).to_have_count(0)  # session mode: minimised
    sent = outbox(url, sender)
    assert [m["text"] for m in sent] == [text]
    finish(desk, interaction_id)
