"""MMS images: the thumbnail strip in a transcript line and the routes that serve images.

Security (DESIGN.md, "Images are decoded with limits, and served only to agents allowed
to see that interaction"):

* The browser never gets the contact's bytes. ``/media/{id}/thumb`` and ``/media/{id}``
  answer with renditions re-encoded on the server (see ``storage/thumbnails.py``): first
  frame, orientation applied, metadata stripped, pixel-capped, JPEG.
* Every request is authorised afresh: the browser's agent comes from the same session
  token as the pages (``ui.session.current_agent``), then
  ``services.handling.media_for`` decides: the owner and admitted viewers (a consultant,
  a supervisor answering a flag) see an interaction's images; once it is done and in a
  contact's history, which every agent reads, every agent does. Not logged in, unknown
  id, malformed id or an interaction the agent may not see: the same ``404 Not found``,
  so ids cannot be probed.
  ``?download=1`` (Save) also needs the agent's "may save images" option: an agent who
  may see the image but not save it gets ``403``; that tells them nothing they did not know.
* Every image answer is ``Cache-Control: private, no-store``, ``X-Content-Type-Options:
  nosniff``, ``Cross-Origin-Resource-Policy: same-origin`` and a ``sandbox`` CSP; Save
  is ``Content-Disposition: attachment`` with a sanitised name (RFC 6266/5987).
* An image that cannot be rendered (damaged, too many pixels, not an allowed format) is
  ``422`` and shows "Image can't be shown" in the transcript.
* Pillow runs in NiceGUI's worker processes (``run.cpu_bound``): a decoder crash costs a
  worker, not the server. At most ``RENDER_CONCURRENCY`` renders at once, each with a
  time limit; the same rendition asked for twice at once is rendered once.
* Agents cannot send images: there is no upload here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
import urllib.parse
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from fastapi import Response
from fastapi.responses import FileResponse, PlainTextResponse
from nicegui import app, run, ui

from domain.agents import Agent
from domain.handling import HandlingError, HandlingService
from domain.interactions import MediaItem
from domain.system import Services
from ui.session import current_agent
from ui.testids import tid

log = logging.getLogger(__name__)

RENDER_CONCURRENCY = 2
RENDER_TIMEOUT_SECONDS = 30.0
MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")
UNAVAILABLE = "Image can't be shown"
SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
}

CSS = """
.parley-mms-strip { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 0.25rem 0; }
.parley-mms-item { margin: 0; width: 10rem; display: flex; flex-direction: column; gap: 0.2rem; }
.parley-mms-frame { width: 10rem; height: 10rem; border-radius: 0.5rem; overflow: hidden;
  background: #f3f4f6; border: 1px solid #d1d5db; display: flex; align-items: center;
  justify-content: center; }
.parley-mms-frame > img { width: 100%; height: 100%; object-fit: contain; cursor: zoom-in;
  display: block; }
