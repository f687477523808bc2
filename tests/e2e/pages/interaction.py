"""One interaction window (``interaction``): header and toolbar, transcript, compose,
disposition, notes and case data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Locator, expect

if TYPE_CHECKING:
    from tests.e2e.pages.callbacks import CallbackDialog
    from tests.e2e.pages.consultation import ConsultPanel
    from tests.e2e.pages.flags import FlagDialog, FlagPanel
    from tests.e2e.pages.team_communicator import TeamCommunicator


class InteractionWindow:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    # Locator-like access to anything inside the window
    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    def locator(self, selector: str) -> Locator:
        return self.root.locator(selector)

    @property
    def interaction_id(self) -> str | None:
        return self.root.get_attribute("data-interaction-id")

    # --- header ---------------------------------------------------------------------------
    @property
    def contact_name(self) -> Locator:
        return self.root.get_by_test_id("interaction-contact-name")

    @property
    def contact_phone(self) -> Locator:
        return self.root.get_by_test_id("interaction-contact-phone")

    @property
    def error(self) -> Locator:
        return self.root.get_by_test_id("interaction-error")

    # --- transcript -----------------------------------------------------------------------
    @property
    def transcript(self) -> Locator:
        return self.root.get_by_test_id("transcript")

    def lines(self, party: str | None = None) -> Locator:
        """``transcript-line`` rows, optionally of one ``data-party`` (contact, agent,
        system, internal)."""
        selector = '[data-testid="transcript-line"]'
        if party:
            selector += f'[data-party="{party}"]'
        return self.root.locator(selector)

    # --- compose --------------------------------------------------------------------------
    @property
    def compose(self) -> Locator:
        return self.root.get_by_test_id("compose-input")

    @property
    def counter(self) -> Locator:
        return self.root.get_by_test_id("compose-counter")

    @property
    def send_button(self) -> Locator:
        return self.root.get_by_test_id("compose-send")

    def send(self, text: str, *, keyboard: bool = False) -> None:
        """Type ``text`` and send it (the Send button, or Ctrl+Enter with ``keyboard``).
        An agent who is asked about possible misspellings must still answer that."""
        self.compose.fill(text)
        if keyboard:
            self.compose.press("Control+Enter")
        else:
            self.send_button.click()

    # --- wrap-up --------------------------------------------------------------------------
    def choose_disposition(self, name: str) -> None:
        self.root.get_by_test_id("disposition").click()
        self.page.get_by_role("option", name=name).click()

    def add_note(self, text: str) -> None:
        self.root.get_by_test_id("note-input").fill(text)
        self.root.get_by_test_id("note-add").click()

    @property
    def notes(self) -> Locator:
        return self.root.get_by_test_id("note")

    @property
    def case_data(self) -> Locator:
        return self.root.get_by_test_id("case-data")

    def done(self) -> None:
        """Click Done (the window closes unless something, e.g. a disposition, is missing)."""
        self.root.get_by_test_id("done").click()

    def close_with_done(self) -> None:
        self.done()
        expect(self.root).to_have_count(0)

    # --- toolbar --------------------------------------------------------------------------
    def open_transfer(self) -> TeamCommunicator:
        from tests.e2e.pages.team_communicator import TeamCommunicator

        self.root.get_by_test_id("transfer").click()
        return TeamCommunicator.shown(self.page)

    def open_consult(self) -> TeamCommunicator:
        from tests.e2e.pages.team_communicator import TeamCommunicator

        self.root.get_by_test_id("consult").click()
        return TeamCommunicator.shown(self.page)

    def consult_panel(self) -> ConsultPanel:
        from tests.e2e.pages.consultation import ConsultPanel

        return ConsultPanel(self.root.get_by_test_id("consult-panel"))

    @property
    def flag_button(self) -> Locator:
        return self.root.get_by_test_id("flag-supervisor")

    def open_flag(self) -> FlagDialog:
        from tests.e2e.pages.flags import FlagDialog

        self.flag_button.click()
        return FlagDialog.shown(self.page)

    def flag_panel(self) -> FlagPanel:
        from tests.e2e.pages.flags import FlagPanel

        return FlagPanel(self.root.get_by_test_id("flag-panel"))

    def open_callback(self) -> CallbackDialog:
        from tests.e2e.pages.callbacks import CallbackDialog

        self.root.get_by_test_id("schedule-callback").click()
        return CallbackDialog.shown(self.page)
