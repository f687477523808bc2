"""Handling an accepted interaction: transcript, replies, page and session modes, Done,
dispositions, notes, case data and drafts (seed lessons "Handling an inbound SMS").

- Page mode: one reply closes the interaction (Done), unless the agent must set a
  disposition first, then it waits in wrap-up for one.
- Session mode: replies join the transcript; the session expires after the configured
  silence (a stored deadline), then compose is off and the agent clicks Done.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from domain.agents import Agent
from domain.case_data import CaseDataField, FieldKind
from domain.clock import Clock
from domain.dispositions import DispositionCode
from domain.events import (
    EventPublisher,
    InteractionDone,
    InteractionExpired,
    InteractionUpdated,
    InternalMessagePosted,
    MessageSent,
    SmsDelivered,
)
from domain.gateway import SmsGateway
from domain.interactions import (
    OWNED_STATES,
    Interaction,
    MediaItem,
    Message,
    Note,
    Party,
    State,
)
from domain.notifications import Level
from domain.queues import Mode
from domain.scheduler import Deadline, Scheduler
from domain.sms import SmsSplit, split_sms
from domain.wording import duration

log = logging.getLogger(__name__)
SESSION_EXPIRY = "session_expiry"
MAX_NOTE = 4000
REFERENCE_TTL = 30.0  # seconds
MAX_CASE_VALUE = 1000
MAX_INTERNAL = 1000
# Who else may look at an interaction: (interaction, agent) -> bool. Features register one
# (an active consultant, a supervisor while a flag is raised); the owner always may.
ViewerRule = Callable[[Interaction, int], bool]


class HandlingError(Exception):
    """Something the agent cannot do with this interaction; the message says why."""


@dataclass(frozen=True)
class SendResult:
    message: Message
    split: SmsSplit
    closed: bool  # page mode: the interaction is Done
    wrap_up: bool  # page mode with a disposition still to set


@dataclass(frozen=True)
class Elapsed:
    """How long an interaction has been handled, and whether that still counts on (it
    stops when a session expires or the interaction is closed)."""

    seconds: float
    running: bool


@dataclass(frozen=True)
class ContactActivity:
    """The Dynamic Contact History matrix: this contact's other interactions."""

    in_progress: tuple[Interaction, ...]
    recent: tuple[Interaction, ...]


