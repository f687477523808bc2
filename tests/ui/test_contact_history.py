"""Contact history through NiceGUI's simulated user (issue 12, defect 5).

A history row names its disposition by the label an administrator gave it ("Follow-up
needed"), never by its code (``follow_up``). An MMS in a history transcript shows its
images, which every agent may fetch once the interaction is done: the contact history,
transcripts included, is every agent's to read. An interaction still in progress keeps its
images for its owner (and admitted viewers), as in ``test_media_routes.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from nicegui.testing import User

import main
from domain.inbound import parse_inbound
from domain.settings import load_settings
from domain.system import Services
from tests.ui.desk import eventually, own_interaction
from tests.ui.test_desktop import SLOW, log_in
from tests.ui.test_media_routes import assert_image, assert_not_found, jpeg, mms


@pytest.fixture
def services(user: User) -> Services:
    """A second set of services on the running app's data folder (main.py seeded it)."""
    return main.build_services(load_settings())


def jordan(services: Services) -> int:
    [contact] = services.contacts.search("Jordan Lee").contacts
    return contact.id


def bobs_mms(services: Services, message_id: str, done: bool = True) -> tuple[str, str]:
    """An MMS from Jordan that bob accepts and, with ``done``, closes as Follow-up needed.
    Returns (interaction id, media id)."""
    bob = next(a for a in services.agents.list() if a.username == "bob")
    services.presence.log_in(bob.id)
    services.presence.set_ready(bob.id)
    received = services.inbound.receive(parse_inbound(mms(message_id, jpeg())))
    preview = next(p for p in services.routing.previews(bob.id)
                   if p.interaction.id == received.interaction_id)
    services.routing.accept(preview.offer.id, bob.id)
    services.presence.set_not_ready(bob.id)
    [item] = [i for m in services.handling.transcript(received.interaction_id, bob.id)
              for i in m.media]
    if done:
        services.handling.set_disposition(received.interaction_id, bob.id, "follow_up")
        services.handling.done(received.interaction_id, bob.id)
    return received.interaction_id, item.id


async def open_history(user: User, contact_id: int) -> None:
    await user.open(f"/contacts?contact={contact_id}&history=1")
    await user.should_see(marker="history-row", retries=SLOW)


def click_row(user: User, interaction_id: str) -> None:
    rows = user.find(marker="history-row")
    rows.elements = {e for e in rows.elements
                     if e.props.get("data-interaction-id") == interaction_id}
    assert rows.elements, f"no history row for {interaction_id}"
    rows.trigger("click")


async def test_history_rows_show_disposition_labels_not_codes(
    user: User, services: Services
) -> None:
    await log_in(user, "alice")
    await open_history(user, jordan(services))  # the demo history has follow_up, resolved

    await user.should_see("Disposition: Follow-up needed", retries=SLOW)
    await user.should_see("Disposition: Resolved")
    await user.should_not_see("follow_up")
    await user.should_not_see("Disposition: resolved")


async def test_an_unknown_code_is_shown_as_it_is(
    user: User, services: Services, parley_env: Path
) -> None:
    """A code removed from the configuration after use has no label any more: the code
    itself is all there is to show."""
    await log_in(user, "alice")
    interaction_id, _ = bobs_mms(services, "mms-history-old-code")
    with sqlite3.connect(parley_env / "parley.db") as db:
        db.execute("UPDATE interaction SET disposition = 'retired_code' WHERE id = ?",
                   (interaction_id,))

    await open_history(user, jordan(services))
    await user.should_see("Disposition: retired_code", retries=SLOW)


async def test_another_agent_sees_the_images_of_a_done_mms_in_the_history(
    user: User, services: Services
) -> None:
    await log_in(user, "alice")
    interaction_id, media_id = bobs_mms(services, "mms-history-done")

    await open_history(user, jordan(services))
    click_row(user, interaction_id)
    await user.should_see(marker="history-transcript", retries=SLOW)
    await user.should_see(marker="mms-thumbnail", retries=SLOW)
    [image] = user.find(marker="mms-thumbnail").elements
    assert image.props["src"] == f"/media/{media_id}/thumb"
    await user.should_see("Look at this")  # the MMS text, as before
    assert_image(await user.http_client.get(f"/media/{media_id}/thumb"), 240)
    assert_image(await user.http_client.get(f"/media/{media_id}"), 2048)
    # alice may save images; the history does not change that rule
    assert (await user.http_client.get(f"/media/{media_id}?download=1")).status_code == 200


async def test_images_of_an_mms_in_progress_stay_with_its_owner(
    user: User, services: Services
) -> None:
    await log_in(user, "alice")
    _, media_id = bobs_mms(services, "mms-history-open", done=False)

    assert_not_found(await user.http_client.get(f"/media/{media_id}/thumb"))


async def test_history_images_follow_the_save_rule(
    user: User, create_user: Callable[[], User], services: Services
) -> None:
    """carol may not save images: she sees a done MMS's images, and Save is refused."""
    carol = create_user()
    await log_in(carol, "carol")
    _, media_id = bobs_mms(services, "mms-history-save")

    assert_image(await carol.http_client.get(f"/media/{media_id}/thumb"), 240)
    assert (await carol.http_client.get(f"/media/{media_id}?download=1")).status_code == 403


async def test_recent_interactions_of_an_unknown_number_show_labels(
    user: User, services: Services
) -> None:
    """The recent-interactions dialog of a sender who is no contact (a contact's opens
    its History tab instead) names dispositions by their labels too."""
    await log_in(user, "alice")
    stranger = "+14155550987"
    alice = next(a for a in services.agents.list() if a.username == "alice")
    first = own_interaction(services, "alice", stranger, "Parcel missing", "recent-1")
    services.handling.set_disposition(first.id, alice.id, "follow_up")
    services.handling.done(first.id, alice.id)
    own_interaction(services, "alice", stranger, "Any news?", "recent-2")

    await user.open("/")
    await user.should_see(marker="history-recent", retries=SLOW)
    await eventually(lambda: [b.text for b in user.find(marker="history-recent").elements]
                     == ["1"], "the first interaction counted as recent")
    user.find(marker="history-recent").click()
    await user.should_see(marker="history-dialog", retries=SLOW)
    await user.should_see("Follow-up needed")
    await user.should_not_see("follow_up")
