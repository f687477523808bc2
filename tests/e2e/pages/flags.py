"""Supervisor flags: the agent's flag dialog and panel in the interaction window, and the
supervisors' page ``/flags``."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.e2e.pages.consultation import ObserverView


class FlagDialog:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    @classmethod
    def shown(cls, page: Page) -> FlagDialog:
        dialog = cls(page.get_by_test_id("flag-dialog"))
        expect(dialog.root).to_be_visible()
        return dialog

    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    @property
    def error(self) -> Locator:
        return self.root.get_by_test_id("flag-dialog-error")

    def write(self, message: str) -> None:
        self.root.get_by_test_id("flag-message").fill(message)

    def raise_flag(self) -> None:
        self.root.get_by_test_id("flag-raise").click()


class _Chat:
    root: Locator

    def say(self, text: str) -> None:
        self.root.get_by_test_id("flag-input").fill(text)
        self.root.get_by_test_id("flag-send").click()

    def lower(self) -> None:
        self.root.get_by_test_id("flag-lower").click()


class FlagPanel(_Chat):
    """``flag-panel`` in the agent's interaction window while a flag is up."""

    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page


class FlagsPage:
    """``/flags`` (supervisors): the raised flags, and the observer view of one."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open_from_nav(self) -> FlagsPage:
        self.page.get_by_test_id("nav-flags").click()
        expect(self.list).to_be_visible()
        return self

    @property
    def list(self) -> Locator:
        return self.page.get_by_test_id("flags-list")

    @property
    def empty(self) -> Locator:
        return self.page.get_by_test_id("flags-empty")

    def row(self, interaction_id: str | None = None) -> Locator:
        selector = '[data-testid="flag-row"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)

    def open(self, interaction_id: str) -> FlagObserver:
        self.row(interaction_id).click()
        observer = FlagObserver(self.page.get_by_test_id("observer"))
        expect(observer.root).to_have_attribute("data-interaction-id", interaction_id)
        return observer


class FlagObserver(ObserverView, _Chat):
    """The observer view on /flags, with the supervisor's chat and Lower flag."""