class HandlingRepository(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...

    def messages(self, interaction_id: str, limit: int | None = None) -> list[Message]: ...

    def finish(self, interaction_id: str, agent_id: int, at: datetime) -> Interaction | None:
        """Owned by this agent and not done -> done, atomically; None otherwise."""
        ...

    def add_message(
        self, interaction_id: str, party: Party, text: str, at: datetime,
        agent_id: int | None = None,
    ) -> Message: ...

    def set_state(
        self, interaction_id: str, state: State, expect: Sequence[State]
    ) -> Interaction | None:
        """Move to ``state`` only from one of ``expect``; None otherwise."""
        ...

    def touch(self, interaction_id: str, at: datetime) -> None:
        """Record activity (a message in or out) for session expiry."""
        ...

    def set_disposition(self, interaction_id: str, code: str | None) -> None: ...

    def set_case_value(self, interaction_id: str, key: str, value: str) -> dict[str, Any]: ...

    def add_note(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> Note: ...

    def notes(self, interaction_id: str) -> list[Note]: ...

    def save_draft(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> None: ...

    def draft(self, interaction_id: str, agent_id: int) -> str: ...

    def media_item(self, media_id: str) -> tuple[str, MediaItem] | None:
        """(interaction id, media item) for a stored image, or None."""
        ...

    def contact_interactions(
        self, contact_number: str, contact_id: int | None, since: datetime, limit: int = 50
    ) -> list[Interaction]:
        """This contact's interactions that are open or were created since ``since``."""
        ...


class AgentLookup(Protocol):
    def get(self, agent_id: int) -> Agent | None: ...


class Notifier(Protocol):
    """My Messages (domain.desktop.NotificationService)."""

    def notify(self, agent_id: int, text: str, level: Level = Level.INFO) -> object: ...


class Reference(Protocol):
    def disposition_codes(self) -> list[DispositionCode]: ...

    def case_data_fields(self) -> list[CaseDataField]: ...


class HandlingService:
    def __init__(
        self,
        repo: HandlingRepository,
        bus: EventPublisher,
        clock: Clock,
        gateway: SmsGateway | None = None,
        agents: AgentLookup | None = None,
        reference: Reference | None = None,
        scheduler: Scheduler | None = None,
        session_timeout_seconds: float = 900,
        max_parts: int = 10,
        recent_days: int = 7,
        notifications: Notifier | None = None,
    ) -> None:
        self._repo = repo
        self._notifications = notifications
        self._bus = bus
        self._clock = clock
        self._gateway = gateway
        self._agents = agents
        self._reference = reference
        self._scheduler = scheduler
        self.session_timeout = timedelta(seconds=session_timeout_seconds)
        self.max_parts = max_parts
        self.recent_days = recent_days
        self._after_done: list[Callable[[Interaction], None]] = []
        self._send_locks: dict[str, threading.Lock] = {}
        self._reference_cache: dict[str, tuple[float, list[Any]]] = {}
        self._locks_guard = threading.Lock()
        self._viewer_rules: list[ViewerRule] = []
        self._image_rules: list[ViewerRule] = []
        if scheduler is not None:
            scheduler.on(SESSION_EXPIRY, self._on_expiry_deadline)

    def on_done(self, listener: Callable[[Interaction], None]) -> None:
        """Call ``listener(interaction)`` after an interaction is done (capacity frees)."""
        self._after_done.append(listener)

    # -- reading --------------------------------------------------------------------------

    def owned(self, interaction_id: str, agent_id: int) -> Interaction:
        interaction = self._repo.get(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise HandlingError("This interaction is not yours.")
        return interaction

    def _open(self, interaction_id: str, agent_id: int) -> Interaction:
        """Owned and not closed yet: what changing it requires."""
        interaction = self.owned(interaction_id, agent_id)
        if interaction.state not in OWNED_STATES:
            raise HandlingError("This interaction is closed.")
        return interaction

    def add_viewer_rule(self, rule: ViewerRule) -> None:
        """Let someone other than the owner see an interaction (read-only)."""
        self._viewer_rules.append(rule)

    def add_image_viewer_rule(self, rule: ViewerRule) -> None:
        """Let someone see an interaction's images who may read it elsewhere (the contact
        history), without admitting them to the interaction itself."""
        self._image_rules.append(rule)

    def can_view(self, interaction_id: str, agent_id: int) -> bool:
        """Who may see an interaction and its images: its owner, and whoever a viewer rule
        admits (a consultant, a supervisor answering a flag)."""
        interaction = self._repo.get(interaction_id)
        return interaction is not None and self._may_view(interaction, agent_id)

    def _may_view(self, interaction: Interaction, agent_id: int) -> bool:
        if interaction.owner_id == agent_id:
            return True
        return any(rule(interaction, agent_id) for rule in self._viewer_rules)

    def viewed(self, interaction_id: str, agent_id: int) -> Interaction:
        """The interaction, for its owner or an admitted viewer."""
        interaction = self._repo.get(interaction_id)
        if interaction is None or not self._may_view(interaction, agent_id):
            raise HandlingError("This interaction is not yours.")
        return interaction

    def post_internal(self, interaction_id: str, agent_id: int, text: str) -> Message:
        """An internal message (consultation, supervisor): kept in the transcript with the
        party ``internal``, never sent to the contact."""
        interaction = self.viewed(interaction_id, agent_id)
        if interaction.state not in OWNED_STATES:
            raise HandlingError("This interaction is closed.")
        text = text.strip()
        if not text:
            raise HandlingError("Type a message before sending.")
        if len(text) > MAX_INTERNAL:
            raise HandlingError(f"An internal message can be at most {MAX_INTERNAL:,} "
                                "characters.")
        message = self._repo.add_message(interaction_id, Party.INTERNAL, text,
                                         self._clock.now(), agent_id)
        self._bus.publish(InternalMessagePosted(interaction_id, message.id, agent_id))
        return message

    def system_line(self, interaction_id: str, text: str) -> Message:
        """Record a system line (joins, transfers, flags) in the transcript."""
        return self._repo.add_message(interaction_id, Party.SYSTEM, text, self._clock.now())

    def media_for(self, media_id: str, agent_id: int, *, save: bool = False) -> MediaItem:
        """An image of an interaction this agent may see; ``save`` also needs the agent's
        permission to save images. Raises HandlingError otherwise (checked on the server,
        whatever the page shows)."""
        found = self._repo.media_item(media_id)
        interaction = self._repo.get(found[0]) if found else None
        if found is None or interaction is None or not (
            self._may_view(interaction, agent_id)
            or any(rule(interaction, agent_id) for rule in self._image_rules)
        ):
            raise HandlingError("No such image.")  # the same answer: ids are not probeable
        if save:
            agent = self._agents.get(agent_id) if self._agents else None
            if agent is None or not agent.options.may_save_images:
                raise HandlingError("You may not save images.")
        return found[1]

    def transcript(self, interaction_id: str, agent_id: int) -> list[Message]:
        self.viewed(interaction_id, agent_id)
        return self._repo.messages(interaction_id)

    def notes(self, interaction_id: str, agent_id: int) -> list[Note]:
        self.viewed(interaction_id, agent_id)
        return self._repo.notes(interaction_id)

    def contact_activity(self, interaction_id: str, agent_id: int) -> ContactActivity:
        interaction = self.owned(interaction_id, agent_id)
        since = self._clock.now() - timedelta(days=self.recent_days)
        others = [
            i for i in self._repo.contact_interactions(
                interaction.contact_number, interaction.contact_id, since)
            if i.id != interaction_id
        ]
        in_progress = tuple(i for i in others if i.state is not State.DONE)
        recent = tuple(i for i in others if i.state is State.DONE)
        return ContactActivity(in_progress, recent)

    def started(self, interaction_id: str, agent_id: int) -> None:
        """An agent accepted the interaction: say so in the transcript, start the timer."""
        interaction = self._repo.get(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            return
        agent = self._agents.get(agent_id) if self._agents else None
        name = agent.display_name if agent else "An agent"
        now = self._clock.now()
        self._repo.add_message(interaction_id, Party.SYSTEM, f"{name} joined.", now)
        if interaction.mode is Mode.SESSION:
            self.note_activity(interaction_id, now)

    # -- replying -------------------------------------------------------------------------

    def preview_split(self, text: str) -> SmsSplit:
        return split_sms(text)

    def send(self, interaction_id: str, agent_id: int, text: str) -> SendResult:
        """Deliver a reply through the gateway, part by part, and record it."""
        interaction = self.owned(interaction_id, agent_id)
        if interaction.state is State.EXPIRED:
            raise HandlingError("This session has expired: click Done to close it.")
        if interaction.state not in (State.ACTIVE,):
            raise HandlingError("This interaction no longer takes replies.")
        text, split = sendable(text, self.max_parts)
        if self._gateway is None:
            raise HandlingError("No SMS gateway is configured.")
        page = interaction.mode is Mode.PAGE
        # Page mode sends one reply: claim the interaction first, so a double click (or two
        # tabs) cannot deliver twice. Session replies are serialised per interaction.
        if page and self._repo.set_state(interaction_id, State.WRAP_UP, [State.ACTIVE]) is None:
            raise HandlingError("A reply was already sent for this interaction.")
        with self._send_lock(interaction_id):
            now = self._clock.now()
            try:
                self._gateway.send(interaction.contact_number, interaction.centre_number,
                                   split.parts, split.encoding, now)
            except Exception:
                if page:
                    self._repo.set_state(interaction_id, State.ACTIVE, [State.WRAP_UP])
                raise
            message = self._repo.add_message(interaction_id, Party.AGENT, text, now, agent_id)
        self._repo.save_draft(interaction_id, agent_id, "", now)
        self._bus.publish(SmsDelivered(interaction.contact_number, interaction.centre_number,
                                       split.count))
        self._bus.publish(MessageSent(interaction_id, agent_id, message.id))
        if not page:
            self.note_activity(interaction_id, now)
            return SendResult(message, split, closed=False, wrap_up=False)
        if self._needs_disposition(interaction, agent_id):
            self._bus.publish(InteractionUpdated(interaction_id, agent_id, "wrap_up"))
            return SendResult(message, split, closed=False, wrap_up=True)
        self._finish(interaction, agent_id)
        return SendResult(message, split, closed=True, wrap_up=False)

    def _send_lock(self, interaction_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._send_locks.setdefault(interaction_id, threading.Lock())

    # -- session expiry -------------------------------------------------------------------

    def note_activity(self, interaction_id: str, at: datetime | None = None) -> None:
        """A message went in or out of a session: restart its silence timer."""
        at = at or self._clock.now()
        self._repo.touch(interaction_id, at)
        if self._scheduler is not None:
            self._scheduler.cancel(SESSION_EXPIRY, interaction_id)
            self._scheduler.schedule(SESSION_EXPIRY, interaction_id, at + self.session_timeout)

    def _expires_at(self, interaction: Interaction) -> datetime:
        last = interaction.last_activity_at or interaction.accepted_at or interaction.created_at
        return last + self.session_timeout

    def _on_expiry_deadline(self, deadline: Deadline) -> None:
        interaction = self._repo.get(deadline.ref)
        if interaction is None or interaction.state is not State.ACTIVE:
            return
        if self._expires_at(interaction) > self._clock.now():
            return  # activity since: a newer deadline is pending
        if self._repo.set_state(interaction.id, State.EXPIRED, [State.ACTIVE]) is None:
            return
        self._repo.add_message(
            interaction.id, Party.SYSTEM,
            "The session expired after no messages were exchanged. Click Done to close it.",
            self._clock.now(),
        )
        self._bus.publish(InteractionExpired(interaction.id, interaction.owner_id))
        if self._notifications is not None and interaction.owner_id is not None:
            self._notifications.notify(
                interaction.owner_id, f"{self.expiry_text(interaction)} Click Done to close it.",
                Level.WARNING)

    def expiry_text(self, interaction: Interaction) -> str:
        """What the agent reads about an expired session, naming the contact."""
        return (f"Your session with {interaction.contact_label} expired after "
                f"{duration(self.session_timeout.total_seconds())} without a message.")

    def elapsed(self, interaction: Interaction, now: datetime | None = None) -> Elapsed:
        """The interaction's elapsed time since it was accepted; it stops counting when a
        session expires (at the moment its silence ran out) or the interaction closes."""
        start = interaction.accepted_at or interaction.created_at
        now = now or self._clock.now()
        if interaction.state is State.EXPIRED:
            return Elapsed((self._expires_at(interaction) - start).total_seconds(), False)
        if interaction.state is State.DONE:
            return Elapsed(((interaction.ended_at or now) - start).total_seconds(), False)
        return Elapsed((now - start).total_seconds(), True)

    # -- wrap-up --------------------------------------------------------------------------

    def _cached(self, name: str, read: Callable[[], list[Any]]) -> list[Any]:
        """Reference data (codes, fields) changes rarely but is read whenever a window
        opens, on the page's event loop: read storage at most every REFERENCE_TTL."""
        now = time.monotonic()
        hit = self._reference_cache.get(name)
        if hit is None or now - hit[0] > REFERENCE_TTL:
            hit = (now, read())
            self._reference_cache[name] = hit
        return list(hit[1])

    def disposition_codes(self) -> list[DispositionCode]:
        if self._reference is None:
            return []
        return self._cached("dispositions", self._reference.disposition_codes)

    def set_disposition(self, interaction_id: str, agent_id: int, code: str | None) -> None:
        interaction = self._open(interaction_id, agent_id)
        if code is not None and code not in {d.code for d in self.disposition_codes()}:
            raise HandlingError(f"'{code}' is not a disposition code here.")
        self._repo.set_disposition(interaction.id, code)
        self._bus.publish(InteractionUpdated(interaction_id, agent_id, "disposition"))

    def add_note(self, interaction_id: str, agent_id: int, text: str) -> Note:
        self._open(interaction_id, agent_id)
        text = text.strip()
        if not text:
            raise HandlingError("Type a note before adding it.")
        if len(text) > MAX_NOTE:
            raise HandlingError(f"A note can be at most {MAX_NOTE:,} characters.")
        note = self._repo.add_note(interaction_id, agent_id, text, self._clock.now())
        self._bus.publish(InteractionUpdated(interaction_id, agent_id, "notes"))
        return note

    def case_fields(self) -> list[CaseDataField]:
        if self._reference is None:
            return []
        return self._cached("case_fields", self._reference.case_data_fields)

    def set_case_value(
        self, interaction_id: str, agent_id: int, key: str, value: str
    ) -> dict[str, Any]:
        self._open(interaction_id, agent_id)
        field = next((f for f in self.case_fields() if f.key == key), None)
        if field is None:
            raise HandlingError(f"'{key}' is not a case data field.")
        if not field.editable:
            raise HandlingError(f"{field.label} cannot be edited.")
        value = value.strip()
        if len(value) > MAX_CASE_VALUE:
            raise HandlingError(f"{field.label} can be at most {MAX_CASE_VALUE} characters.")
        if field.kind is FieldKind.URL and value and not is_web_address(value):
            raise HandlingError(f"{field.label} must be an http or https address.")
        data = self._repo.set_case_value(interaction_id, key, value)
        self._bus.publish(InteractionUpdated(interaction_id, agent_id, "case_data"))
        return data

    def save_draft(self, interaction_id: str, agent_id: int, text: str) -> None:
        self._open(interaction_id, agent_id)
        self._repo.save_draft(interaction_id, agent_id, text[:20_000], self._clock.now())

    def draft(self, interaction_id: str, agent_id: int) -> str:
        self.owned(interaction_id, agent_id)
        return self._repo.draft(interaction_id, agent_id)

    def done(self, interaction_id: str, agent_id: int) -> Interaction:
        """Close the interaction; its transcript stays in the contact's history."""
        interaction = self.owned(interaction_id, agent_id)
        if interaction.state not in OWNED_STATES:
            raise HandlingError("This interaction is already closed.")
        if self._needs_disposition(interaction, agent_id):
            raise HandlingError("Set a disposition code before clicking Done.")
        return self._finish(interaction, agent_id)

    def _needs_disposition(self, interaction: Interaction, agent_id: int) -> bool:
        agent = self._agents.get(agent_id) if self._agents else None
        return bool(agent and agent.options.disposition_required and not interaction.disposition)

    def _finish(self, interaction: Interaction, agent_id: int) -> Interaction:
        now = self._clock.now()
        finished = self._repo.finish(interaction.id, agent_id, now)
        if finished is None:
            raise HandlingError("This interaction is already closed.")
        agent = self._agents.get(agent_id) if self._agents else None
        name = agent.display_name if agent else "The agent"
        self._repo.add_message(interaction.id, Party.SYSTEM, f"{name} left.", now)
        if self._scheduler is not None:
            self._scheduler.cancel(SESSION_EXPIRY, interaction.id)
        self._bus.publish(InteractionDone(interaction.id, agent_id, interaction.contact_number))
        for listener in self._after_done:
            try:
                listener(finished)
            except Exception:  # it is Done; routing catches up on its next run
                log.exception("done listener failed for %s", interaction.id)
        with self._locks_guard:
            self._send_locks.pop(interaction.id, None)
        return finished


def sendable(text: str, max_parts: int) -> tuple[str, SmsSplit]:
    """The text an agent sends (replies and new SMS alike) and its SMS parts; a clear
    HandlingError when it is empty or needs more than ``max_parts`` SMS."""
    text = (text or "").rstrip()  # trailing blanks would only cost another SMS
    if not text.strip():
        raise HandlingError("Type a message before sending.")
    split = split_sms(text)
    if split.count > max_parts:
        raise HandlingError(
            f"This message needs {split.count} SMS; at most {max_parts} may be sent "
            "at once. Shorten it or send it in pieces."
        )
    return text, split


_WEB = re.compile(r"https?://", re.IGNORECASE)


def is_web_address(value: str) -> bool:
    if not _WEB.match(value) or any(ch.isspace() for ch in value):
        return False
    return bool(urlsplit(value).hostname)
