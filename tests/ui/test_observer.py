"""The read-only observer view (ui/observer.py): a supervisor follows a flagged interaction."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

import main
from domain.inbound import parse_inbound
from domain.settings import load_settings
from tests.ui.desk import SESSION_NUMBER, eventually, own_interaction
from ui.observer import ObserverView

CONTACT = "+14155550123"


def lines(user: User) -> str:
    """The transcript's HTML, as drawn."""
    boxes = user.find(marker="transcript").elements
    return " ".join(str(getattr(e, "content", "")) for box in boxes for e in box.descendants())


async def test_observer_follows_the_transcript_live_without_compose(user: User) -> None:
    services = main.build_services(load_settings())
    interaction = own_interaction(services, "alice", CONTACT, "Where is my parcel?", "obs-1")
    ids = {a.username: a.id for a in services.agents.list()}
    sam = services.agents.get(ids["sam"])
    assert sam is not None
    services.flags.raise_flag(interaction.id, ids["alice"], "Refund over the limit")
    views: list[ObserverView] = []
    built: list[Any] = []

    @ui.page("/observer-test")
    def page() -> None:
        views.append(ObserverView(services, sam, interaction.id, "Flag raised by Alice",
                                  panel_builder=lambda column: built.append(column)))

    await user.open("/observer-test")
    await user.should_see("Flag raised by Alice")
    await user.should_see("Jordan Lee")
    await eventually(lambda: "Where is my parcel?" in lines(user), "contact line shown")
    assert "raised a flag: Refund over the limit" in lines(user)
    assert built == [views[0].panel]
    await user.should_not_see(marker="compose-input")
    await user.should_see("Connected")

    # live: the contact's next text and an internal message appear without reloading
    services.inbound.receive(parse_inbound({
        "message_id": "obs-2", "from": CONTACT, "to": SESSION_NUMBER, "text": "Hello??"}))
    await eventually(lambda: "Hello??" in lines(user), "contact's second text")
    services.flags.post(interaction.id, ids["alice"], "Can I offer a voucher?")
    await eventually(lambda: "Alice Anders (internal):" in lines(user), "internal line")
    assert "Can I offer a voucher?" in lines(user)

    # lowered: access ends, the view says so
    services.flags.lower(interaction.id, ids["alice"])
    views[0].refresh()
    await eventually(lambda: views[0].gone, "view gone")
    await user.should_see("You can no longer see this interaction.")
