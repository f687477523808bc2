"""The images of an MMS inside an interaction window (``ui/mms.py``)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from tests.e2e.pages.interaction import InteractionWindow


class MmsImages:
    """The images of an MMS inside an interaction window (``ui/mms.py``)."""

    def __init__(self, scope: Page | Locator | InteractionWindow) -> None:
        if isinstance(scope, InteractionWindow):
            scope = scope.root
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
