"""The read-only observer view (ui/observer.py): a supervisor follows a flagged interaction."""

from __future__ import annotations

from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

import main
from domain.inbound import parse_inbound
from domain.settings import load_settings
from tests.ui.desk import SESSION_NUMBER, eventually, own_interaction
from ui.observer import ObserverView
from ui.transfer_controls import consultant_view

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


def _consulted(services: Any, owner: str, consultant: str, message_id: str) -> tuple[Any, Any]:
    """``owner`` handles Jordan's text and consults ``consultant``, who accepts."""
    ids = {a.username: a.id for a in services.agents.list()}
    interaction = own_interaction(services, owner, CONTACT, "Can I get a refund?", message_id)
    services.presence.log_in(ids[consultant])
    consultation = services.transfers.consult(interaction.id, ids[owner], ids[consultant])
    offer = next(p.offer for p in services.routing.previews(ids[consultant])
                 if p.interaction.id == interaction.id)
    services.routing.accept(offer.id, ids[consultant])
    return interaction, services.transfers.consultation_of(interaction.id) or consultation


@pytest.mark.parametrize("how", ["owner_ends", "owner_done"])
async def test_the_consultants_view_turns_read_only_when_the_consultation_ends(
    user: User, how: str
) -> None:
    """Issue 12, defect 1: no Connected, Send box or End consultation once it is over."""
    services = main.build_services(load_settings())
    ids = {a.username: a.id for a in services.agents.list()}
    interaction, consultation = _consulted(services, "alice", "bob", f"obs-c-{how}")
    bob = services.agents.get(ids["bob"])
    assert bob is not None
    names = {a.id: a.display_name for a in services.agents.list()}
    closed: list[bool] = []

    @ui.page("/consultant-test")
    def page() -> None:
        consultant_view(services, bob, consultation, names, on_close=lambda: closed.append(True))

    await user.open("/consultant-test")
    await user.should_see("Consultation with Alice Anders")
    await user.should_see(marker="consult-input")
    await user.should_see("Connected")
    if how == "owner_ends":
        services.transfers.end_consultation(consultation.id, ids["alice"])
        reason = "Alice Anders ended the consultation."
    else:
        services.handling.done(interaction.id, ids["alice"])
        reason = "The interaction was closed; the consultation ended."
    await user.should_see("Consultation ended", retries=100)
    await user.should_see(reason)
    for gone in ("consult-input", "consult-send", "consult-end"):
        await user.should_not_see(marker=gone)
    await user.should_not_see("Connected")
    view = user.find(marker="observer").elements.pop()
    assert view.props.get("data-ended") == "true"
    user.find(marker="observer-close").click()
    assert closed == [True]


async def test_the_supervisors_view_shows_the_interaction_closed_after_done(user: User) -> None:
    services = main.build_services(load_settings())
    interaction = own_interaction(services, "alice", CONTACT, "Where is my parcel?", "obs-d1")
    ids = {a.username: a.id for a in services.agents.list()}
    sam = services.agents.get(ids["sam"])
    assert sam is not None
    services.flags.raise_flag(interaction.id, ids["alice"], "Angry customer")

    @ui.page("/observer-done-test")
    def page() -> None:
        ObserverView(services, sam, interaction.id, "Flag raised by Alice",
                     panel_builder=lambda column: column.mark("flag-chat"))

    await user.open("/observer-done-test")
    await user.should_see("Connected")
    services.handling.done(interaction.id, ids["alice"])
    await user.should_see("The interaction is closed.", retries=100)
    await user.should_not_see("Connected")
    await user.should_not_see(marker="flag-chat")
    view = user.find(marker="observer").elements.pop()
    assert (view.props.get("data-state"), view.props.get("data-ended")) == ("done", "true")
