"""The Interaction Bar (ui/interaction_bar.py): items that can be told apart (contact, mode,
state, elapsed time ticking in the browser) and an expired session shown as expired
(issue 12, defects 4 and 7)."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

import main
from domain.inbound import parse_inbound
from domain.settings import load_settings
from domain.system import Services
from tests.ui.desk import eventually, own_interaction
from ui.interaction_bar import InteractionBar

JORDAN = "+14155550123"
PAGE_NUMBER = "+12125550101"


def accept_page_text(services: Services, agent_id: int, message_id: str) -> str:
    received = services.inbound.receive(parse_inbound({
        "message_id": message_id, "from": JORDAN, "to": PAGE_NUMBER, "text": "A quote?"}))
    preview = next(p for p in services.routing.previews(agent_id)
                   if p.interaction.id == received.interaction_id)
    services.routing.accept(preview.offer.id, agent_id)
    return received.interaction_id


def items(user: User) -> dict[str, Any]:
    """The bar's items by interaction id (none yet: empty)."""
    try:
        found = user.find(marker="interaction-bar-item").elements
    except AssertionError:
        return {}
    return {e.props["data-interaction-id"]: e for e in found}


def part(item: Any, marker: str) -> Any:
    """The element marked ``marker`` inside a bar item."""
    return next(e for e in item.descendants() if marker in e._markers)


async def alices_bar(user: User, name: str) -> tuple[Services, str, str]:
    """Alice's Interaction Bar with two interactions from Jordan: a session and a page
    text. Returns the services and the two interaction ids."""
    services = main.build_services(load_settings())
    session = own_interaction(services, "alice", JORDAN, "Hello", f"{name}-1")
    alice = services.agents.get(session.owner_id or 0)
    assert alice is not None
    page_id = accept_page_text(services, alice.id, f"{name}-2")

    @ui.page(f"/{name}")
    def page() -> None:
        InteractionBar(services, alice, on_select=lambda _i: None)

    await user.open(f"/{name}")
    await eventually(lambda: len(items(user)) == 2, "both items shown")
    return services, session.id, page_id


async def test_two_interactions_with_one_contact_can_be_told_apart(user: User) -> None:
    _services, session_id, page_id = await alices_bar(user, "bar-test")
    bar = items(user)
    for interaction_id, mode, kind in ((session_id, "session", "SMS session"),
                                       (page_id, "page", "SMS page")):
        item = bar[interaction_id]
        assert (item.props["data-mode"], item.props["data-state"]) == (mode, "active")
        assert part(item, "interaction-bar-contact").text == "Jordan Lee"
        assert part(item, "interaction-bar-mode").text == kind
        assert part(item, "interaction-bar-state").text == "Connected"
        clock = part(item, "interaction-bar-elapsed")
        # the browser ticks it on from the server's value: no server redraw per second
        assert clock.props["data-ticking"] == "true"
        assert int(clock.props["data-elapsed"]) < 60
        assert clock.text == f"00:{int(clock.props['data-elapsed']):02d}"


async def test_an_expired_session_shows_expired_in_the_bar(user: User) -> None:
    services, session_id, page_id = await alices_bar(user, "bar-expiry-test")
    await user.should_not_see(marker="interaction-bar-expired")
    services.advance_clock(901)  # the session's 15 minutes of silence run out
    await eventually(lambda: items(user)[session_id].props["data-state"] == "expired",
                     "the session item expired")
    expired = items(user)[session_id]
    assert part(expired, "interaction-bar-state").text == "Session expired"
    await user.should_see(marker="interaction-bar-expired")
    await user.should_see("Expired")
    clock = part(expired, "interaction-bar-elapsed")
    assert (clock.props["data-ticking"], clock.text) == ("false", "15:00")  # stopped
    # the page-mode item is still handled: it counts on from the moved clock
    running = part(items(user)[page_id], "interaction-bar-elapsed")
    assert running.props["data-ticking"] == "true"
    assert int(running.props["data-elapsed"]) >= 901
