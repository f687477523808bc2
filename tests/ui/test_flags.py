"""Supervisor flags in the running app (simulated user): the agent's flag button, dialog and
panel, and the supervisors' /flags page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from nicegui.testing import User

import main
from domain.interactions import Party
from domain.settings import load_settings
from domain.system import Services
from tests.ui.desk import eventually, own_interaction
from tests.ui.test_desktop import log_in

CONTACT = "+14155550123"


def one(user: User, marker: str) -> Any:
    elements = user.find(marker=marker).elements
    assert len(elements) == 1, f"{len(elements)} elements marked {marker}"
    return next(iter(elements))


def visible(user: User, marker: str) -> bool:
    """Shown on the page (the simulated user finds only visible elements)."""
    try:
        return bool(user.find(marker=marker).elements)
    except AssertionError:
        return False


def side() -> tuple[Services, dict[str, int]]:
    """A second Services on the app's data folder (seeded by main.py) to set the scene."""
    services = main.build_services(load_settings())
    return services, {a.username: a.id for a in services.agents.list()}


async def test_agent_raises_and_lowers_a_flag_from_the_window(user: User) -> None:
    services, ids = side()
    await log_in(user, "alice")
    interaction = own_interaction(services, "alice", CONTACT, "Refund please", "ui-flag-1")
    await user.open("/")
    await user.should_see(marker="flag-supervisor")
    assert one(user, "flag-supervisor").props["data-raised"] == "false"
    await eventually(lambda: not visible(user, "flag-panel"), "panel hidden")

    user.find(marker="flag-supervisor").click()
    await user.should_see(marker="flag-dialog")
    user.find(marker="flag-raise").click()
    await user.should_see("Type a message for your supervisor before raising the flag.")
    user.find(marker="flag-message").type("x" * 501)
    user.find(marker="flag-raise").click()
    await user.should_see("A flag message can be at most 500 characters (this one has 501).")
    assert services.flags.flag_for(interaction.id) is None
    user.find(marker="flag-message").clear()
    user.find(marker="flag-message").type("Customer wants a refund over my limit")
    user.find(marker="flag-raise").click()
    await eventually(lambda: visible(user, "flag-panel"), "panel shown")
    await user.should_see("Flag raised: Customer wants a refund over my limit")
    assert one(user, "flag-supervisor").props["data-raised"] == "true"
    flag = services.flags.flag_for(interaction.id)
    assert flag is not None and flag.agent_id == ids["alice"]

    user.find(marker="flag-send").click()  # nothing typed
    await user.should_see("Type a message before sending.")
    user.find(marker="flag-input").type("Anyone?")
    user.find(marker="flag-send").click()
    await eventually(
        lambda: any(m.party is Party.INTERNAL and m.text == "Anyone?"
                    for m in services.handling.transcript(interaction.id, ids["alice"])),
        "internal message stored")
    assert services.outbox.delivered(to=CONTACT) == []

    user.find(marker="flag-lower").click()
    await eventually(lambda: not visible(user, "flag-panel"), "panel hidden again")
    assert one(user, "flag-supervisor").props["data-raised"] == "false"
    [lowered] = services.flags.history(interaction.id)
    assert lowered.lowered_by == ids["alice"]


async def test_supervisor_answers_a_flag_on_the_flags_page(user: User) -> None:
    services, ids = side()
    interaction = own_interaction(services, "alice", CONTACT, "Refund please", "ui-flag-2")
    services.flags.raise_flag(interaction.id, ids["alice"], "Refund over my limit")
    await log_in(user, "sam")
    await user.open("/flags")
    await user.should_see(marker="flag-row")
    row = one(user, "flag-row")
    assert row.props["data-interaction-id"] == interaction.id
    await user.should_see("Refund over my limit")
    await user.should_see("Jordan Lee · +14155550123")
    raised = services.flags.flag_for(interaction.id)
    assert raised is not None
    sam = services.agents.get(ids["sam"])
    assert sam is not None
    local = raised.raised_at.astimezone(ZoneInfo(sam.options.time_zone)).strftime("%H:%M")
    assert local in one(user, "flag-row-raised").text

    user.find(marker="flag-row").click()
    await user.should_see(marker="observer")
    await user.should_see("Flag raised by Alice Anders: Refund over my limit")
    await user.should_not_see(marker="compose-input")
    user.find(marker="flag-send").click()
    await user.should_see("Type a message before sending.")
    user.find(marker="flag-input").type("Offer a voucher")
    user.find(marker="flag-send").click()
    await eventually(
        lambda: [m.agent_id for m in services.handling.transcript(interaction.id, ids["alice"])
                 if m.party is Party.INTERNAL] == [ids["sam"]], "sam's internal message")

    user.find(marker="flag-lower").click()
    await user.should_see("The flag was lowered by Sam Supervisor.")
    await user.should_see(marker="flags-empty")
    [lowered] = services.flags.history(interaction.id)
    assert lowered.lowered_by == ids["sam"]
    assert services.outbox.delivered(to=CONTACT) == []
