"""Twilio's webhooks in the running app (PARLEY_GATEWAY=twilio): signed by the ``twilio``
library as Twilio signs them, against the public URL; MMS images fetched from a local
stand-in of Twilio's media URLs, and retried on the application clock."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui.testing import User
from PIL import Image

import main
from domain.settings import load_settings
from domain.system import Services
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn, sms_params
from tests.ui.desk import eventually

PUBLIC = "https://parley.example.com"  # what Twilio calls; Parley itself sits behind a proxy
SMS_URL = f"{PUBLIC}/webhooks/twilio/sms"
TOKEN = {"Authorization": "Bearer demo-token"}
SESSION, PAGE, JORDAN = "+12125550100", "+12125550101", "+14155550123"
RETRYING = "An image could not be fetched from Twilio; retrying."


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[TwilioStandIn]:
    """Twilio's stand-in, and the app's settings pointing at it (before the app starts)."""
    standin = TwilioStandIn().start()
    monkeypatch.setenv("PARLEY_GATEWAY", "twilio")
    monkeypatch.setenv("PARLEY_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("PARLEY_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PARLEY_TWILIO_API_BASE", standin.url)
    monkeypatch.setenv("PARLEY_PUBLIC_URL", PUBLIC)
    yield standin
    standin.stop()


@pytest.fixture
def services(twilio: TwilioStandIn, user: User) -> Services:
    """A second set of services on the running app's data folder, for looking."""
    return main.build_services(load_settings())


