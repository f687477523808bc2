"""The interaction window (ui/interaction_window.py) when its session expires (issue 12,
defect 4): an ended state, the elapsed time stopped, the reason in words."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

import main
from domain.settings import load_settings
from tests.ui.desk import eventually, own_interaction
from ui.interaction_window import InteractionWindow

JORDAN = "+14155550123"


def one(user: User, marker: str) -> Any:
    return user.find(marker=marker).elements.pop()


async def test_an_expired_session_stops_its_clock_and_says_why(user: User) -> None:
    services = main.build_services(load_settings())
    interaction = own_interaction(services, "alice", JORDAN, "Are you there?", "win-exp-1")
    alice = services.agents.get(interaction.owner_id or 0)
    assert alice is not None

    @ui.page("/window-expiry-test")
    def page() -> None:
        InteractionWindow(services, alice, interaction, on_closed=lambda _i: None)

    await user.open("/window-expiry-test")
    await user.should_see(marker="interaction-elapsed")
    assert one(user, "interaction-elapsed").props["data-ticking"] == "true"
    assert one(user, "interaction-status").text == "Connected"
    services.advance_clock(901)
    await eventually(lambda: one(user, "interaction").props["data-state"] == "expired",
                     "the window expired")
    assert one(user, "interaction-status").text == "Session expired"
    clock = one(user, "interaction-elapsed")
    assert (clock.props["data-ticking"], clock.text) == ("false", "15:00")
    await user.should_see("Your session with Jordan Lee expired after 15 minutes without a "
                          "message. Click Done to close it.")
    assert not one(user, "compose-send").enabled
