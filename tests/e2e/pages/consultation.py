"""An IM consultation: the owner's ``consult-panel`` and the consultant's read-only
``observer`` view (also what a supervisor sees on /flags)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


class ConsultPanel:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    @property
    def messages(self) -> Locator:
        return self.root.get_by_test_id("consult-messages")

    def say(self, text: str) -> None:
        self.root.get_by_test_id("consult-input").fill(text)
        self.root.get_by_test_id("consult-send").click()

    def end(self) -> None:
        self.root.get_by_test_id("consult-end").click()


class ObserverView:
    """``observer``: someone else's interaction, live and read-only."""

    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    @classmethod
    def on(cls, page: Page) -> ObserverView:
        return cls(page.get_by_test_id("observer"))

    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    def lines(self, party: str | None = None) -> Locator:
        selector = '[data-testid="transcript-line"]'
        if party:
            selector += f'[data-party="{party}"]'
        return self.root.locator(selector)

    @property
    def notice(self) -> Locator:
        return self.root.get_by_test_id("observer-notice")

    def consult_panel(self) -> ConsultPanel:
        return ConsultPanel(self.root.get_by_test_id("consult-panel"))
