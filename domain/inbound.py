"""Inbound SMS/MMS from the gateway: validated, stored once, joined or queued for routing."""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.clock import Clock
from domain.events import EventPublisher, InteractionQueued, MessageReceived
from domain.interactions import Channel, MediaItem
from domain.phone_numbers import is_sms_address
from domain.ports import DirectoryRepository
from domain.queues import CentreNumber, Mode

log = logging.getLogger(__name__)
CENTRES_TTL = 5.0  # seconds
MAX_TEXT = 10_000
MAX_MEDIA = 10
MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_MESSAGE_ID = 200
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_PLACEHOLDER = re.compile(r"\{(number|contact_id|centre)\}")


class InboundError(Exception):
    """Bad inbound input: ``status`` is the HTTP status, the message says what is wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class InboundMedia:
    content_type: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class LinkedMedia:
    """An image the gateway only linked to (a Twilio MMS): fetched after the message is
    stored, so the gateway's webhook is answered at once (domain/linked_media.py)."""

    url: str
    content_type: str


@dataclass(frozen=True)
class InboundRequest:
    message_id: str
    sender: str
    to: str
    text: str
    media: tuple[InboundMedia, ...] = ()
    training: bool = False  # lesson traffic: kept out of real queues, history and reports
    target_agent_id: int | None = None  # offered only to this agent (a lesson's trainee)
    linked_media: tuple[LinkedMedia, ...] = ()  # still to fetch: the message is an MMS


@dataclass(frozen=True)
class InboundResult:
    interaction_id: str
    message_id: str
    duplicate: bool = False
    joined: bool = False  # added to an open session instead of starting an interaction


# Called with (interaction id, stored message id, links) once a message with linked media
# is stored; it fetches them and offers the interaction (domain/linked_media.py).
LinkedMediaListener = Callable[[str, int, tuple[LinkedMedia, ...]], None]


@dataclass(frozen=True)
class NewInbound:
    """What storage records for one inbound message, in one transaction."""

    provider_message_id: str
    sender: str
    centre_number: str
    text: str
    channel: Channel
    mode: Mode
    queue_id: int
    contact_id: int | None
    received_at: datetime
    media: tuple[MediaItem, ...]
    case_data: Mapping[str, Any]
    training: bool = False
    target_agent_id: int | None = None


@dataclass(frozen=True)
class StoredInbound:
    interaction_id: str
    message_id: int
    duplicate: bool
    joined: bool
    owner_id: int | None = None


class InboundRepository(Protocol):
    def find_inbound(self, provider_message_id: str) -> str | None:
        """The interaction id a provider message id was stored in, if any."""
        ...

    def add_inbound(self, new: NewInbound) -> StoredInbound:
        """Store the message (joining an open session of the sender when the mode allows),
        atomically and at most once per provider message id."""
        ...


class MediaStore(Protocol):
    def save(self, data: bytes, content_type: str) -> str:
        """Store the bytes under a new unguessable id and return it."""
        ...

    def delete(self, media_id: str) -> None: ...


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def parse_inbound(payload: Any, linked_media: tuple[LinkedMedia, ...] = ()) -> InboundRequest:
    """Validate a decoded JSON body (CONTRACTS.md); raise :class:`InboundError` on bad input.

    ``linked_media`` are images a gateway only linked to (Twilio): they count as media.
    CPU work (base64) happens here: call it off the event loop.
    """
    if not isinstance(payload, dict):
        raise InboundError(400, "the body must be a JSON object")
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not message_id.strip():
        raise InboundError(400, "message_id is required (a non-empty string)")
    if len(message_id) > MAX_MESSAGE_ID:
        raise InboundError(400, f"message_id is longer than {MAX_MESSAGE_ID} characters")
    for key in ("from", "to"):
        if not is_sms_address(payload.get(key)):
            raise InboundError(
                400, f"'{key}' must be E.164 ('+' then 8 to 15 digits) or a 3 to 8 digit "
                f"short code, got {payload.get(key)!r}"[:300],
            )
    text = payload.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InboundError(400, "text must be a string")
    if len(text) > MAX_TEXT:
        raise InboundError(413, f"text is longer than {MAX_TEXT:,} characters")
    raw_media = payload.get("media")
    if raw_media is None:  # absent or null: no media
        raw_media = []
    if not isinstance(raw_media, list):
        raise InboundError(400, "media must be a list")
    if len(raw_media) + len(linked_media) > MAX_MEDIA:
        raise InboundError(413, f"at most {MAX_MEDIA} images per message")
    media = tuple(_parse_media(i, item) for i, item in enumerate(raw_media))
    if not text.strip() and not media and not linked_media:
        raise InboundError(400, "a message needs text or at least one image")
    return InboundRequest(message_id, payload["from"], payload["to"], text, media,
                          linked_media=linked_media)


