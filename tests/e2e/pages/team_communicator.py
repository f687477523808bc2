"""The Team Communicator dialog (``team-communicator``): search agents, queues and routing
points, and pick an action from a target's Action Menu."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class TeamCommunicator:
    def __init__(self, root: Locator) -> None:
        self.root = root
        self.page = root.page

    @classmethod
    def shown(cls, page: Page) -> TeamCommunicator:
        tc = cls(page.get_by_test_id("team-communicator"))
        expect(tc.root).to_be_visible()
        return tc

    def get_by_test_id(self, testid: str) -> Locator:
        return self.root.get_by_test_id(testid)

    @property
    def search_input(self) -> Locator:
        return self.root.get_by_test_id("tc-search")

    def search(self, text: str) -> None:
        self.search_input.fill(text)
        # search as you type: wait until the list shows the answer to this very text
        expect(self.root.get_by_test_id("tc-results")).to_have_attribute("data-query", text)

    @property
    def targets(self) -> Locator:
        return self.root.get_by_test_id("tc-target")

    def target(self, name: str) -> Locator:
        """The row of the agent, queue or routing point called ``name``."""
        return self.root.locator(f'[data-testid="tc-target"][data-target-name="{name}"]')

    def open_actions(self, name: str) -> Locator:
        """Open the Action Menu of ``name``'s row; returns the row."""
        row = self.target(name)
        row.get_by_test_id("tc-target-actions").click()
        return row

    def pick(self, name: str, action: str) -> None:
        """Search for ``name``, open its Action Menu and choose ``action`` (``transfer``,
        ``consult`` or ``call``, or the full test id); the dialog closes."""
        testid = action if action.startswith("tc-action-") else f"tc-action-{action}"
        self.search(name.split()[0])
        row = self.target(name)
        expect(row).to_have_count(1)
        row.get_by_test_id("tc-target-actions").click()
        row.get_by_test_id(testid).click()
        expect(self.root).to_have_count(0)

    def close(self) -> None:
        self.root.get_by_test_id("tc-close").click()
        expect(self.root).to_have_count(0)
