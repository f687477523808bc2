"""An IM consultation: the owner's ``consult-panel`` and the consultant's read-only
``observer`` view (also what a supervisor sees on /flags)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


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

    def expect_ended(self, label: str, notice: str, controls: tuple[str, ...] = ()) -> None:
        """The view no longer follows the interaction: marked ended, ``label`` in the state
        chip, ``notice`` saying why, and the feature ``controls`` (test ids) gone."""
        expect(self.root).to_have_attribute("data-ended", "true")
        expect(self.root.get_by_test_id("observer-state")).to_have_text(label)
        expect(self.notice).to_contain_text(notice)
        for control in controls:
            expect(self.root.get_by_test_id(control)).to_be_hidden()
