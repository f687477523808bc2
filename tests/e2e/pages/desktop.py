"""The main window: status menu, My Messages, the Interaction Bar, navigation, and the
workspace where previews and interaction windows appear."""

from __future__ import annotations

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.pages.interaction import InteractionWindow
from tests.e2e.pages.preview import Preview


class MainWindow:
    def __init__(self, page: Page) -> None:
        self.page = page

    # --- status ---------------------------------------------------------------------------
    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("agent-status")

    def go_ready(self) -> None:
        self.page.get_by_test_id("status-menu").click()
        self.page.get_by_test_id("status-ready").click()
        expect(self.status).to_have_text("Ready")

    def go_not_ready(self, reason: str | None = None) -> None:
        self.page.get_by_test_id("status-menu").click()
        if reason:
            self.page.locator(
                f'[data-testid="status-not-ready-reason"][data-reason="{reason}"]'
            ).click()
            expect(self.status).to_have_text(f"Not Ready - {reason}")
        else:
            self.page.get_by_test_id("status-not-ready").click()
            expect(self.status).to_have_text("Not Ready")

    def log_out(self) -> None:
        self.page.get_by_test_id("logout").click()
        expect(self.page.get_by_test_id("login-username")).to_be_visible()

    # --- navigation -----------------------------------------------------------------------
    def nav(self, name: str) -> None:
        """Click ``nav-<name>``: desktop, contacts, callbacks, lessons, flags."""
        self.page.get_by_test_id(f"nav-{name}").click()

    # --- My Messages ----------------------------------------------------------------------
    @property
    def my_messages_items(self) -> Locator:
        return self.page.get_by_test_id("my-messages-item")

    def open_my_messages(self) -> Locator:
        self.page.get_by_test_id("my-messages").click()
        return self.my_messages_items

    def close_menu(self) -> None:
        self.page.keyboard.press("Escape")


class Desktop(MainWindow):
    """The main window seen as the place previews and interactions appear."""

    @classmethod
    def log_in(cls, browser: Browser, base_url: str, username: str, password: str = "demo",
               width: int = 1280, height: int = 860) -> Desktop:
        """A new browser context (its own cookies: one agent each), logged in."""
        from tests.e2e.pages.login import LoginPage

        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        LoginPage(page, base_url).open().log_in(username, password)
        return cls(page)

    def leave(self) -> None:
        """Log out and close the browser context (a closed browser would stay Ready)."""
        self.log_out()
        self.page.context.close()

    def preview(self, interaction_id: str | None = None) -> Locator:
        selector = '[data-testid="preview"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)

    def preview_of(self, interaction_id: str | None = None) -> Preview:
        return Preview(self.preview(interaction_id))

    def interaction(self, interaction_id: str | None = None) -> Locator:
        selector = '[data-testid="interaction"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)

    def window(self, interaction_id: str | None = None) -> InteractionWindow:
        return InteractionWindow(self.interaction(interaction_id))

    def accept(self, interaction_id: str) -> InteractionWindow:
        """Accept the preview of ``interaction_id``; returns its open window."""
        preview = self.preview(interaction_id)
        expect(preview).to_be_visible()
        preview.get_by_test_id("preview-accept").click()
        window = self.window(interaction_id)
        expect(window.root).to_be_visible()
        return window

    # --- Interaction Bar ------------------------------------------------------------------
    @property
    def interaction_bar(self) -> Locator:
        return self.page.get_by_test_id("interaction-bar")

    def bar_item(self, interaction_id: str | None = None) -> Locator:
        selector = '[data-testid="interaction-bar-item"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)

    def restore(self, interaction_id: str) -> InteractionWindow:
        """Open a minimised interaction from the Interaction Bar."""
        self.bar_item(interaction_id).click()
        window = self.window(interaction_id)
        expect(window.root).to_be_visible()
        return window