def _parse_media(index: int, item: Any) -> InboundMedia:
    where = f"media[{index}]"
    if not isinstance(item, dict):
        raise InboundError(400, f"{where} must be an object")
    content_type = item.get("content_type")
    if content_type not in IMAGE_TYPES:
        raise InboundError(
            400, f"{where}.content_type must be one of {', '.join(IMAGE_TYPES)}"
        )
    filename = item.get("filename") or "image"
    if not isinstance(filename, str) or len(filename) > 255:
        raise InboundError(400, f"{where}.filename must be a string of at most 255 characters")
    encoded = item.get("data_base64")
    if not isinstance(encoded, str) or not encoded:
        raise InboundError(400, f"{where}.data_base64 is required")
    # Cheap size check before decoding: 4 base64 characters carry 3 bytes.
    if len(encoded) * 3 // 4 > MAX_MEDIA_BYTES + 3:
        raise InboundError(413, f"{where} is larger than 5 MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InboundError(400, f"{where}.data_base64 is not valid base64") from exc
    return check_image(where, content_type, filename, data)


def check_image(where: str, content_type: str, filename: str, data: bytes) -> InboundMedia:
    """The limits every inbound image meets, however it arrived: at most 5 MB, a JPEG,
    PNG, GIF or WebP whose bytes are what its type says. Raises :class:`InboundError`."""
    if content_type not in IMAGE_TYPES:
        raise InboundError(400, f"{where} is {content_type}, not one of {', '.join(IMAGE_TYPES)}")
    if len(data) > MAX_MEDIA_BYTES:
        raise InboundError(413, f"{where} is larger than 5 MB")
    sniffed = _sniff(data)
    if sniffed is None:
        raise InboundError(400, f"{where} is not a JPEG, PNG, GIF or WebP image")
    if sniffed != content_type:
        raise InboundError(400, f"{where} says {content_type} but holds {sniffed}")
    # Keep only a plain file name: no folders, no control characters.
    clean = "".join(ch for ch in filename.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
    return InboundMedia(content_type, clean or "image", data)


class InboundService:
    def __init__(
        self,
        repo: InboundRepository,
        directory: DirectoryRepository,
        media: MediaStore,
        bus: EventPublisher,
        clock: Clock,
        route: Any,
        case_data_defaults: Mapping[str, str] | None = None,
    ) -> None:
        self._repo = repo
        self._directory = directory
        self._media = media
        self._bus = bus
        self._clock = clock
        self._route = route  # callable(interaction_id): offer it to an agent if one is free
        self._case_defaults = dict(case_data_defaults or {})
        # Session texts look for an open session, then insert: one at a time in this
        # process, so two texts arriving together cannot open two sessions.
        self._session_lock = threading.Lock()
        self._join_listeners: list[Callable[[str], None]] = []
        self._centres: dict[str, CentreNumber] = {}
        self._centres_read = float("-inf")
        self._linked_listener: LinkedMediaListener | None = None

    def _centre(self, number: str) -> CentreNumber | None:
        """Centre numbers change rarely: read them at most every few seconds, and again
        when an unknown number arrives (it may have just been added)."""
        now = time.monotonic()
        if now - self._centres_read > CENTRES_TTL or number not in self._centres:
            self._centres = {c.number: c for c in self._directory.centre_numbers()}
            self._centres_read = now
        return self._centres.get(number)

    def on_joined(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(interaction_id)`` when a text joins an open session."""
        self._join_listeners.append(listener)

    def on_linked_media(self, listener: LinkedMediaListener) -> None:
        """Who fetches linked media; it also offers such an interaction (after the first
        fetch, so the agent sees the images with the text)."""
        self._linked_listener = listener

    def receive(self, request: InboundRequest) -> InboundResult:
        """Store a validated inbound message, then join it to a session or route it.

        Everything is committed before this returns (a 2xx means stored).
        """
        if request.linked_media and self._linked_listener is None:
            raise InboundError(400, "this gateway cannot fetch linked media")
        if request.media or request.linked_media:
            # Text duplicates are caught by the unique provider id when stored; with
            # images, look first so a retried MMS does not write its files again.
            existing = self._repo.find_inbound(request.message_id)
            if existing is not None:
                return InboundResult(existing, request.message_id, duplicate=True)
        centre = self._centre(request.to)
        if centre is None:
            existing = self._repo.find_inbound(request.message_id)
            if existing is not None:  # stored before the number was removed: idempotent
                return InboundResult(existing, request.message_id, duplicate=True)
            raise InboundError(400, f"'to' {request.to} is not one of this centre's numbers")
        contact_id = self._directory.contact_id_by_phone(request.sender)
        channel = Channel.MMS if request.media or request.linked_media else Channel.SMS
        mode = Mode.PAGE if channel is Channel.MMS else centre.mode  # MMS is always page mode
        saved: list[MediaItem] = []
        try:
            for item in request.media:
                media_id = self._media.save(item.data, item.content_type)
                saved.append(MediaItem(media_id, item.content_type, item.filename, len(item.data)))
            lock = self._session_lock if mode is Mode.SESSION else contextlib.nullcontext()
            with lock:
                stored = self._repo.add_inbound(NewInbound(
                    provider_message_id=request.message_id,
                    sender=request.sender,
                    centre_number=centre.number,
                    text=request.text,
                    channel=channel,
                    mode=mode,
                    queue_id=centre.queue_id,
                    contact_id=contact_id,
                    received_at=self._clock.now(),
                    media=tuple(saved),
                    case_data=self._case_data(request, contact_id),
                    training=request.training,
                    target_agent_id=request.target_agent_id,
                ))
        except Exception:
            for item in saved:
                self._media.delete(item.id)
            raise
        if stored.duplicate:  # a concurrent twin won the race
            for item in saved:
                self._media.delete(item.id)
            return InboundResult(stored.interaction_id, request.message_id, duplicate=True)
        if stored.joined:
            for listener in self._join_listeners:
                listener(stored.interaction_id)
            self._bus.publish(
                MessageReceived(stored.interaction_id, stored.message_id, stored.owner_id)
            )
        elif request.linked_media and self._linked_listener is not None:
            self._bus.publish(InteractionQueued(stored.interaction_id, request.sender))
            self._linked_listener(stored.interaction_id, stored.message_id,
                                  request.linked_media)
        else:
            self._bus.publish(InteractionQueued(stored.interaction_id, request.sender))
            self.offer(stored.interaction_id)
        return InboundResult(stored.interaction_id, request.message_id, joined=stored.joined)

    def offer(self, interaction_id: str) -> None:
        """Offer a stored interaction to an agent if one is free (it waits otherwise)."""
        try:
            self._route(interaction_id)
        except Exception:
            # Stored and committed: the gateway must get its 2xx. The interaction
            # waits in the queue and is offered when routing next runs.
            log.exception("routing failed for inbound interaction %s", interaction_id)

    def _case_data(self, request: InboundRequest, contact_id: int | None) -> dict[str, Any]:
        values = {"number": request.sender, "contact_id": str(contact_id or ""),
                  "centre": request.to}
        data: dict[str, Any] = {}
        for key, raw in self._case_defaults.items():
            template = str(raw)
            if "{contact_id}" in template and contact_id is None:
                continue
            # Only the three named placeholders are replaced; any other brace is kept as
            # written (str.format would raise on it and refuse every inbound message).
            data[key] = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
        subject = request.text.strip().splitlines()[0] if request.text.strip() else "Image"
        data.setdefault("subject", subject[:80])
        return data
