"""MMS images over HTTP and in the transcript strip, through NiceGUI's simulated user.

Who may fetch an image is decided on the server for every request: the owner of the
interaction sees it; anybody else (another agent, a browser without a login) gets the
same 404 as for an id that does not exist; Save also needs "may save images". (A done
interaction in a contact's history is every agent's to read: ``test_contact_history.py``.)
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import httpx
import pytest
from nicegui import core, ui
from nicegui.testing import User
from PIL import Image

import main
from domain.agents import Agent
from domain.inbound import parse_inbound
from domain.interactions import MediaItem
from domain.settings import load_settings
from domain.system import Services
from tests.ui.test_desktop import SLOW, log_in, status_becomes
from ui.mms import SECURITY_HEADERS, media_strip

TOKEN = {"Authorization": "Bearer demo-token"}
CONTACT = "+14155550123"
SALES = "+12125550101"
UNKNOWN = "Q" * 43


def jpeg(size: tuple[int, int] = (640, 480), colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def mms(message_id: str, data: bytes, filename: str = "parcel.jpg",
        content_type: str = "image/jpeg") -> dict[str, object]:
    return {
        "message_id": message_id, "from": CONTACT, "to": SALES, "text": "Look at this",
        "media": [{"content_type": content_type, "filename": filename,
                   "data_base64": base64.b64encode(data).decode()}],
    }


def own_mms(services: Services, username: str, message_id: str, data: bytes,
            filename: str = "parcel.jpg") -> MediaItem:
    """An MMS offered to ``username`` alone and accepted (straight through the services)."""
    agent = next(a for a in services.agents.list() if a.username == username)
    services.presence.log_in(agent.id)
    services.presence.set_ready(agent.id)
    received = services.inbound.receive(parse_inbound(mms(message_id, data, filename)))
    preview = next(p for p in services.routing.previews(agent.id)
                   if p.interaction.id == received.interaction_id)
    services.routing.accept(preview.offer.id, agent.id)
    messages = services.handling.transcript(received.interaction_id, agent.id)
    services.presence.set_not_ready(agent.id)  # the next MMS is for whoever asks for it
    return next(item for m in messages for item in m.media)


@pytest.fixture
def services(user: User) -> Services:
    """A second set of services on the running app's data folder (main.py seeded it)."""
    return main.build_services(load_settings())


def anonymous() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test")


def assert_image(reply: httpx.Response, largest: int) -> Image.Image:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "image/jpeg"
    for name, value in SECURITY_HEADERS.items():
        assert reply.headers[name.lower()] == value
    image = Image.open(io.BytesIO(reply.content))
    assert image.format == "JPEG"
    assert max(image.size) <= largest
    assert not image.info.get("exif")
    return image


def assert_not_found(reply: httpx.Response) -> None:
    assert reply.status_code == 404
    assert reply.text == "Not found"
    assert reply.headers["cache-control"] == "private, no-store"
    assert not reply.headers["content-type"].startswith("image/")


def urls(media_id: str) -> list[str]:
    return [f"/media/{media_id}/thumb", f"/media/{media_id}", f"/media/{media_id}?download=1"]


# The agents log in before they own the MMS: the desktop they see is not under test here.


async def test_the_owner_gets_thumbnail_full_view_and_download(
    user: User, services: Services
) -> None:
    await log_in(user, "alice")
    item = own_mms(services, "alice", "mms-owner", jpeg((3000, 1500)), "Parcel ‮gpj.exe")

    thumb = assert_image(await user.http_client.get(f"/media/{item.id}/thumb"), 240)
    full = assert_image(await user.http_client.get(f"/media/{item.id}"), 2048)
    saved = await user.http_client.get(f"/media/{item.id}?download=1")

    assert thumb.size == (240, 120)
    assert full.size == (2048, 1024)
    assert_image(saved, 2048)
    assert saved.headers["content-disposition"] == (
        "attachment; filename=\"Parcel gpj.jpg\"; filename*=UTF-8''Parcel%20gpj.jpg"
    )
    assert (await user.http_client.get(f"/media/{item.id}")).headers[
        "content-disposition"] == "inline"


