"""Scheduled callbacks: the New/Edit Callback dialog and the Callbacks view
(``/callbacks``)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class CallbackDialog:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    @classmethod
    def shown(cls, page: Page) -> CallbackDialog:
        dialog = cls(page.get_by_test_id("callback-dialog"))
        expect(dialog.root).to_be_visible()
        return dialog

    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    @property
    def phone(self) -> Locator:
        return self.root.get_by_test_id("callback-phone")

    @property
    def when(self) -> Locator:
        """A date-time field: fill with ``YYYY-MM-DDTHH:MM`` in the agent's time zone."""
        return self.root.get_by_test_id("callback-when")

    @property
    def notes(self) -> Locator:
        return self.root.get_by_test_id("callback-notes")

    @property
    def error(self) -> Locator:
        return self.root.get_by_test_id("callback-error")

    def assign_to_queue(self, queue: str) -> None:
        self.root.get_by_test_id("callback-assign-queue").click()
        self.root.get_by_test_id("callback-queue").click()
        self.page.get_by_role("option").filter(has_text=queue).click()

    def save(self) -> None:
        self.root.get_by_test_id("callback-save").click()

    def save_and_close(self) -> None:
        self.save()
        expect(self.root).to_have_count(0)


class CallbacksPage:
    """``/callbacks``: Overdue, Upcoming and Recently handled callbacks."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open_from_nav(self) -> CallbacksPage:
        self.page.get_by_test_id("nav-callbacks").click()
        expect(self.view).to_be_visible()
        return self

    @property
    def view(self) -> Locator:
        return self.page.get_by_test_id("callbacks-view")

    def rows(self, section: str | None = None) -> Locator:
        """``callback-row``s, optionally of one section (overdue, upcoming, recent)."""
        selector = '[data-testid="callback-row"]'
        if section:
            selector += f'[data-section="{section}"]'
        return self.page.locator(selector)

    def new(self) -> CallbackDialog:
        self.page.get_by_test_id("callback-new").click()
        return CallbackDialog.shown(self.page)

    def cancel(self, row: Locator) -> None:
        """Cancel the callback of ``row``, confirming."""
        row.get_by_test_id("callback-cancel").click()
        self.page.get_by_test_id("callback-cancel-yes").click()

    def reschedule(self, row: Locator) -> CallbackDialog:
        row.get_by_test_id("callback-reschedule").click()
        return CallbackDialog.shown(self.page)
