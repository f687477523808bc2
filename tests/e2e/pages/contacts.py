"""The contacts directory (``/contacts``): search, a contact's view and history."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class ContactsPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    def open_from_nav(self) -> ContactsPage:
        self.page.get_by_test_id("nav-contacts").click()
        expect(self.directory).to_be_visible()
        return self

    @property
    def directory(self) -> Locator:
        return self.page.get_by_test_id("contact-directory")

    @property
    def search_input(self) -> Locator:
        return self.page.get_by_test_id("contact-search")

    def search(self, text: str) -> Locator:
        """Type into the search; returns the ``contact-row``s."""
        self.search_input.fill(text)
        return self.rows

    @property
    def rows(self) -> Locator:
        return self.page.get_by_test_id("contact-row")

    def open(self, name: str) -> Locator:
        """Open the contact called ``name`` from the list; returns ``contact-view``."""
        self.rows.get_by_test_id("contact-row-name").filter(has_text=name).first.click()
        view = self.page.get_by_test_id("contact-view")
        expect(view.get_by_test_id("contact-view-name")).to_have_text(name)
        return view

    def history(self) -> Locator:
        """Switch the open contact to its History tab; returns ``contact-history``."""
        self.page.get_by_test_id("contact-view").get_by_test_id("contact-tab-history").click()
        history = self.page.get_by_test_id("contact-history")
        expect(history).to_be_visible()
        return history
