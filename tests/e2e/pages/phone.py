"""The contact phone simulator (``/phone``)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class PhonePage:
    """The contact phone simulator (/phone)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> PhonePage:
        self.page.goto(f"{self.base_url}/phone")
        expect(self.page.get_by_test_id("phone-send")).to_be_visible()
        return self

    def send(self, sender: str, to: str, text: str) -> None:
        self.page.get_by_test_id("phone-from").fill(sender)
        self.page.get_by_test_id("phone-to").click()
        self.page.get_by_role("option").filter(has_text=to).click()
        self.page.get_by_test_id("phone-text").fill(text)
        self.page.get_by_test_id("phone-send").click()
        expect(
            self.page.locator('[data-testid="phone-inbox-message"][data-direction="sent"]')
            .filter(has_text=text)
        ).to_be_visible()
