"""Inbound SMS/MMS: validating the gateway's JSON, storing once, joining or routing."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from domain.agents import Agent
from domain.clock import FakeClock
from domain.contacts import Contact, ContactPhone
from domain.events import InteractionQueued, MessageReceived, OfferMade
from domain.inbound import (
    MAX_MEDIA_BYTES,
    InboundError,
    InboundMedia,
    InboundRequest,
    InboundResult,
    InboundService,
    parse_inbound,
)
from domain.interactions import Channel, Party, State
from domain.presence import Status
from domain.queues import CentreNumber, Mode
from domain.routing import RoutingService
from domain.scheduler import Scheduler

from .fakes import (
    FakeAgentRepository,
    FakeDeadlineStore,
    FakeDirectoryRepository,
    FakeInteractionRepo,
    FakeMediaStore,
    FakePresenceRepository,
    RecordingBus,
)

SESSION_NUMBER = "+12125550100"  # demo: "Support SMS", session mode
PAGE_NUMBER = "+12125550101"  # demo: "Sales SMS", page mode
JORDAN = "+14155550123"
STRANGER = "+14155550999"
DEFAULTS = {
    "customer_segment": "Retail",
    "account_page": "https://crm.example.com/contacts/{contact_id}",
    "source": "SMS from {number} to {centre}",
}


def image(fmt: str, size: tuple[int, int] = (4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


PNG, JPEG, GIF, WEBP = image("PNG"), image("JPEG"), image("GIF"), image("WEBP")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def media(data: bytes = PNG, content_type: str = "image/png", **extra: Any) -> dict[str, Any]:
    return {"content_type": content_type, "filename": "photo", "data_base64": b64(data), **extra}


def body(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "message_id": "SM1", "from": JORDAN, "to": SESSION_NUMBER, "text": "Hello"
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


# -- parse_inbound: what is refused ---------------------------------------------------------


def refused(payload: Any) -> InboundError:
    with pytest.raises(InboundError) as caught:
        parse_inbound(payload)
    return caught.value


@pytest.mark.parametrize("payload", [[], "text", None, 42, [("message_id", "x")]])
def test_the_body_must_be_an_object(payload: Any) -> None:
    error = refused(payload)
    assert (error.status, error.message) == (400, "the body must be a JSON object")


@pytest.mark.parametrize("message_id", [..., None, "", "   ", 17, ["SM1"]])
def test_message_id_is_required(message_id: Any) -> None:
    error = refused(body(message_id=message_id))
    assert error.status == 400
    assert "message_id is required" in error.message


def test_message_id_has_a_length_limit() -> None:
    assert parse_inbound(body(message_id="x" * 200)).message_id == "x" * 200
    error = refused(body(message_id="x" * 201))
    assert (error.status, error.message) == (400, "message_id is longer than 200 characters")


@pytest.mark.parametrize("key", ["from", "to"])
@pytest.mark.parametrize(
    "value",
    [
        ...,  # missing
        None,
        "",
        "+1234567",  # 7 digits
        "+1234567890123456",  # 16 digits
        "12",  # short codes are 3 to 8 digits
        "123456789",
        "14155550123",  # a long number needs its +
        "+1 415 555 0123",
        "+1-415-555-0123",
        "+14155550123\n",
        " +14155550123",
        "++14155550123",
        "+1415555012a",
        "+１４１５５５５０１２３",  # fullwidth digits
        "+١٤١٥٥٥٥٠١٢٣",  # Arabic-Indic digits
        "١٢٣",
        14155550123,
        ["+14155550123"],
    ],
)
def test_from_and_to_must_be_e164_or_a_short_code(key: str, value: Any) -> None:
    error = refused(body(**{key: value}))
    assert error.status == 400
    assert error.message.startswith(f"'{key}' must be E.164 ('+' then 8 to 15 digits)")
    assert "3 to 8 digit short code" in error.message


@pytest.mark.parametrize(
    "value", ["+12345678", "+123456789012345", "+14155550123", "123", "12345678", "55555"]
)
def test_valid_addresses_and_short_codes(value: str) -> None:
    request = parse_inbound(body(**{"from": value, "to": value}))
    assert (request.sender, request.to) == (value, value)


def test_a_long_bad_address_is_cut_in_the_message() -> None:
    error = refused(body(**{"from": "9" * 5000}))
    assert len(error.message) <= 300


@pytest.mark.parametrize("text", [42, ["hi"], {"t": "hi"}, True])
def test_text_must_be_a_string(text: Any) -> None:
    error = refused(body(text=text))
    assert (error.status, error.message) == (400, "text must be a string")


def test_text_up_to_10000_characters_is_taken_and_longer_is_413() -> None:
    assert len(parse_inbound(body(text="a" * 10_000)).text) == 10_000
    error = refused(body(text="a" * 10_001))
    assert (error.status, error.message) == (413, "text is longer than 10,000 characters")


@pytest.mark.parametrize(
    "value", ["image", {"content_type": "image/png"}, 5, True, {}, "", False, 0]
)
def test_media_must_be_a_list(value: Any) -> None:
    error = refused(body(media=value))
    assert (error.status, error.message) == (400, "media must be a list")


def test_media_null_or_empty_means_no_media() -> None:
    assert parse_inbound(body(media=None)).media == ()
    assert parse_inbound(body(media=[])).media == ()


def test_at_most_ten_images() -> None:
    assert len(parse_inbound(body(media=[media()] * 10)).media) == 10
    error = refused(body(media=[media()] * 11))
    assert (error.status, error.message) == (413, "at most 10 images per message")


@pytest.mark.parametrize("item", ["x", 3, None, [media()]])
def test_each_media_item_must_be_an_object(item: Any) -> None:
    error = refused(body(media=[media(), item]))
    assert (error.status, error.message) == (400, "media[1] must be an object")


@pytest.mark.parametrize(
    "content_type", [..., None, "", "image/bmp", "image/svg+xml", "text/html", "IMAGE/PNG", 7]
)
def test_content_type_must_be_a_supported_image(content_type: Any) -> None:
    item = media()
    if content_type is ...:
        del item["content_type"]
    else:
        item["content_type"] = content_type
    error = refused(body(media=[item]))
    assert error.status == 400
    assert error.message == (
        "media[0].content_type must be one of image/jpeg, image/png, image/gif, image/webp"
    )


@pytest.mark.parametrize("data", [..., None, "", 12])
def test_data_base64_is_required(data: Any) -> None:
    item = media()
    if data is ...:
        del item["data_base64"]
    else:
        item["data_base64"] = data
    error = refused(body(media=[item]))
    assert (error.status, error.message) == (400, "media[0].data_base64 is required")


@pytest.mark.parametrize(
    "data",
    ["not base64!", b64(PNG)[:-1], "iVBORw0KGgo=x", b64(PNG)[:40] + "\n" + b64(PNG)[40:]],
)
def test_data_base64_must_be_valid(data: str) -> None:
    error = refused(body(media=[media(data_base64=data)]))
    assert (error.status, error.message) == (400, "media[0].data_base64 is not valid base64")


def test_an_image_over_5_mb_is_413() -> None:
    too_big = PNG + b"\0" * (MAX_MEDIA_BYTES + 1 - len(PNG))
    error = refused(body(media=[media(too_big)]))
    assert (error.status, error.message) == (413, "media[0] is larger than 5 MB")


def test_a_huge_base64_string_is_refused_before_decoding() -> None:
    error = refused(body(media=[media(data_base64="A" * (8 * 1024 * 1024))]))
    assert (error.status, error.message) == (413, "media[0] is larger than 5 MB")


def test_an_image_of_exactly_5_mb_is_taken() -> None:
    exact = PNG + b"\0" * (MAX_MEDIA_BYTES - len(PNG))
    request = parse_inbound(body(media=[media(exact)]))
    assert len(request.media[0].data) == MAX_MEDIA_BYTES


@pytest.mark.parametrize(
    "data", [b"hello, world", b"%PDF-1.7\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\0"]
)
def test_bytes_that_are_not_an_image_are_refused(data: bytes) -> None:
    error = refused(body(media=[media(data)]))
    assert (error.status, error.message) == (
        400, "media[0] is not a JPEG, PNG, GIF or WebP image"
    )


@pytest.mark.parametrize(
    ("data", "label", "actual"),
    [
        (PNG, "image/jpeg", "image/png"),
        (JPEG, "image/png", "image/jpeg"),
        (GIF, "image/webp", "image/gif"),
        (WEBP, "image/gif", "image/webp"),
    ],
)
def test_the_content_type_must_match_the_bytes(data: bytes, label: str, actual: str) -> None:
    error = refused(body(media=[media(data, label)]))
    assert (error.status, error.message) == (400, f"media[0] says {label} but holds {actual}")


def test_the_error_names_the_bad_item() -> None:
    error = refused(body(media=[media(), media(), media(b"nope")]))
    assert error.message == "media[2] is not a JPEG, PNG, GIF or WebP image"


@pytest.mark.parametrize("filename", [3, ["a.png"], "x" * 256])
def test_a_bad_filename_is_refused(filename: Any) -> None:
    error = refused(body(media=[media(filename=filename)]))
    assert error.message == "media[0].filename must be a string of at most 255 characters"


@pytest.mark.parametrize("text", [..., None, "", "   \n\t"])
def test_a_message_needs_text_or_an_image(text: Any) -> None:
    error = refused(body(text=text))
    assert (error.status, error.message) == (400, "a message needs text or at least one image")


def test_the_first_problem_found_is_reported_and_checks_are_cheap_first() -> None:
    # A missing message id is reported even when everything else is wrong too.
    error = refused({"from": "x", "to": "y", "text": 5, "media": "z"})
    assert error.message == "message_id is required (a non-empty string)"


# -- parse_inbound: what is taken ----------------------------------------------------------


def test_a_valid_sms() -> None:
    request = parse_inbound(body(text="Hi, is my order ready?"))

    assert request == InboundRequest("SM1", JORDAN, SESSION_NUMBER, "Hi, is my order ready?")


def test_a_valid_mms_with_each_image_type() -> None:
    request = parse_inbound(
        body(
            text="",
            media=[
                media(PNG, "image/png", filename="a.png"),
                media(JPEG, "image/jpeg", filename="b.jpg"),
                media(GIF, "image/gif", filename="c.gif"),
                media(WEBP, "image/webp", filename="d.webp"),
            ],
        )
    )

    assert request.text == ""
    assert request.media == (
        InboundMedia("image/png", "a.png", PNG),
        InboundMedia("image/jpeg", "b.jpg", JPEG),
        InboundMedia("image/gif", "c.gif", GIF),
        InboundMedia("image/webp", "d.webp", WEBP),
    )


def test_text_may_be_absent_or_null_when_there_is_an_image() -> None:
    assert parse_inbound(body(text=..., media=[media()])).text == ""
    assert parse_inbound(body(text=None, media=[media()])).text == ""


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("/var/www/shell.php.png", "shell.php.png"),
        ("C:\\Users\\jordan\\Pictures\\cat.png", "cat.png"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("photos/", "image"),
        ("bad\x00name\n.png", "badname.png"),
        ("ok \u202ename.png", "ok name.png"),
        ("", "image"),
        (None, "image"),
        ("my photo (1).jpg", "my photo (1).jpg"),
    ],
)
def test_filenames_lose_folders_and_control_characters(given: Any, kept: str) -> None:
    item = media()
    item["filename"] = given
    assert parse_inbound(body(media=[item])).media[0].filename == kept


def test_a_missing_filename_becomes_image() -> None:
    item = media()
    del item["filename"]
    assert parse_inbound(body(media=[item])).media[0].filename == "image"


def test_unknown_keys_are_ignored() -> None:
    request = parse_inbound(body(extra={"x": 1}, media=[media(thumbnail="no")]))
    assert request.message_id == "SM1" and len(request.media) == 1


# -- InboundService.receive ---------------------------------------------------------------


class Inbound:
    """InboundService over in-memory storage, with routing that records what it was asked."""

    def __init__(
        self,
        *,
        with_routing: bool = False,
        defaults: dict[str, str] | None = None,
        route: Callable[[str], Any] | None = None,
    ) -> None:
        self.clock = FakeClock()
        self.bus = RecordingBus()
        self.agents = FakeAgentRepository()
        self.presence = FakePresenceRepository()
        self.directory = FakeDirectoryRepository(
            centre_numbers=[
                CentreNumber(SESSION_NUMBER, Mode.SESSION, 1, "Support"),
                CentreNumber(PAGE_NUMBER, Mode.PAGE, 2, "Sales"),
                CentreNumber("55555", Mode.PAGE, 3, "Short code"),
            ],
            contacts=[
                Contact(1, "Jordan Lee", (ContactPhone(JORDAN),)),
                Contact(2, "Priya Patel", (ContactPhone("+14155550100"), ContactPhone("55501"))),
            ],
        )
        self.repo = FakeInteractionRepo(self.presence, self.agents, self.directory)
        self.media = FakeMediaStore()
        self.routed: list[str] = []
        record: Callable[[str], Any] = self.routed.append
        if with_routing:
            self.routing = RoutingService(
                self.repo, self.agents, self.directory,
                Scheduler(FakeDeadlineStore(), self.clock), self.bus, self.clock,
            )

            def record(interaction_id: str) -> None:
                self.routed.append(interaction_id)
                self.routing.route(interaction_id)

        self.service = InboundService(
            self.repo, self.directory, self.media, self.bus, self.clock, route or record,
            case_data_defaults=DEFAULTS if defaults is None else defaults,
        )
        self._n = 0

    def ready_agent(self, name: str) -> Agent:
        agent = self.agents.add(name, "x")
        self.presence.set(agent.id, Status.READY, None, self.clock.now())
        return agent

    def send(self, text: str = "Hello", **changes: Any) -> InboundResult:
        self._n += 1
        changes.setdefault("message_id", f"SM{self._n}")
        return self.service.receive(parse_inbound(body(text=text, **changes)))


@pytest.fixture
def inbound() -> Inbound:
    return Inbound()


def test_a_new_sms_is_stored_queued_and_routed(inbound: Inbound) -> None:
    result = inbound.send("Where is my order?\nIt was due Monday.", to=PAGE_NUMBER)

    assert result.message_id == "SM1"
    assert not result.duplicate and not result.joined
    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.state is State.QUEUED
    assert interaction.channel is Channel.SMS
    assert interaction.mode is Mode.PAGE
    assert interaction.queue_id == 2
    assert interaction.contact_number == JORDAN
    assert interaction.centre_number == PAGE_NUMBER
    assert interaction.created_at == inbound.clock.now()
    assert interaction.queued_at == inbound.clock.now()
    [message] = inbound.repo.messages(result.interaction_id)
    assert message.party is Party.CONTACT
    assert message.text == "Where is my order?\nIt was due Monday."
    assert inbound.bus.events == [InteractionQueued(result.interaction_id, JORDAN)]
    assert inbound.routed == [result.interaction_id]


def test_an_unknown_centre_number_is_400_and_stores_nothing(inbound: Inbound) -> None:
    with pytest.raises(InboundError) as caught:
        inbound.send("Hi", to="+12125550199", media=[media()])

    assert caught.value.status == 400
    assert caught.value.message == "'to' +12125550199 is not one of this centre's numbers"
    assert inbound.repo.all_interactions() == []
    assert inbound.repo.add_inbound_calls == 0
    assert inbound.media.files == {}
    assert inbound.bus.events == [] and inbound.routed == []


def test_a_known_contact_is_matched_by_number(inbound: Inbound) -> None:
    result = inbound.send("Hi", to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.contact_id == 1
    assert interaction.contact_name == "Jordan Lee"
    assert interaction.contact_label == "Jordan Lee"


def test_a_contact_with_several_numbers_is_matched_by_any(inbound: Inbound) -> None:
    result = inbound.send("Hi", **{"from": "55501"}, to="55555")

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None and interaction.contact_name == "Priya Patel"


def test_an_unknown_sender_is_shown_as_their_number(inbound: Inbound) -> None:
    result = inbound.send("Hi", **{"from": STRANGER})

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.contact_id is None
    assert interaction.contact_name is None
    assert interaction.contact_label == STRANGER


@pytest.mark.parametrize(("to", "mode"), [(SESSION_NUMBER, Mode.SESSION), (PAGE_NUMBER, Mode.PAGE)])
def test_the_mode_comes_from_the_centre_number(inbound: Inbound, to: str, mode: Mode) -> None:
    result = inbound.send("Hi", to=to)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None and interaction.mode is mode


def test_mms_is_page_mode_even_to_the_session_number(inbound: Inbound) -> None:
    result = inbound.send("look", to=SESSION_NUMBER, media=[media(JPEG, "image/jpeg")])

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.channel is Channel.MMS
    assert interaction.mode is Mode.PAGE
    assert interaction.queue_id == 1  # still the session number's queue


def test_mms_media_is_saved_and_attached_in_order(inbound: Inbound) -> None:
    result = inbound.send(
        "two pictures",
        to=PAGE_NUMBER,
        media=[
            media(PNG, "image/png", filename="../a.png"),
            media(WEBP, "image/webp", filename="b.webp"),
        ],
    )

    [message] = inbound.repo.messages(result.interaction_id)
    assert [(m.content_type, m.filename, m.size) for m in message.media] == [
        ("image/png", "a.png", len(PNG)),
        ("image/webp", "b.webp", len(WEBP)),
    ]
    assert [inbound.media.read(m.id) for m in message.media] == [PNG, WEBP]
    assert inbound.media.deleted == []


def test_an_mms_never_joins_an_open_session(inbound: Inbound) -> None:
    session = inbound.send("hi", to=SESSION_NUMBER)

    mms = inbound.send("", to=SESSION_NUMBER, media=[media()])

    assert not mms.joined
    assert mms.interaction_id != session.interaction_id
    assert inbound.routed == [session.interaction_id, mms.interaction_id]


def test_a_duplicate_message_id_returns_the_first_answer_and_stores_nothing(
    inbound: Inbound,
) -> None:
    first = inbound.send("Hi", message_id="SM-dup", to=PAGE_NUMBER)
    events_before = list(inbound.bus.events)
    messages_before = inbound.repo.all_messages()

    again = inbound.send("Hi again", message_id="SM-dup", to=PAGE_NUMBER, media=[media()])

    assert again.duplicate is True
    assert again.interaction_id == first.interaction_id
    assert again.message_id == "SM-dup"
    assert inbound.repo.all_messages() == messages_before
    assert len(inbound.repo.all_interactions()) == 1
    assert inbound.bus.events == events_before
    assert inbound.routed == [first.interaction_id]
    assert inbound.media.files == {}  # nothing saved for the twin


def test_a_duplicate_is_answered_even_if_the_centre_number_was_removed(
    inbound: Inbound,
) -> None:
    first = inbound.send("Hi", message_id="SM-x", to=PAGE_NUMBER)
    inbound.directory._centre_numbers = []  # reconfigured since: a retry must still succeed

    again = inbound.send("Hi", message_id="SM-x", to=PAGE_NUMBER)

    assert again.duplicate and again.interaction_id == first.interaction_id


def test_a_twin_that_wins_the_race_gets_its_media_deleted(inbound: Inbound) -> None:
    first = inbound.send("Hi", message_id="SM-race", to=PAGE_NUMBER)
    # The twin's duplicate check ran before the first was committed: it finds nothing
    # once; the store's own unique check then catches the twin.
    real_find = inbound.repo.find_inbound
    calls: list[str] = []

    def find_once_too_early(provider_id: str) -> str | None:
        calls.append(provider_id)
        return None if len(calls) == 1 else real_find(provider_id)

    inbound.repo.find_inbound = find_once_too_early  # type: ignore[method-assign]
    events_before = list(inbound.bus.events)

    again = inbound.send("Hi", message_id="SM-race", to=PAGE_NUMBER, media=[media(), media()])

    assert again.duplicate is True
    assert again.interaction_id == first.interaction_id
    assert sorted(inbound.media.deleted) == ["media-0001", "media-0002"]
    assert inbound.media.files == {}
    assert len(inbound.repo.all_messages()) == 1
    assert inbound.bus.events == events_before
    assert inbound.routed == [first.interaction_id]


def test_text_to_an_open_session_joins_it(inbound: Inbound) -> None:
    first = inbound.send("Hi", to=SESSION_NUMBER)
    inbound.clock.advance(30)
    inbound.bus.events.clear()

    second = inbound.send("Are you there?", to=SESSION_NUMBER)

    assert second.joined is True and not second.duplicate
    assert second.interaction_id == first.interaction_id
    assert [m.text for m in inbound.repo.messages(first.interaction_id)] == [
        "Hi", "Are you there?"
    ]
    [event] = inbound.bus.events
    assert isinstance(event, MessageReceived)
    assert event.interaction_id == first.interaction_id
    assert event.message_id == inbound.repo.messages(first.interaction_id)[1].id
    assert event.owner_id is None
    assert inbound.routed == [first.interaction_id]  # no new routing
    assert len(inbound.repo.all_interactions()) == 1


def test_joining_an_owned_session_tells_the_owner_without_a_new_offer() -> None:
    inbound = Inbound(with_routing=True)
    alice = inbound.ready_agent("alice")
    first = inbound.send("Hi", to=SESSION_NUMBER)
    [offer] = inbound.repo.pending_offers(alice.id)
    inbound.routing.accept(offer.id, alice.id)
    inbound.bus.events.clear()

    second = inbound.send("One more thing", to=SESSION_NUMBER)

    assert second.joined and second.interaction_id == first.interaction_id
    assert [type(e) for e in inbound.bus.events] == [MessageReceived]
    event = inbound.bus.events[0]
    assert isinstance(event, MessageReceived) and event.owner_id == alice.id
    assert inbound.bus.of(OfferMade) == []
    assert inbound.repo.pending_offers() == []


def test_a_session_is_per_contact_and_centre_number(inbound: Inbound) -> None:
    jordan = inbound.send("Hi", to=SESSION_NUMBER)

    stranger = inbound.send("Hi", **{"from": STRANGER}, to=SESSION_NUMBER)
    other_centre = inbound.send("Hi", to=PAGE_NUMBER)

    assert not stranger.joined and not other_centre.joined
    assert len({jordan.interaction_id, stranger.interaction_id, other_centre.interaction_id}) == 3


def test_page_mode_text_always_starts_a_new_interaction(inbound: Inbound) -> None:
    first = inbound.send("Hi", to=PAGE_NUMBER)
    second = inbound.send("Hi again", to=PAGE_NUMBER)

    assert not second.joined
    assert second.interaction_id != first.interaction_id
    assert inbound.routed == [first.interaction_id, second.interaction_id]
    assert inbound.bus.of(MessageReceived) == []


def test_text_after_a_session_is_done_starts_a_new_one() -> None:
    i = Inbound(with_routing=True)
    alice = i.ready_agent("alice")
    first = i.send("Hi", to=SESSION_NUMBER)
    i.routing.accept(i.repo.pending_offers(alice.id)[0].id, alice.id)
    i.clock.advance(60)
    assert i.repo.finish(first.interaction_id, alice.id, i.clock.now()) is not None

    later = i.send("Hi, me again", to=SESSION_NUMBER)

    assert not later.joined
    assert later.interaction_id != first.interaction_id


def test_a_storage_failure_deletes_the_saved_media(inbound: Inbound) -> None:
    inbound.repo.fail_next_add = RuntimeError("database is locked")

    with pytest.raises(RuntimeError, match="database is locked"):
        inbound.send("", to=PAGE_NUMBER, media=[media(), media(GIF, "image/gif")])

    assert sorted(inbound.media.deleted) == ["media-0001", "media-0002"]
    assert inbound.media.files == {}
    assert inbound.bus.events == [] and inbound.routed == []
    # The gateway retries the same message id: it is stored this time.
    retry = inbound.send("", message_id="SM1", to=PAGE_NUMBER, media=[media()])
    assert not retry.duplicate
    assert len(inbound.repo.all_messages()) == 1


def test_a_media_store_failure_deletes_what_was_already_saved(inbound: Inbound) -> None:
    saved = inbound.media.save

    def save(data: bytes, content_type: str) -> str:
        if content_type == "image/gif":
            raise OSError("disk full")
        return saved(data, content_type)

    inbound.media.save = save  # type: ignore[method-assign]

    with pytest.raises(OSError, match="disk full"):
        inbound.send("", to=PAGE_NUMBER, media=[media(), media(GIF, "image/gif")])

    assert inbound.media.deleted == ["media-0001"]
    assert inbound.repo.all_interactions() == []


def test_new_interactions_are_offered_through_routing() -> None:
    inbound = Inbound(with_routing=True)
    alice = inbound.ready_agent("alice")

    result = inbound.send("Hi", to=PAGE_NUMBER)

    [offer] = inbound.repo.pending_offers(alice.id)
    assert offer.interaction_id == result.interaction_id
    assert [type(e) for e in inbound.bus.events] == [InteractionQueued, OfferMade]


def test_a_routing_failure_after_storing_still_acknowledges_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_interaction_id: str) -> None:
        raise RuntimeError("routing is down")

    inbound = Inbound(route=broken)

    result = inbound.send("Hi", to=PAGE_NUMBER)

    assert not result.duplicate
    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None and interaction.state is State.QUEUED
    assert inbound.bus.events == [InteractionQueued(result.interaction_id, JORDAN)]
    assert "routing failed" in caplog.text
    # A retry by the gateway is a plain duplicate.
    assert inbound.send("Hi", message_id="SM1", to=PAGE_NUMBER).duplicate


# -- case data ----------------------------------------------------------------------------


def test_case_data_defaults_are_filled_in_for_a_known_contact(inbound: Inbound) -> None:
    result = inbound.send("  Order 1234 is late\nPlease help", to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.case_data == {
        "customer_segment": "Retail",
        "account_page": "https://crm.example.com/contacts/1",
        "source": f"SMS from {JORDAN} to {PAGE_NUMBER}",
        "subject": "Order 1234 is late",
    }


def test_templates_naming_the_contact_id_are_skipped_for_unknown_senders(
    inbound: Inbound,
) -> None:
    result = inbound.send("Hi", **{"from": STRANGER}, to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert "account_page" not in interaction.case_data
    assert interaction.case_data["customer_segment"] == "Retail"
    assert interaction.case_data["source"] == f"SMS from {STRANGER} to {PAGE_NUMBER}"


def test_the_subject_is_the_first_line_cut_to_80_characters(inbound: Inbound) -> None:
    result = inbound.send("x" * 200 + "\nsecond line", to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None and interaction.case_data["subject"] == "x" * 80


def test_an_image_without_text_has_the_subject_image(inbound: Inbound) -> None:
    result = inbound.send("   ", to=PAGE_NUMBER, media=[media()])

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None and interaction.case_data["subject"] == "Image"


def test_a_configured_subject_default_wins_over_the_first_line() -> None:
    inbound = Inbound(defaults={"subject": "SMS from {number}"})

    result = inbound.send("Hello there", **{"from": STRANGER}, to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.case_data == {"subject": f"SMS from {STRANGER}"}


def test_a_template_with_stray_braces_does_not_break_inbound() -> None:
    inbound = Inbound(defaults={"note": "Literal {braces} and {number}", "odd": "{"})

    result = inbound.send("Hi", **{"from": STRANGER}, to=PAGE_NUMBER)

    interaction = inbound.repo.get(result.interaction_id)
    assert interaction is not None
    assert interaction.case_data["note"] == f"Literal {{braces}} and {STRANGER}"
    assert interaction.case_data["odd"] == "{"
