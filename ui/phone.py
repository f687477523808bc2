"""The contact phone simulator (``/phone``): a person plays the contact's mobile phone.

Messages sent here take the same road as the HTTP API (``parse_inbound`` then
``InboundService.receive``, off the event loop). What the simulated gateway delivered to
the phone's number is read from its outbox and shown part by part, live.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from nicegui import background_tasks, run, ui
from nicegui.events import MultiUploadEventArguments

from domain.contacts import Contact
from domain.events import SmsDelivered
from domain.gateway import DeliveredPart
from domain.inbound import (
    IMAGE_TYPES,
    MAX_MEDIA,
    MAX_MEDIA_BYTES,
    InboundError,
    InboundResult,
    parse_inbound,
)
from domain.phone_numbers import is_sms_address
from domain.queues import CentreNumber
from domain.system import Services
from ui.frame import add_styles
from ui.live import follow
from ui.safe_props import set_props
from ui.session import current_agent
from ui.testids import tid

R = TypeVar("R")
DEFAULT_FROM = "+14155550123"  # Jordan Lee in the demo data
POLL_SECONDS = 3.0  # fallback refresh: outbox rows written by another process fire no event
NUMBER_HELP = "Use + and 8 to 15 digits (like +14155550123) or a 3 to 8 digit short code."
ACCEPT = ",".join((".jpg", ".jpeg", ".png", ".gif", ".webp", *IMAGE_TYPES))
UNAVAILABLE = (
    "The contact phone simulator is not available here. It is open in demo or test mode, "
    "and otherwise only to trainers and administrators."
)
SEPARATORS = str.maketrans("", "", " -().\u00a0")

CSS = """
.parley-phone { width: 100%; max-width: 25rem; border-radius: 2rem; padding: 0.9rem;
  background: #1f2937; box-shadow: 0 4px 18px rgba(0,0,0,0.18); }
.parley-phone-screen { background: #ffffff; border-radius: 1.3rem; overflow: hidden; }
.parley-phone-bar { background: #0f2a44; color: #ffffff; }
.parley-phone-chat { height: clamp(12rem, calc(100vh - 30rem), 26rem); background: #f3f4f6; }
.parley-bubble { max-width: 80%; padding: 0.45rem 0.7rem; border-radius: 1rem;
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.35; }
.parley-bubble.sent { align-self: flex-end; background: #1d4ed8; color: #ffffff;
  border-bottom-right-radius: 0.3rem; }
.parley-bubble.received { align-self: flex-start; background: #e5e7eb; color: #1f2937;
  border-bottom-left-radius: 0.3rem; }
.parley-bubble .parley-bubble-meta { font-size: 0.72rem; opacity: 0.85; }
.parley-attachment { background: #e5e7eb; border-radius: 1rem; padding: 0 0.2rem 0 0.6rem; }
.parley-phone-upload { width: 100%; box-shadow: none; }
.parley-phone-upload .q-uploader__list { display: none; }
.parley-phone-upload .q-uploader__subtitle { display: none; }
.parley-phone-upload .q-uploader__header { background: #e5e7eb; color: #1f2937; }
"""

VISIBILITY_SCRIPT = """<script>
document.addEventListener('visibilitychange', () => {
  if (typeof emitEvent === 'function') {
    emitEvent('parley_phone_visibility', document.visibilityState);
  }
});
</script>"""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class SentMessage:
    """A message this phone sent, kept in the page's memory for this browser tab."""

    message_id: str
    sender: str
    to: str
    text: str
    files: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class Bubble:
    """One message on the phone's screen."""

    key: tuple[object, ...]
    direction: str  # "sent" | "received"
    text: str
    at: datetime
    other: str  # the centre number at the other end
    files: tuple[str, ...] = ()
    part: int = 0
    parts: int = 0


@dataclass
class Setup:
    centres: list[CentreNumber] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)


def clean_number(raw: object) -> str:
    """The typed number without spaces, dashes, dots or brackets."""
    return str(raw or "").strip().translate(SEPARATORS)


def centre_label(centre: CentreNumber) -> str:
    return f"{centre.number} · {centre.label or 'Centre'} ({centre.mode})"


def content_type_of(name: str, declared: str) -> str:
    """The browser's type for the file, or a guess from its name."""
    if declared in IMAGE_TYPES:
        return declared
    guessed = mimetypes.guess_type(name)[0] or ""
    return guessed if guessed in IMAGE_TYPES else declared


def build_payload(
    message_id: str, sender: str, to: str, text: str, attachments: Sequence[Attachment]
) -> dict[str, object]:
    """The JSON body ``POST /api/v1/inbound`` takes (CONTRACTS.md)."""
    payload: dict[str, object] = {"message_id": message_id, "from": sender, "to": to,
                                  "text": text}
    if attachments:
        payload["media"] = [
            {"content_type": a.content_type, "filename": a.name,
             "data_base64": base64.b64encode(a.data).decode("ascii")}
            for a in attachments
        ]
    return payload


def send_from_phone(
    services: Services, message_id: str, sender: str, to: str, text: str,
    attachments: Sequence[Attachment],
) -> InboundResult:
    """Validate and store one message as the gateway would (blocking: call off the loop)."""
    request = parse_inbound(build_payload(message_id, sender, to, text, attachments))
    return services.inbound.receive(request)


def load_setup(services: Services) -> Setup:
    return Setup(services.directory.centre_numbers(), services.directory.contacts())


async def off_loop(fn: Callable[..., R], *args: object) -> R | None:
    """``run.io_bound``, but a cancelled caller stays cancelled.

    ``io_bound`` swallows the cancellation and returns ``None``; the page's refresh timer
    would then sleep on through a shutdown instead of ending.
    """
    result = await run.io_bound(fn, *args)
    task = asyncio.current_task()
    if result is None and task is not None and task.cancelling():
        raise asyncio.CancelledError
    return result


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def conversation(sent: Sequence[SentMessage], delivered: Sequence[DeliveredPart]) -> list[Bubble]:
    """Both directions, oldest first (ties keep the order they were given in)."""
    bubbles = [
        Bubble(("sent", m.message_id), "sent", m.text, _aware(m.at), m.to, m.files)
        for m in sent
    ]
    bubbles += [
        Bubble(("received", i, p.sender, p.text, p.part, p.parts, p.sent_at), "received",
               p.text, _aware(p.sent_at), p.sender, part=p.part, parts=p.parts)
        for i, p in enumerate(delivered)
    ]
    return sorted(bubbles, key=lambda b: b.at)


class PhoneSimulator:
    """One browser tab's phone: its controls, its sent messages and its conversation."""

    def __init__(self, services: Services, setup: Setup) -> None:
        self.services = services
        self.setup = setup
        self.number = DEFAULT_FROM  # the number whose conversation is shown
        self.sent: dict[str, list[SentMessage]] = {}
        self.attachments: list[Attachment] = []
        self.shown: list[tuple[object, ...]] | None = None  # keys of the drawn bubbles
        self.delivered: list[DeliveredPart] = []
        self.generation = 0
        self.visible = True
        self.sending = False
        self.build()

    # ----------------------------------------------------------------- layout
    def build(self) -> None:
        with ui.column().classes("w-full items-center q-pa-md gap-3"):
            ui.label("Contact phone simulator").classes("text-h6 text-weight-bold")
            ui.label(
                "Play the contact: text the centre from this phone and watch the replies "
                "arrive."
            ).classes("text-grey-8 text-center")
            with ui.column().classes("parley-phone gap-0").props(
                'role="region" aria-label="Simulated mobile phone"'
            ), ui.column().classes("parley-phone-screen w-full gap-0"):
                self.build_settings()
                self.build_chat()
                self.build_compose()

    def build_settings(self) -> None:
        with ui.column().classes("parley-phone-bar w-full q-px-md q-py-sm gap-0"):
            self.owner = tid(ui.label(), "phone-owner").classes("text-subtitle1 text-weight-medium")
            ui.label("Times are shown in UTC").classes("text-caption")
        with ui.column().classes("w-full q-px-md q-pt-sm gap-1"):
            with ui.row().classes("w-full items-start no-wrap gap-1"):
                self.from_input = tid(
                    ui.input("This phone's number (from)", value=DEFAULT_FROM), "phone-from"
                ).props('outlined dense hide-bottom-space autocomplete="tel" inputmode="tel"')
                self.from_input.classes("col")
                self.from_input.on("blur", self.apply_number)
                self.from_input.on("keydown.enter", self.apply_number)
                with tid(ui.button(icon="contacts"), "phone-contacts").props(
                    'flat round color=grey-9 aria-label="Use a demo contact\'s number"'
                ).tooltip("Use a demo contact's number"), ui.menu():
                    for contact in self.setup.contacts:
                        for phone in contact.phones:
                            tid(ui.menu_item(
                                f"{contact.name} · {phone.number} ({phone.label})",
                                on_click=lambda n=phone.number: self.pick_number(n),
                            ), "phone-contact-option", number=phone.number)
                    if not self.setup.contacts:
                        ui.menu_item("No demo contacts").props("disable")
            options = {c.number: centre_label(c) for c in self.setup.centres}
            self.to_select = tid(
                ui.select(options, label="Text to (centre number)",
                          value=next(iter(options), None)),
                "phone-to",
            ).props("outlined dense").classes("w-full")

    def build_chat(self) -> None:
        with ui.scroll_area().classes("parley-phone-chat w-full q-mt-sm") as self.scroller:
            self.chat = tid(ui.column(), "phone-inbox").classes("w-full gap-2 q-pa-xs")
            self.chat.props('role="log" aria-live="polite" aria-label="Messages on this phone"')

    def build_compose(self) -> None:
        with ui.column().classes("w-full q-pa-md gap-2"):
            self.error = tid(ui.label(), "phone-error").classes("text-negative")
            self.error.props('role="alert" aria-live="assertive"')
            self.error.set_visibility(False)
            self.chips = tid(ui.row(), "phone-attachments").classes("w-full gap-1")
            self.chips.set_visibility(False)
            self.upload = tid(
                ui.upload(
                    multiple=True, auto_upload=True, max_files=MAX_MEDIA,
                    max_file_size=MAX_MEDIA_BYTES, label="Attach images",
                    on_multi_upload=self.on_upload, on_rejected=self.on_rejected,
                ),
                "phone-attach",
            ).props("flat bordered").classes("parley-phone-upload")
            set_props(self.upload, accept=ACCEPT)
            ui.label("JPEG, PNG, GIF or WebP · up to 10 · 5 MB each").classes(
                "text-caption text-grey-8"
            )
            with ui.row().classes("w-full items-end no-wrap gap-2"):
                self.text = tid(ui.textarea("Text message"), "phone-text").props(
                    "outlined autogrow dense"
                ).classes("col")
                self.text.on("keydown.ctrl.enter", self.send)
                self.send_button = tid(
                    ui.button(icon="send", on_click=self.send), "phone-send"
                ).props('round color=primary aria-label="Send"').tooltip("Send (Ctrl+Enter)")

    # ---------------------------------------------------------------- number
    def show_owner(self) -> None:
        name = next(
            (c.name for c in self.setup.contacts
             if any(p.number == self.number for p in c.phones)),
            "Unknown contact",
        )
        self.owner.set_text(f"{name} · {self.number}")

    def read_number(self) -> str | None:
        """The typed number if valid (and marked as such), else ``None`` with the error shown."""
        number = clean_number(self.from_input.value)
        if not is_sms_address(number):
            self.from_input.props["error"] = True
            self.from_input.props["error-message"] = NUMBER_HELP
            return None
        self.from_input.props.pop("error", None)
        self.from_input.props.pop("error-message", None)
        return number

    async def apply_number(self) -> None:
        number = self.read_number()
        if number is not None and number != self.number:
            self.number = number
            self.show_owner()
            await self.reload()

    async def pick_number(self, number: str) -> None:
        self.from_input.set_value(number)
        await self.apply_number()

    # ----------------------------------------------------------- attachments
    async def on_upload(self, event: MultiUploadEventArguments) -> None:
        refused: list[str] = []
        for file in event.files:
            content_type = content_type_of(file.name, file.content_type)
            if len(self.attachments) >= MAX_MEDIA:
                refused.append(f"{file.name}: at most {MAX_MEDIA} images per message")
            elif content_type not in IMAGE_TYPES:
                refused.append(f"{file.name}: not a JPEG, PNG, GIF or WebP image")
            elif file.size() > MAX_MEDIA_BYTES:
                refused.append(f"{file.name}: larger than 5 MB")
            else:
                self.attachments.append(Attachment(file.name, content_type, await file.read()))
        self.upload.reset()
        self.show_attachments()
        if refused:
            self.show_error("Not attached: " + "; ".join(refused) + ".")
        else:
            self.show_error(None)

    def on_rejected(self) -> None:
        self.show_error(
            f"Not attached: only JPEG, PNG, GIF or WebP images of at most 5 MB, "
            f"{MAX_MEDIA} per message."
        )

    def show_attachments(self) -> None:
        self.chips.clear()
        self.chips.set_visibility(bool(self.attachments))
        with self.chips:
            for index, item in enumerate(self.attachments):
                # File names are untrusted: set as values, never parsed as props strings.
                with tid(ui.row(), "phone-attachment").classes(
                    "parley-attachment items-center gap-1 no-wrap"
                ) as chip:
                    chip.props["data-name"] = item.name
                    ui.icon("image", size="1.1rem").classes("text-grey-8")
                    ui.label(item.name).classes("text-body2 ellipsis").style("max-width: 12rem")
                    remove = tid(ui.button(icon="close", on_click=lambda i=index: self.remove(i)),
                                 "phone-attachment-remove").props("flat round dense size=sm")
                    remove.props["aria-label"] = f"Remove {item.name}"
                    remove.props["data-name"] = item.name

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.attachments):
            del self.attachments[index]
        self.show_attachments()

    # ------------------------------------------------------------------ send
    def show_error(self, message: str | None) -> None:
        self.error.set_text(message or "")
        self.error.set_visibility(bool(message))

    async def send(self) -> None:
        if self.sending:
            return
        sender = self.read_number()
        if sender is None:
            self.show_error("Not sent: this phone's number is not valid (see above).")
            return
        if sender != self.number:
            self.number = sender
            self.show_owner()
            await self.reload()
        to = self.to_select.value or ""
        text = self.text.value or ""
        attachments = list(self.attachments)
        message_id = f"phone-{uuid.uuid4()}"
        self.sending = True
        self.send_button.props("loading")
        try:
            result = await off_loop(
                send_from_phone, self.services, message_id, sender, to, text, attachments
            )
        except InboundError as exc:
            self.show_error(exc.message)
            return
        finally:
            self.sending = False
            self.send_button.props(remove="loading")
        if result is None:  # the server is shutting down
            return
        self.show_error(None)
        self.sent.setdefault(sender, []).append(SentMessage(
            message_id, sender, to, text, tuple(a.name for a in attachments),
            self.services.clock.now(),
        ))
        self.text.set_value("")
        self.text.run_method("focus")  # ready for the next message
        self.attachments.clear()
        self.show_attachments()
        self.render()

    # ---------------------------------------------------------- conversation
    async def reload(self) -> None:
        """Read what the gateway delivered to the current number (off the loop), then draw."""
        self.generation += 1
        generation, number = self.generation, self.number
        delivered = await off_loop(self.services.outbox.delivered, number)
        if delivered is None or generation != self.generation or number != self.number:
            return  # a newer reload (or another number) took over
        self.delivered = delivered
        self.render()

    def request_reload(self) -> None:
        background_tasks.create(self.reload(), name="phone reload")

    def on_delivered(self, event: SmsDelivered) -> None:
        if event.to == self.number:
            self.request_reload()

    async def poll(self) -> None:
        if self.visible:
            await self.reload()

    def on_visibility(self, state: object) -> None:
        self.visible = state != "hidden"
        if self.visible:
            self.request_reload()

    def render(self) -> None:
        """Draw the conversation; new messages are appended so screen readers hear only them."""
        bubbles = conversation(self.sent.get(self.number, []), self.delivered)
        keys = [b.key for b in bubbles]
        if keys == self.shown:
            return
        if not self.shown or keys[: len(self.shown)] != self.shown:
            self.chat.clear()
            self.shown = []
        with self.chat:
            if not bubbles:
                tid(ui.label("No messages yet. Type below and press Send."), "phone-empty") \
                    .classes("text-grey-7 text-center w-full q-pa-md")
            for bubble in bubbles[len(self.shown):]:
                draw_bubble(bubble)
        self.shown = keys
        self.scroller.scroll_to(percent=1.0)


def draw_bubble(bubble: Bubble) -> None:
    data: dict[str, object] = {"direction": bubble.direction}
    if bubble.direction == "received":
        data.update(part=bubble.part, parts=bubble.parts)
    with tid(ui.column(), "phone-inbox-message", **data).classes(
        f"parley-bubble {bubble.direction} gap-0"
    ):
        if bubble.text:
            ui.label(bubble.text)  # untrusted: always plain text
        for name in bubble.files:
            with ui.row().classes("items-center gap-1 no-wrap"):
                ui.icon("image", size="1rem")
                ui.label(name).classes("text-body2")
        meta = [bubble.at.astimezone(UTC).strftime("%H:%M:%S")]
        if bubble.direction == "sent":
            meta.insert(0, f"to {bubble.other}")
        else:
            meta.insert(0, f"from {bubble.other}")
            if bubble.parts > 1:
                meta.append(f"part {bubble.part}/{bubble.parts}")
        ui.label(" · ".join(meta)).classes("parley-bubble-meta")


async def is_available(services: Services) -> bool:
    if services.settings.demo or services.settings.test_mode:
        return True
    agent = await current_agent(services)
    return agent is not None and agent.is_trainer


def register(services: Services) -> None:
    @ui.page("/phone", title="Parley · Contact phone")
    async def phone_page() -> None:
        add_styles()
        if not await is_available(services):
            with ui.column().classes("absolute-center items-center gap-2 q-pa-md"):
                ui.icon("phone_disabled", size="3rem").classes("text-grey-6")
                tid(ui.label(UNAVAILABLE), "phone-unavailable").classes(
                    "text-h6 text-grey-9 text-center"
                ).props('role="alert"')
                tid(ui.link("Log in", "/login"), "phone-login")
            return
        ui.add_css(CSS)
        ui.add_body_html(VISIBILITY_SCRIPT)
        setup = await off_loop(load_setup, services) or Setup()
        phone = PhoneSimulator(services, setup)
        phone.show_owner()
        ui.on("parley_phone_visibility", lambda e: phone.on_visibility(e.args))
        follow(services.bus, phone.on_delivered, SmsDelivered)
        ui.timer(POLL_SECONDS, phone.poll)
        await phone.reload()
