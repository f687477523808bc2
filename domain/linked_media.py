"""Images a gateway only linked to (a Twilio MMS): fetched after the message is stored.

The gateway's webhook is answered as soon as the text is stored (Twilio gives up after
15 s). A deadline due at once then fetches the images in this service's own threads (a
slow carrier never holds the scheduler, which also runs offer timeouts), attaches them to
the message and offers the interaction, so the agent sees the text and its images
together. A fetch that fails is retried on the clock; the agent reads a system line that
says so, and another when the image arrives later or when Parley gives up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.clock import Clock
from domain.events import EventPublisher, MessageReceived
from domain.inbound import IMAGE_TYPES, InboundError, LinkedMedia, MediaStore, check_image
from domain.interactions import Interaction, MediaItem, Message, Party
from domain.scheduler import Deadline, Scheduler

log = logging.getLogger(__name__)
KIND = "linked-media"
# Waits before the 2nd, 3rd, ... try; after the last one Parley gives up (about 1 h 40 min).
RETRY_SECONDS = (30, 120, 600, 1800, 3600)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


class MediaFetchError(Exception):
    """A linked image could not be fetched; ``permanent`` when trying again cannot help
    (not found, too large, not an image)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MediaFetcher(Protocol):
    source: str  # the gateway's name in the lines the agent reads ("Twilio")

    def fetch(self, url: str) -> tuple[str, bytes]:
        """(content type, bytes) of one linked image; raises :class:`MediaFetchError`."""
        ...


class LinkedMediaRepository(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...

    def add_message(
        self, interaction_id: str, party: Party, text: str, at: datetime,
        agent_id: int | None = None,
    ) -> Message: ...

    def add_media(self, message_id: int, media: Sequence[MediaItem]) -> None: ...


def retrying_line(source: str) -> str:
    return f"An image could not be fetched from {source}; retrying."


class LinkedMediaService:
    def __init__(
        self, repo: LinkedMediaRepository, media: MediaStore, fetcher: MediaFetcher,
        scheduler: Scheduler, bus: EventPublisher, clock: Clock,
        offer: Callable[[str], None], retry_seconds: Sequence[float] = RETRY_SECONDS,
        workers: int = 2,
    ) -> None:
        self._repo = repo
        self._media = media
        self._fetcher = fetcher
        self._scheduler = scheduler
        self._bus = bus
        self._clock = clock
        self._offer = offer  # InboundService.offer: route the interaction to an agent
        self._retry = tuple(retry_seconds)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="linked-media")
        self._running: set[str] = set()
        self._lock = threading.Lock()
        scheduler.on(KIND, self._due)

    def linked(self, interaction_id: str, message_id: int, links: tuple[LinkedMedia, ...]) -> None:
        """A message with linked media was stored: fetch them now (a stored deadline, so a
        restart still fetches them)."""
        self._scheduler.schedule(KIND, str(message_id), self._clock.now(), {
            "interaction_id": interaction_id, "message_id": message_id,
            "links": [[link.url, link.content_type] for link in links],
            "attempt": 0, "offered": False,
        })

    def _due(self, deadline: Deadline) -> None:
        with self._lock:
            if deadline.ref in self._running:
                return  # the try still running schedules the next one itself
            self._running.add(deadline.ref)
        payload = dict(deadline.payload)
        # Stored before this try starts: if Parley stops mid-fetch, it tries again.
        self._schedule_next(deadline.ref, payload, payload["links"])
        self._pool.submit(self._try, deadline.ref, payload)

    def _schedule_next(self, ref: str, payload: dict[str, Any], links: list[list[str]]) -> None:
        attempt = int(payload["attempt"])
        if attempt >= len(self._retry):
            return
        due = self._clock.now() + timedelta(seconds=self._retry[attempt])
        self._scheduler.schedule(KIND, ref, due, {
            **payload, "links": links, "attempt": attempt + 1, "offered": True})

    def _try(self, ref: str, payload: dict[str, Any]) -> None:
        try:
            self._fetch_all(ref, payload)
        except Exception:  # the stored next try still runs
            log.exception("fetching linked media for message %s failed", ref)
        finally:
            with self._lock:
                self._running.discard(ref)

    def _fetch_all(self, ref: str, payload: dict[str, Any]) -> None:
        interaction_id, message_id = str(payload["interaction_id"]), int(payload["message_id"])
        source = self._fetcher.source
        saved: list[MediaItem] = []
        failed: list[tuple[list[str], str]] = []  # (link, reason) worth another try
        lines: list[str] = []
        for url, content_type in payload["links"]:
            where = f"image {len(saved) + len(failed) + 1}"
            try:
                saved.append(self._fetch_one(where, url, content_type))
            except MediaFetchError as exc:
                if exc.permanent:
                    lines.append(f"An image could not be fetched from {source}: {exc.reason}. "
                                 "It was not kept.")
                else:
                    failed.append(([url, content_type], exc.reason))
        attempt, offered = int(payload["attempt"]), bool(payload["offered"])
        self._scheduler.cancel(KIND, ref)
        if failed and attempt < len(self._retry):
            self._schedule_next(ref, payload, [link for link, _ in failed])
            if attempt == 0:
                lines.append(retrying_line(source))
        elif failed:
            lines.append(f"{_images(len(failed))} could not be fetched from {source} "
                         f"({failed[-1][1]}); Parley gave up.")
        now = self._clock.now()
        if saved and not offered:
            self._repo.add_media(message_id, saved)  # nobody has seen the message yet
        elif saved:
            arrived = self._repo.add_message(
                interaction_id, Party.SYSTEM,
                f"{_images(len(saved))} from {source} arrived after all.", now)
            self._repo.add_media(arrived.id, saved)
        for line in lines:
            self._repo.add_message(interaction_id, Party.SYSTEM, line, now)
        if not offered:
            self._offer(interaction_id)
        elif saved or lines:
            interaction = self._repo.get(interaction_id)
            owner = interaction.owner_id if interaction else None
            self._bus.publish(MessageReceived(interaction_id, message_id, owner))

    def _fetch_one(self, where: str, url: str, content_type: str) -> MediaItem:
        declared = content_type.split(";")[0].strip().lower()
        if declared not in IMAGE_TYPES:  # a video, a vCard: not worth fetching at all
            raise MediaFetchError(f"{where} is {declared or 'of no type'}, not a JPEG, PNG, "
                                  "GIF or WebP image", permanent=True)
        got_type, data = self._fetcher.fetch(url)
        got_type = got_type.split(";")[0].strip().lower() or declared
        name = f"image-{where.split()[-1]}.{EXTENSIONS.get(got_type, 'img')}"
        try:
            image = check_image(where, got_type, name, data)
        except InboundError as exc:
            raise MediaFetchError(exc.message, permanent=True) from None
        media_id = self._media.save(image.data, image.content_type)
        return MediaItem(media_id, image.content_type, image.filename, len(image.data))


def _images(count: int) -> str:
    return "An image" if count == 1 else f"{count} images"
