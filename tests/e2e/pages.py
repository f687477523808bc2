"""Page objects for the screens the e2e tests drive (selectors from CONTRACTS.md)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class LoginPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> LoginPage:
        self.page.goto(f"{self.base_url}/login")
        expect(self.page.get_by_test_id("login-username")).to_be_visible()
        return self

    def submit(self, username: str, password: str) -> None:
        self.page.get_by_test_id("login-username").fill(username)
        self.page.get_by_test_id("login-password").fill(password)
        self.page.get_by_test_id("login-submit").click()

    def log_in(self, username: str, password: str = "demo") -> MainWindow:
        self.submit(username, password)
        main = MainWindow(self.page)
        expect(main.status).to_be_visible()
        return main

    @property
    def error(self):  # type: ignore[no-untyped-def]
        return self.page.get_by_test_id("login-error")


class MainWindow:
    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def status(self):  # type: ignore[no-untyped-def]
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


class Desktop(MainWindow):
    """The main window seen as the place previews and interactions appear."""

    def preview(self, interaction_id: str | None = None):  # type: ignore[no-untyped-def]
        selector = '[data-testid="preview"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)

    def interaction(self, interaction_id: str | None = None):  # type: ignore[no-untyped-def]
        selector = '[data-testid="interaction"]'
        if interaction_id:
            selector += f'[data-interaction-id="{interaction_id}"]'
        return self.page.locator(selector)


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


class MmsImages:
    """The images of an MMS inside an interaction window (``ui/mms.py``)."""

    def __init__(self, scope: Page | Locator) -> None:
        self.scope = scope
        self.page = scope if isinstance(scope, Page) else scope.page

    @property
    def thumbnails(self) -> Locator:
        return self.scope.get_by_test_id("mms-thumbnail")

    @property
    def unavailable(self) -> Locator:
        return self.scope.get_by_test_id("mms-unavailable")

    def open_buttons(self) -> Locator:
        return self.scope.locator('[data-testid="mms-open"][data-via="button"]')

    def save_buttons(self) -> Locator:
        return self.scope.locator('[data-testid="mms-save"][data-via="button"]')

    @property
    def dialog(self) -> Locator:
        return self.page.get_by_test_id("mms-dialog")

    def wait_loaded(self, image: Locator, timeout: float = 10_000) -> int:
        """Wait until ``image`` has decoded pixels; returns its naturalWidth."""
        image.wait_for(state="visible", timeout=timeout)
        handle = image.element_handle(timeout=timeout)
        self.page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=handle, timeout=timeout
        )
        return int(image.evaluate("img => img.naturalWidth"))


class SpellingArea:
    """Spelling Check in one interaction window's message area (``ui/spell.py``)."""

    def __init__(self, window: Locator) -> None:
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
