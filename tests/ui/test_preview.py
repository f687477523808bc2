"""The Interaction Preview (ui/preview.py) of an interaction a colleague sent to a queue."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

import main
from domain.settings import load_settings
from tests.ui.desk import own_interaction
from ui.preview import PreviewStack

CONTACT = "+14155550123"


async def test_a_queue_transfer_preview_says_who_sent_it_where(user: User) -> None:
    services = main.build_services(load_settings())
    ids = {a.username: a.id for a in services.agents.list()}
    interaction = own_interaction(services, "alice", CONTACT, "I need a quote", "pv-1")
    bob = services.agents.get(ids["bob"])
    assert bob is not None
    services.presence.log_in(bob.id)
    services.presence.set_ready(bob.id)
    sales = next(q for q in services.directory.queues() if q.name == "Sales SMS")

    @ui.page("/preview-test")
    def page() -> None:
        PreviewStack(services, bob)

    await user.open("/preview-test")
    await user.should_see(marker="preview-stack")
    services.transfers.transfer_to_queue(interaction.id, ids["alice"], sales.id)
    await user.should_see(marker="preview", retries=100)
    await user.should_see("Transferred SMS")
    await user.should_see("Transferred by Alice Anders to Sales SMS")
    await user.should_see("Jordan Lee")
    context = user.find(marker="preview-transfer").elements.pop()
    assert context.props.get("data-transferred-by") == "Alice Anders"
