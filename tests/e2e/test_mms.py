"""MMS in real Chromium: thumbnails, the full view, Save only for agents allowed to save."""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import Desktop, LoginPage, MmsImages
from tests.e2e.server import ServerProcess

TOKEN = {"Authorization": "Bearer demo-token"}
CONTACT = "+14155550123"
SESSION_NUMBER = "+12125550100"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def mms_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own: these MMS must reach only the agents of this module."""
    server = ServerProcess(tmp_path_factory.mktemp("parley-mms")).start()
    yield server
    server.stop()


def photo(size: tuple[int, int] = (640, 480)) -> bytes:
    """A small real JPEG: orange with a blue square, and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (240, 140, 40))
    image.paste((30, 80, 200), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def send_mms(url: str, images: list[tuple[str, bytes]], text: str = "") -> str:
    reply = httpx.post(f"{url}/api/v1/inbound", headers=TOKEN, json={
        "message_id": f"mms-e2e-{next(_ids)}", "from": CONTACT, "to": SESSION_NUMBER,
        "text": text,
        "media": [{"content_type": "image/jpeg", "filename": name,
                   "data_base64": base64.b64encode(data).decode()} for name, data in images],
    })
    assert reply.status_code == 202, reply.text
    return str(reply.json()["interaction_id"])


def desktop(page: Page, url: str, name: str) -> Desktop:
    desk = Desktop(LoginPage(page, url).open().log_in(name).page)
    desk.go_ready()
    return desk


def accept_mms(desk: Desktop, interaction_id: str) -> MmsImages:
    preview = desk.preview(interaction_id)
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("data-kind", "mms")
    preview.get_by_test_id("preview-accept").click()
    window = desk.interaction(interaction_id)
    expect(window).to_be_visible()
    images = MmsImages(window)
    expect(images.thumbnails.first).to_be_attached()
    return images


@pytest.mark.allow_errors("status of 422")  # the damaged image is refused on purpose
def test_alice_sees_opens_and_saves_bob_only_sees(  # type: ignore[no-untyped-def]
    page: Page, browser: Browser, mms_server: ServerProcess, tmp_path: Path, shot
) -> None:
    url = mms_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    alice = desktop(page, url, "alice")
    interaction_id = send_mms(url, [("parcel photo.jpg", photo())], "The box was crushed")
    images = accept_mms(alice, interaction_id)

    # The thumbnail: decoded pixels from the server's rendition, named by its alt text.
    thumb = images.thumbnails.first
    expect(images.thumbnails).to_have_count(1)
    assert images.wait_loaded(thumb) == 240  # a 640 px photo, thumbnailed to 240
    expect(thumb).to_have_attribute("alt", "parcel photo.jpg")
    media_id = thumb.get_attribute("data-media-id")
    assert media_id
    expect(images.save_buttons()).to_have_count(1)
    expect(images.open_buttons()).to_have_count(1)
    shot("alice-thumbnail", page)

    # Double-click: the full view in a dialog; Esc closes it.
    thumb.dblclick()
    expect(images.dialog).to_be_visible()
    full = images.dialog.get_by_test_id("mms-full")
    assert images.wait_loaded(full) == 640
    expect(images.dialog.get_by_test_id("mms-close")).to_be_visible()
    expect(page.get_by_role("dialog", name="Image parcel photo.jpg")).to_be_visible()
    page.wait_for_timeout(400)  # let the fade-in finish for the picture
    shot("alice-open", page)
    page.keyboard.press("Escape")
    expect(images.dialog).to_have_count(0)

    # Keyboard: the thumbnail takes focus and Enter opens it; the close button closes it.
    thumb.focus()
    page.keyboard.press("Enter")
    expect(images.dialog).to_be_visible()
    images.dialog.get_by_test_id("mms-close").click()
    expect(images.dialog).to_have_count(0)

    # The context menu offers Open (and Save for alice).
    thumb.click(button="right")
    menu_open = page.locator('[data-testid="mms-open"][data-via="menu"]')
    expect(menu_open).to_be_visible()
    expect(page.locator('[data-testid="mms-save"][data-via="menu"]')).to_be_visible()
    page.wait_for_timeout(400)  # let the fade-in finish for the picture
    shot("alice-context-menu", page)
    menu_open.click()
    expect(images.dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(images.dialog).to_have_count(0)

    # Save: a cleaned JPEG with a safe name, without the contact's GPS position.
    with page.expect_download() as download_info:
        images.save_buttons().first.click()
    download = download_info.value
    assert download.suggested_filename == "parcel photo.jpg"
    saved = tmp_path / "saved.jpg"
    download.save_as(saved)
    with Image.open(saved) as image:
        assert image.format == "JPEG" and image.size == (640, 480)
        assert len(image.getexif()) == 0

    # Bob, in a browser of his own, takes the next MMS: he sees it but has no Save.
    alice.go_not_ready()
    bob_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bob = desktop(bob_page, url, "bob")
    whole = photo((400, 300))
    bob_id = send_mms(url, [("receipt.jpg", photo((300, 400))),
                            ("damaged.jpg", whole[: len(whole) // 3])])
    bob_images = accept_mms(bob, bob_id)
    expect(bob_images.thumbnails).to_have_count(1)
    assert bob_images.wait_loaded(bob_images.thumbnails.first) == 180  # 300x400 -> 180x240
    expect(bob_images.unavailable).to_have_count(1)  # the damaged one: a clear placeholder
    expect(bob_images.unavailable).to_contain_text("Image can't be shown")
    expect(bob_images.open_buttons()).to_have_count(1)
    expect(bob_page.get_by_test_id("mms-save")).to_have_count(0)
    bob_images.thumbnails.first.click(button="right")
    expect(bob_page.locator('[data-testid="mms-open"][data-via="menu"]')).to_be_visible()
    expect(bob_page.get_by_test_id("mms-save")).to_have_count(0)
    bob_page.wait_for_timeout(400)  # let the fade-in finish for the picture
    shot("bob-no-save", bob_page)
    bob_page.keyboard.press("Escape")

    # The server enforces it too, with each browser's own session.
    bob_media = bob_images.thumbnails.first.get_attribute("data-media-id")
    assert bob_page.request.get(f"{url}/media/{bob_media}/thumb").status == 200
    assert bob_page.request.get(f"{url}/media/{bob_media}?download=1").status == 403
    assert bob_page.request.get(f"{url}/media/{media_id}/thumb").status == 404  # alice's
    assert page.request.get(f"{url}/media/{bob_media}/thumb").status == 404  # bob's
    assert page.request.get(f"{url}/media/{media_id}?download=1").status == 200
    assert httpx.get(f"{url}/media/{media_id}/thumb").status_code == 404  # no login at all
    bob_page.context.close()