async def test_another_agent_gets_the_same_404_as_for_no_image_at_all(
    user: User, create_user: Callable[[], User], services: Services
) -> None:
    await log_in(user, "alice")
    item = own_mms(services, "alice", "mms-private", jpeg())
    assert (await user.http_client.get(f"/media/{item.id}/thumb")).status_code == 200
    carol = create_user()
    await log_in(carol, "carol")

    for url in urls(item.id) + urls(UNKNOWN) + ["/media/not-an-id/thumb", "/media/%2e%2e/thumb"]:
        assert_not_found(await carol.http_client.get(url))


async def test_a_browser_without_login_gets_404(user: User, services: Services) -> None:
    item = own_mms(services, "alice", "mms-anonymous", jpeg())

    async with anonymous() as browser:
        for url in urls(item.id):
            assert_not_found(await browser.get(url))
    for url in urls(item.id):  # the simulated user's browser, before it logs in
        assert_not_found(await user.http_client.get(url))


async def test_logging_out_ends_access(user: User, services: Services) -> None:
    await log_in(user, "alice")
    item = own_mms(services, "alice", "mms-logout", jpeg())
    assert (await user.http_client.get(f"/media/{item.id}/thumb")).status_code == 200

    user.find(marker="logout").click()
    await user.should_see(marker="login-username", retries=SLOW)

    assert_not_found(await user.http_client.get(f"/media/{item.id}/thumb"))


async def test_bob_sees_his_image_but_may_not_save_it(user: User, services: Services) -> None:
    await log_in(user, "bob")
    item = own_mms(services, "bob", "mms-bob", jpeg())

    assert_image(await user.http_client.get(f"/media/{item.id}/thumb"), 240)
    assert_image(await user.http_client.get(f"/media/{item.id}"), 2048)
    refused = await user.http_client.get(f"/media/{item.id}?download=1")

    assert refused.status_code == 403
    assert refused.text == "You may not save images."
    assert "content-disposition" not in refused.headers