def rows(sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(Path(os.environ["PARLEY_DATA_DIR"]) / "parley.db") as db:
        return db.execute(sql, args).fetchall()


def counts() -> tuple[object, ...]:
    return rows("select (select count(*) from interaction), (select count(*) from message),"
                " (select count(*) from media)")[0]


def lines(interaction_id: str) -> list[str]:
    return [str(text) for (text,) in rows(
        "select text from message where interaction_id = ? order by id", interaction_id)]


def media_of(interaction_id: str) -> list[tuple[object, ...]]:
    return rows("select media.content_type, media.size, message.party from media join message"
                " on message.id = media.message_id where message.interaction_id = ?"
                " order by message.id, media.position", interaction_id)


def interaction_of(message_sid: str) -> str:
    [(interaction_id,)] = rows(
        "select interaction_id from message where provider_message_id = ?", message_sid)
    return str(interaction_id)


def png(colour: tuple[int, int, int] = (10, 200, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


async def post(user: User, twilio: TwilioStandIn, params: dict[str, str],
               signed_url: str = SMS_URL, path: str = "/webhooks/twilio/sms",
               signature: str | None = None) -> object:
    header = twilio.signature(signed_url, params) if signature is None else signature
    headers = {"X-Twilio-Signature": header} if header else {}
    return await user.http_client.post(path, data=params, headers=headers)


def ready(services: Services, username: str) -> int:
    agent = next(a for a in services.agents.list() if a.username == username)
    services.presence.log_in(agent.id)
    services.presence.set_ready(agent.id)
    return agent.id


async def test_a_signed_sms_is_stored_routed_and_answered_with_empty_twiml(
    twilio: TwilioStandIn, user: User, services: Services
) -> None:
    alice = ready(services, "alice")
    reply = await post(user, twilio, sms_params("SMsigned1", JORDAN, SESSION, "Hi via Twilio"))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/xml")
    assert reply.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    interaction_id = interaction_of("SMsigned1")
    assert lines(interaction_id) == ["Hi via Twilio"]
    await eventually(lambda: any(p.interaction.id == interaction_id
                                 for p in services.routing.previews(alice)), "offered to alice")


@pytest.mark.parametrize(("signed_url", "signature", "words"), [
    (SMS_URL, "", "header is missing"),
    (SMS_URL, "bm90IGEgc2lnbmF0dXJl", "does not match"),
    ("http://test/webhooks/twilio/sms", None, "PARLEY_PUBLIC_URL"),  # Parley's own address
])
async def test_an_unsigned_or_badly_signed_request_is_403_and_stores_nothing(
    twilio: TwilioStandIn, user: User, signed_url: str, signature: str | None, words: str
) -> None:
    before = counts()
    reply = await post(user, twilio, sms_params("SMforged", JORDAN, SESSION, "Forged"),
                       signed_url=signed_url, signature=signature)
    assert reply.status_code == 403 and words in reply.json()["error"]
    assert counts() == before


async def test_a_tampered_form_is_403(twilio: TwilioStandIn, user: User) -> None:
    params = sms_params("SMtampered", JORDAN, SESSION, "Pay 10 dollars")
    signature = twilio.signature(SMS_URL, params)
    before = counts()
    reply = await user.http_client.post("/webhooks/twilio/sms", headers={
        "X-Twilio-Signature": signature}, data={**params, "Body": "Pay 1000 dollars"})
    assert reply.status_code == 403
    assert counts() == before


async def test_a_repeated_message_sid_is_stored_once(twilio: TwilioStandIn, user: User) -> None:
    params = sms_params("SMtwice", JORDAN, PAGE, "Only once please")
    for _ in range(3):
        reply = await post(user, twilio, params)
        assert reply.status_code == 200
    assert rows("select count(*) from message where provider_message_id = 'SMtwice'") == [(1,)]


@pytest.mark.parametrize(("changes", "status", "words"), [
    ({"From": "not-a-number"}, 400, "'from'"),
    ({"To": "+12125550199"}, 400, "centre"),
    ({"MessageSid": ""}, 400, "message_id"),
    ({"Body": ""}, 400, "text or at least one image"),
    ({"NumMedia": "11"}, 413, "10 images"),
    ({"NumMedia": "1"}, 400, "MediaUrl0 is missing"),
])
async def test_bad_input_is_a_clear_error_and_stores_nothing(
    twilio: TwilioStandIn, user: User, changes: dict[str, str], status: int, words: str
) -> None:
    before = counts()
    reply = await post(user, twilio, {**sms_params("SMbad", JORDAN, PAGE, "x"), **changes})
    assert reply.status_code == status, reply.text
    assert words in reply.json()["error"]
    assert counts() == before


async def test_an_mms_is_offered_with_its_image_fetched_from_twilio(
    twilio: TwilioStandIn, user: User, services: Services
) -> None:
    bob = ready(services, "bob")
    image = png()
    url = twilio.add_media("a1", "image/png", image)
    reply = await post(user, twilio, sms_params("MMone", JORDAN, SESSION, "My parcel",
                                                [(url, "image/png")]))
    assert reply.status_code == 200
    interaction_id = interaction_of("MMone")
    await eventually(lambda: media_of(interaction_id) == [("image/png", len(image), "contact")],
                     "the image attached to the contact's message", retries=400)
    await eventually(lambda: any(p.interaction.id == interaction_id and p.kind == "mms"
                                 for p in services.routing.previews(bob)), "offered as MMS")
    fetches = [r for r in twilio.requests if "/Media/ME" in r.path]
    assert fetches and all(r.authorized for r in fetches)  # with the account's credentials
    assert lines(interaction_id) == ["My parcel"]


async def test_a_failed_fetch_shows_a_line_and_is_retried_on_the_clock(
    twilio: TwilioStandIn, user: User
) -> None:
    image = png((200, 20, 20))
    url = twilio.add_media("r1", "image/png", image, failures=1)
    await post(user, twilio, sms_params("MMretry", JORDAN, SESSION, "", [(url, "image/png")]))
    interaction_id = interaction_of("MMretry")
    await eventually(lambda: RETRYING in lines(interaction_id), "the retrying line",
                     retries=400)
    assert media_of(interaction_id) == []
    # Not retried before its time: moving the clock a little changes nothing.
    await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": 10},
                                headers=TOKEN)
    assert media_of(interaction_id) == [] and len(lines(interaction_id)) == 2
    await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": 25},
                                headers=TOKEN)
    await eventually(lambda: media_of(interaction_id) == [("image/png", len(image), "system")],
                     "the image on the line that says it arrived", retries=400)
    assert lines(interaction_id) == ["", RETRYING, "An image from Twilio arrived after all."]


async def test_a_fetch_that_keeps_failing_gives_up_and_says_so(
    twilio: TwilioStandIn, user: User
) -> None:
    url = twilio.add_media("g1", "image/png", png(), failures=1000)
    await post(user, twilio, sms_params("MMgiveup", JORDAN, SESSION, "Look",
                                        [(url, "image/png")]))
    interaction_id = interaction_of("MMgiveup")
    await eventually(lambda: RETRYING in lines(interaction_id), "the retrying line",
                     retries=400)
    for step in (30, 120, 600, 1800, 3600):
        tries = sum(1 for r in twilio.requests if "/Media/MEg1" in r.path)
        await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": step + 1},
                                    headers=TOKEN)
        await eventually(lambda t=tries: sum(
            1 for r in twilio.requests if "/Media/MEg1" in r.path) > t, "another try",
            retries=400)
    await eventually(lambda: any("Parley gave up" in line for line in lines(interaction_id)),
                     "the giving-up line", retries=400)
    assert media_of(interaction_id) == []
    assert lines(interaction_id)[-1] == (
        "An image could not be fetched from Twilio (Twilio answered 503); Parley gave up.")


async def test_an_attachment_that_is_not_an_image_is_named_not_fetched(
    twilio: TwilioStandIn, user: User
) -> None:
    url = twilio.add_media("v1", "video/mp4", b"\x00\x00\x00\x18ftypmp42")
    await post(user, twilio, sms_params("MMvideo", JORDAN, SESSION, "A video",
                                        [(url, "video/mp4")]))
    interaction_id = interaction_of("MMvideo")
    await eventually(lambda: len(lines(interaction_id)) == 2, "a line about the video",
                     retries=400)
    assert "video/mp4, not a JPEG, PNG, GIF or WebP image" in lines(interaction_id)[1]
    assert not [r for r in twilio.requests if "/Media/MEv1" in r.path]
