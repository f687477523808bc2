"""The Callbacks view and the New Callback dialog through NiceGUI's simulated user."""

from __future__ import annotations

from nicegui.testing import User

from tests.ui.test_desktop import SLOW, log_in


async def test_callbacks_view_schedules_and_refuses_bad_input(user: User) -> None:
    await log_in(user, "alice")
    await user.open("/callbacks")
    await user.should_see(marker="callbacks-view", retries=SLOW)
    await user.should_not_see(marker="coming-soon")
    await user.should_see("No upcoming callbacks", retries=SLOW)
    user.find(marker="callback-new").click()
    await user.should_see(marker="callback-dialog", retries=SLOW)
    user.find(marker="callback-phone").type("call me")
    user.find(marker="callback-notes").type("About the invoice")
    user.find(marker="callback-save").click()
    await user.should_see("is not a valid phone number", retries=SLOW)
    # nothing typed is lost
    assert next(iter(user.find(marker="callback-notes").elements)).value == "About the invoice"
    user.find(marker="callback-phone").clear().type("+14155550123")
    user.find(marker="callback-save").click()
    await user.should_see(marker="callback-row", retries=SLOW)
    await user.should_see("About the invoice")
