"""The Interaction Preview toast (``preview``, one per offer)."""

from __future__ import annotations

from playwright.sync_api import Locator


class Preview:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    @property
    def interaction_id(self) -> str | None:
        return self.root.get_attribute("data-interaction-id")

    @property
    def kind(self) -> str | None:
        """``sms`` | ``mms`` | ``transfer`` | ``consult`` | ``callback``."""
        return self.root.get_attribute("data-kind")

    @property
    def contact(self) -> Locator:
        return self.root.get_by_test_id("preview-contact")

    @property
    def mode(self) -> Locator:
        return self.root.get_by_test_id("preview-mode")

    @property
    def case_data(self) -> Locator:
        return self.root.get_by_test_id("preview-case-data")

    @property
    def accept_button(self) -> Locator:
        return self.root.get_by_test_id("preview-accept")

    @property
    def reject_button(self) -> Locator:
        return self.root.get_by_test_id("preview-reject")

    def accept(self) -> None:
        self.accept_button.click()

    def reject(self) -> None:
        self.reject_button.click()
