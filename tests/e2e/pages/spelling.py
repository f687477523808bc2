"""Spelling Check in an interaction window's message area (``ui/spell.py``)."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from tests.e2e.pages.interaction import InteractionWindow


class SpellingArea:
    """Spelling Check in one interaction window's message area (``ui/spell.py``)."""

    def __init__(self, window: Locator | InteractionWindow) -> None:
        if isinstance(window, InteractionWindow):
            window = window.root
        self.window = window
        self.page = window.page

    @property
    def input(self) -> Locator:
        return self.window.get_by_test_id("compose-input")

    def underlined(self, word: str | None = None) -> Locator:
        """The red wavy spans of the backdrop (one per misspelled occurrence)."""
        selector = ".parley-spell-error"
        if word is not None:
            selector += f'[data-word="{word}"]'
        return self.window.locator(selector)

    @property
    def menu(self) -> Locator:
        return self.page.get_by_test_id("spell-menu")

    def suggestion(self, word: str) -> Locator:
        return self.menu.locator(f'[data-testid="spell-suggestion"][data-word="{word}"]')

    def right_click(self, word: str, occurrence: int = 0) -> Locator:
        """Right-click the middle of an underlined ``word``; returns the menu."""
        expect(self.menu).to_be_hidden()  # a closing menu could take the click
        box = self.underlined(word).nth(occurrence).bounding_box()
        assert box is not None, f"{word!r} is not underlined"
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2,
                              button="right")
        expect(self.menu).to_be_visible()
        return self.menu

    def open_settings(self) -> Locator:
        expect(self.menu).to_be_hidden()
        self.window.get_by_test_id("spell-settings").click()
        expect(self.menu).to_be_visible()
        return self.menu

    def choose_language(self, code: str) -> None:
        self.open_settings()
        self.menu.get_by_test_id("spell-languages").click()
        choice = self.page.locator(f'[data-testid="spell-language"][data-language="{code}"]')
        expect(choice).to_be_visible()
        choice.click()
        expect(self.window.get_by_test_id("spell-settings")).to_have_attribute(
            "data-language", code)
        expect(self.menu).to_be_hidden()