.parley-mms-frame > img:focus-visible { outline: 3px solid #1d4ed8; outline-offset: -3px; }
.parley-mms-name { font-size: 0.8rem; color: #374151; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.parley-mms-unavailable { width: 100%; height: 100%; display: flex; flex-direction: column;
  align-items: center; justify-content: center; gap: 0.3rem; padding: 0.5rem;
  text-align: center; color: #4b5563; font-size: 0.85rem;
  background: repeating-linear-gradient(45deg, #f3f4f6, #f3f4f6 8px, #e5e7eb 8px, #e5e7eb 16px); }
.parley-mms-dialog { max-width: 96vw; width: auto; }
.parley-mms-full { display: block; max-width: min(90vw, 2048px); max-height: 78vh;
  object-fit: contain; margin: 0 auto; background: #f3f4f6; }
"""


def thumb_url(media_id: str) -> str:
    return f"/media/{media_id}/thumb"


def full_url(media_id: str) -> str:
    return f"/media/{media_id}"


def save_url(media_id: str) -> str:
    return f"/media/{media_id}?download=1"


# -- the component --------------------------------------------------------------------------


def media_strip(
    services: Services, agent: Agent, interaction_id: str, items: Sequence[MediaItem]
) -> ui.element | None:
    """The images of one message, for a transcript line (call it inside the line's
    container). Save appears only for agents who may save images; the server checks too."""
    if not items:
        return None
    may_save = agent.options.may_save_images
    strip = tid(ui.element("div"), "mms-strip", interaction_id=interaction_id)
    strip.classes("parley-mms-strip").props('role="group"')
    strip.props["aria-label"] = "Images" if len(items) > 1 else "Image"
    with strip:
        for item in items:
            _MediaTile(item, may_save)
    return strip


class _MediaTile:
    def __init__(self, item: MediaItem, may_save: bool) -> None:
        self.item = item
        self.may_save = may_save
        self.name = item.filename or "image"
        self.dialog: ui.dialog | None = None
        self.tile = tid(ui.element("figure"), "mms-item", media_id=item.id)
        self.tile.classes("parley-mms-item")
        with self.tile:
            self.frame = ui.element("div").classes("parley-mms-frame")
            with self.frame:
                image = tid(ui.element("img"), "mms-thumbnail", media_id=item.id)
                # Contact-supplied text goes in as a prop value, never parsed as props.
                image.props.update({
                    "src": thumb_url(item.id), "alt": self.name, "loading": "lazy",
                    "decoding": "async", "width": "160", "height": "160", "tabindex": "0",
                    "title": f"{self.name} (double-click or Enter to open)",
                })
                image.on("dblclick", self.open)
                image.on("keydown.enter", self.open)
                image.on("error", self.unavailable)
                with ui.context_menu() as self.menu:
                    tid(ui.menu_item("Open", on_click=self.open), "mms-open", via="menu")
                    if may_save:
                        tid(ui.menu_item("Save", on_click=self.save), "mms-save", via="menu")
            caption = ui.element("figcaption").classes("parley-mms-name")
            caption.props["title"] = self.name
            with caption:
                ui.label(self.name)
            with ui.row().classes("gap-1 no-wrap") as self.actions:
                opener = tid(ui.button("Open", icon="zoom_in", on_click=self.open), "mms-open",
                             via="button").props("flat dense no-caps")
                opener.props["aria-label"] = f"Open {self.name}"
                if may_save:
                    _save_button(item.id, self.name, via="button")

    def open(self) -> None:
        """The full view in a dialog (Esc or the close button closes it). Built on first
        use and kept: Quasar renders a closed dialog's content nowhere."""
        if self.dialog is None:
            self.dialog = self._full_view()
        self.dialog.open()

    def _full_view(self) -> ui.dialog:
        with self.tile:  # deleted with the tile when the transcript is rebuilt
            dialog = ui.dialog()
            with dialog, tid(ui.card(), "mms-dialog", media_id=self.item.id).classes(
                "parley-mms-dialog q-pa-sm"
            ):
                with ui.row().classes("w-full items-center no-wrap gap-2"):
                    ui.label(self.name).classes("text-subtitle1 ellipsis")
                    ui.space()
                    if self.may_save:
                        _save_button(self.item.id, self.name, via="dialog")
                    closer = tid(ui.button(icon="close", on_click=dialog.close), "mms-close")
                    closer.props('flat round dense aria-label="Close"')
                with ui.element("div") as holder:
                    full = tid(ui.element("img"), "mms-full", media_id=self.item.id)
                    full.classes("parley-mms-full")
                    full.props.update({"src": full_url(self.item.id), "alt": self.name})
                    full.on("error", lambda: _unavailable_box(holder, self.item.id))
        dialog.props["aria-label"] = f"Image {self.name}"
        return dialog

    def save(self) -> None:
        ui.download.from_url(save_url(self.item.id))

    def unavailable(self) -> None:
        """The thumbnail did not load (refused, damaged, too large): say so plainly."""
        self.actions.delete()
        _unavailable_box(self.frame, self.item.id)


def _save_button(media_id: str, name: str, via: str) -> ui.button:
    """A real link with ``download``: works without a round trip and from the keyboard."""
    button = tid(ui.button("Save", icon="download"), "mms-save", via=via)
    button.props("flat dense no-caps")
    button.props.update({"href": save_url(media_id), "download": "", "type": "a",
                         "aria-label": f"Save {name}"})
    return button


def _unavailable_box(container: ui.element, media_id: str) -> None:
    container.clear()
    with container:
        box = tid(ui.element("div"), "mms-unavailable", media_id=media_id)
        box.classes("parley-mms-unavailable").props('role="img"')
        box.props["aria-label"] = UNAVAILABLE
        with box:
            ui.icon("hide_image", size="1.6rem")
            ui.label(UNAVAILABLE)


# -- the routes -----------------------------------------------------------------------------


class Renditions(Protocol):
    """What ``storage.thumbnails.ThumbnailStore`` offers (passed in by ``main.py``)."""

    def state(self, media_id: str, kind: str) -> Path | str | None: ...
    def job(self, media_id: str, kind: str, declared: str | None = None) -> Any: ...
    def mark_failed(self, media_id: str, kind: str, reason: str) -> None: ...
    @staticmethod
    def render_job(job: Any) -> Any: ...


class Renderer:
    """Makes renditions off the event loop: bounded, time-limited, one render per image."""

    def __init__(self, store: Renditions, concurrency: int = RENDER_CONCURRENCY,
                 timeout: float = RENDER_TIMEOUT_SECONDS) -> None:
        self.store = store
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._running: dict[tuple[str, str], asyncio.Task[Path | None]] = {}

    async def get(self, media_id: str, kind: str, declared: str | None) -> Path | None:
        """The rendition's file, or None when the image cannot be shown."""
        state = await run.io_bound(self.store.state, media_id, kind)
        if isinstance(state, Path):
            return state
        if isinstance(state, str):
            return None
        key = (media_id, kind)
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._make(media_id, kind, declared))
            self._running[key] = task
            task.add_done_callback(lambda _t: self._running.pop(key, None))
        return await asyncio.shield(task)

    async def _make(self, media_id: str, kind: str, declared: str | None) -> Path | None:
        async with self._slots:
            job = self.store.job(media_id, kind, declared)
            for attempt in (1, 2):
                try:
                    outcome = await asyncio.wait_for(self._run(job), self.timeout)
                except TimeoutError:
                    log.warning("rendering %s/%s took longer than %ss", media_id, kind,
                                self.timeout)
                    return None
                except BrokenProcessPool:
                    # A decoder crashed a worker (NiceGUI starts a new pool). Once may be
                    # another image's fault; twice in a row and this image is refused for good.
                    log.error("a worker died rendering %s/%s (attempt %d)", media_id, kind,
                              attempt)
                    if attempt == 2:
                        await run.io_bound(self.store.mark_failed, media_id, kind,
                                           "the decoder crashed")
                    continue
                except Exception:
                    log.exception("rendering %s/%s failed", media_id, kind)
                    return None
                if outcome is None:  # cancelled or shutting down
                    return None
                if outcome.path is None:
                    log.info("image %s/%s cannot be shown: %s", media_id, kind, outcome.reason)
                    return None
                return Path(outcome.path)
        return None

    async def _run(self, job: Any) -> Any:
        try:
            return await run.cpu_bound(self.store.render_job, job)
        except RuntimeError as exc:
            if "Process pool not set up" not in str(exc):
                raise
            return await run.io_bound(self.store.render_job, job)


def _authorize(handling: HandlingService, media_id: str, agent_id: int,
               save: bool) -> MediaItem | int:
    """The image if this agent may see it (and save it), else the HTTP status to answer."""
    try:
        item = handling.media_for(media_id, agent_id)
    except HandlingError:
        return 404
    if save:
        try:
            handling.media_for(media_id, agent_id, save=True)
        except HandlingError:
            return 403
    return item


def _refusal(status: int) -> Response:
    text = {403: "You may not save images.", 404: "Not found",
            422: UNAVAILABLE}.get(status, "Not found")
    return PlainTextResponse(text, status_code=status, headers=SECURITY_HEADERS)


_DOWNLOAD_UNSAFE = re.compile(r"[^\w .()+,-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


def download_name(filename: str) -> str:
    """A harmless file name for a saved image: the contact's name without its extension,
    no control, bidirectional or path characters, at most 80 characters, always ``.jpg``
    (the saved file is the re-encoded JPEG)."""
    text = unicodedata.normalize("NFKC", filename or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]  # no folders
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    stem = text.rsplit(".", 1)[0] if "." in text.strip(".") else text
    stem = _DOWNLOAD_UNSAFE.sub("_", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")[:80].strip(" ._-")
    if not stem or stem.lower() in _RESERVED:
        stem = f"image {stem}".strip() if stem else "image"
    return f"{stem}.jpg"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987)."""
    name = download_name(filename)
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^A-Za-z0-9 .()+,_-]+", "_", plain)  # no quotes or backslashes
    stem = re.sub(r"\s+", " ", plain.removesuffix(".jpg")).strip(" ._-")
    ascii_name = f"{stem or 'image'}.jpg"
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


_css_added = False


def register(services: Services, renditions: Renditions) -> None:
    """The media routes; ``renditions`` is the thumbnail store ``main.py`` builds."""
    global _css_added
    if not _css_added:
        ui.add_css(CSS, shared=True)
        _css_added = True
    renderer = Renderer(renditions)

    async def serve(media_id: str, kind: str, download: bool = False) -> Response:
        if not MEDIA_ID.fullmatch(media_id):
            return _refusal(404)
        agent = await current_agent(services)
        if agent is None:
            return _refusal(404)
        found = await run.io_bound(_authorize, services.handling, media_id, agent.id, download)
        if not isinstance(found, MediaItem):
            return _refusal(found if isinstance(found, int) else 404)
        path = await renderer.get(media_id, kind, found.content_type)
        if path is None:
            return _refusal(422)
        headers = dict(SECURITY_HEADERS)
        if download:
            headers["Content-Disposition"] = content_disposition(found.filename)
        else:
            headers["Content-Disposition"] = "inline"
        return FileResponse(path, media_type="image/jpeg", headers=headers)

    @app.get("/media/{media_id}/thumb", include_in_schema=False)
    async def media_thumbnail(media_id: str) -> Response:
        return await serve(media_id, "thumb")

    @app.get("/media/{media_id}", include_in_schema=False)
    async def media_full(media_id: str, download: bool = False) -> Response:
        return await serve(media_id, "full", download)