async def test_a_damaged_image_is_422_and_the_server_carries_on(
    user: User, services: Services
) -> None:
    await log_in(user, "alice")
    whole = jpeg((800, 800))
    item = own_mms(services, "alice", "mms-damaged", whole[: len(whole) // 3])
    good = own_mms(services, "alice", "mms-fine", jpeg())

    for url in urls(item.id):
        reply = await user.http_client.get(url)
        assert reply.status_code == 422
        assert reply.text == "Image can't be shown"
    assert_image(await user.http_client.get(f"/media/{good.id}/thumb"), 240)


# -- the strip in a transcript line ----------------------------------------------------------


def page_with_strip(services: Services, agent: Agent, items: tuple[MediaItem, ...]) -> None:
    @ui.page("/mms-test")
    def page() -> None:
        with ui.column():
            media_strip(services, agent, "interaction-1", items)


ITEMS = (
    MediaItem("A" * 43, "image/jpeg", 'a "quoted" name.jpg', 1000),
    MediaItem("B" * 43, "image/png", "receipt.png", 2000),
)


def agent_named(services: Services, username: str) -> Agent:
    return next(a for a in services.agents.list() if a.username == username)


async def test_the_strip_shows_thumbnails_with_open_and_save(
    user: User, services: Services
) -> None:
    page_with_strip(services, agent_named(services, "alice"), ITEMS)
    await user.open("/mms-test")

    thumbs = sorted(user.find(marker="mms-thumbnail").elements, key=lambda e: e.id)
    assert [t.props["src"] for t in thumbs] == ["/media/" + "A" * 43 + "/thumb",
                                                "/media/" + "B" * 43 + "/thumb"]
    assert thumbs[0].props["alt"] == 'a "quoted" name.jpg'  # a value, never parsed as props
    assert thumbs[0].props["loading"] == "lazy"
    assert thumbs[0].props["tabindex"] == "0"
    assert thumbs[0].props["data-media-id"] == "A" * 43
    saves = [e for e in user.find(marker="mms-save").elements
             if e.props.get("data-via") == "button"]
    assert sorted(s.props["href"] for s in saves) == [
        "/media/" + "A" * 43 + "?download=1", "/media/" + "B" * 43 + "?download=1"]
    assert all(s.props["download"] == "" for s in saves)
    assert len([e for e in user.find(marker="mms-open").elements
                if e.props.get("data-via") == "button"]) == 2


async def test_bob_gets_no_save_control(user: User, services: Services) -> None:
    page_with_strip(services, agent_named(services, "bob"), ITEMS)
    await user.open("/mms-test")

    await user.should_see(marker="mms-thumbnail")
    await user.should_see(marker="mms-open")
    await user.should_not_see(marker="mms-save")


async def test_open_shows_the_full_view_in_a_dialog(user: User, services: Services) -> None:
    page_with_strip(services, agent_named(services, "alice"), ITEMS[:1])
    await user.open("/mms-test")

    user.find(marker="mms-thumbnail").trigger("dblclick")
    await user.should_see(marker="mms-dialog")
    full = user.find(marker="mms-full").elements.pop()
    assert full.props["src"] == "/media/" + "A" * 43
    assert full.props["alt"] == 'a "quoted" name.jpg'
    await user.should_see(marker="mms-close")
    dialog_saves = [e for e in user.find(marker="mms-save").elements
                    if e.props.get("data-via") == "dialog"]
    assert len(dialog_saves) == 1

    card = next(iter(user.find(marker="mms-dialog").elements))
    dialog = next(e for e in card.ancestors() if isinstance(e, ui.dialog))
    user.find(marker="mms-close").click()
    assert dialog.value is False
    user.find(marker="mms-thumbnail").trigger("dblclick")  # opens the same dialog again
    user.find(marker="mms-thumbnail").trigger("dblclick")
    assert dialog.value is True
    assert len(user.find(marker="mms-dialog").elements) == 1


async def test_enter_on_the_thumbnail_opens_it(user: User, services: Services) -> None:
    page_with_strip(services, agent_named(services, "alice"), ITEMS[:1])
    await user.open("/mms-test")

    user.find(marker="mms-thumbnail").trigger("keydown.enter")

    await user.should_see(marker="mms-dialog")


async def test_an_image_that_fails_to_load_becomes_a_placeholder(
    user: User, services: Services
) -> None:
    page_with_strip(services, agent_named(services, "alice"), ITEMS[:1])
    await user.open("/mms-test")

    user.find(marker="mms-thumbnail").trigger("error")

    await user.should_see("Image can't be shown")
    await user.should_see(marker="mms-unavailable")
    await user.should_not_see(marker="mms-thumbnail")
    await user.should_not_see(marker="mms-save")
    await user.should_see('a "quoted" name.jpg')  # the caption still says which image


async def test_nothing_is_built_for_a_message_without_images(
    user: User, services: Services
) -> None:
    built: list[object] = []

    @ui.page("/mms-test")
    def page() -> None:
        built.append(media_strip(services, agent_named(services, "alice"), "i", ()))
        ui.label("page")

    await user.open("/mms-test")
    await user.should_see("page")
    assert built == [None]
    await user.should_not_see(marker="mms-strip")


# -- the real road: inbound API, preview, accept (opens the interaction window) ----------


async def test_the_whole_way_through_the_inbound_api_and_the_preview(user: User) -> None:
    await log_in(user, "alice")
    user.find(marker="status-ready").click()
    await status_becomes(user, "Ready")
    reply = await user.http_client.post("/api/v1/inbound", headers=TOKEN,
                                        json=mms("mms-api", jpeg((100, 300), "orange")))
    assert reply.status_code == 202, reply.text
    await user.should_see(marker="preview-accept", retries=SLOW)
    user.find(marker="preview-accept").click()
    await user.should_see(marker="interaction", retries=SLOW)

    services = main.build_services(load_settings())
    interaction_id = reply.json()["interaction_id"]
    alice = next(a for a in services.agents.list() if a.username == "alice")
    messages = services.handling.transcript(interaction_id, alice.id)
    item = next(i for m in messages for i in m.media)

    thumb = assert_image(await user.http_client.get(f"/media/{item.id}/thumb"), 240)
    assert thumb.size == (80, 240)
    assert (await user.http_client.get(f"/media/{item.id}?download=1")).status_code == 200
