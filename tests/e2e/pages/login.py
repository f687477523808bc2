"""The login page (``/login``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from tests.e2e.pages.desktop import Desktop


class LoginPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> LoginPage:
        self.page.goto(f"{self.base_url}/login")
        expect(self.page.get_by_test_id("login-username")).to_be_visible()
        return self

    @property
    def username(self) -> Locator:
        return self.page.get_by_test_id("login-username")

    @property
    def password(self) -> Locator:
        return self.page.get_by_test_id("login-password")

    def submit(self, username: str, password: str) -> None:
        self.username.fill(username)
        self.password.fill(password)
        self.page.get_by_test_id("login-submit").click()

    def log_in(self, username: str, password: str = "demo") -> Desktop:
        from tests.e2e.pages.desktop import Desktop

        self.submit(username, password)
        main = Desktop(self.page)
        expect(main.status).to_be_visible()
        return main

    @property
    def error(self) -> Locator:
        return self.page.get_by_test_id("login-error")
