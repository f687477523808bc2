"""Past-tense domain events and the bus that carries them to connected browsers.

Services publish after they commit. Each browser subscribes to what it shows and closes
its subscription when the client goes away. The bus is a small interface so that a
multi-process deployment can back it with PostgreSQL LISTEN/NOTIFY later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of every domain event."""


@dataclass(frozen=True)
class PresenceChanged(Event):
    agent_id: int
    status: str
    reason: str | None
    since: datetime


@dataclass(frozen=True)
class AgentLoggedIn(Event):
    agent_id: int


@dataclass(frozen=True)
class AgentLoggedOut(Event):
    agent_id: int


@dataclass(frozen=True)
class NotificationAdded(Event):
    agent_id: int
    notification_id: int


@dataclass(frozen=True)
class NotificationsRead(Event):
    agent_id: int


@dataclass(frozen=True)
class PreferencesChanged(Event):
    agent_id: int
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClockAdvanced(Event):
    now: datetime


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]
Dispatcher = Callable[[Callable[[], None]], None]


class Subscription:
    """A live subscription; :meth:`close` ends it (idempotent)."""

    def __init__(self, bus: EventBus, key: int) -> None:
        self._bus = bus
        self._key = key

    def close(self) -> None:
        self._bus._unsubscribe(self._key)


class EventPublisher(Protocol):
    def publish(self, event: Event) -> None: ...


class EventBus:
    """In-process publish/subscribe.

    ``dispatch`` decides where handlers run. The web app passes a function that hands the
    call to the server's event loop, so a service running in a worker thread can publish
    safely; tests use the default, which calls handlers at once.
    """

    def __init__(self, dispatch: Dispatcher | None = None) -> None:
        self._dispatch: Dispatcher = dispatch or (lambda fn: fn())
        self._handlers: dict[int, tuple[tuple[type[Event], ...], Handler]] = {}
        self._next = 0
        self._lock = threading.Lock()

    def set_dispatcher(self, dispatch: Dispatcher) -> None:
        self._dispatch = dispatch

    def subscribe(self, handler: Callable[[E], None], *types: type[E]) -> Subscription:
        """Call ``handler`` for every published event of one of ``types`` (all if none)."""
        with self._lock:
            self._next += 1
            key = self._next
            self._handlers[key] = (types or (Event,), handler)
        return Subscription(self, key)

    def _unsubscribe(self, key: int) -> None:
        with self._lock:
            self._handlers.pop(key, None)

    @property
    def subscriber_count(self) -> int:
        return len(self._handlers)

    def publish(self, event: Event) -> None:
        with self._lock:
            targets = [
                key for key, (types, _) in self._handlers.items() if isinstance(event, types)
            ]
        if targets:
            self._dispatch(lambda: self._deliver(event, targets))

    def _deliver(self, event: Event, targets: list[int]) -> None:
        for key in targets:
            # Looked up at delivery time: the dispatcher may run this later, and a
            # subscription closed in between (a browser gone) must not be called.
            with self._lock:
                entry = self._handlers.get(key)
            if entry is None:
                continue
            try:
                entry[1](event)
            except Exception:  # one broken browser must not stop the others
                log.exception("event handler failed for %r", event)


@dataclass(frozen=True)
class InteractionQueued(Event):
    interaction_id: str
    contact_number: str = ""


@dataclass(frozen=True)
class OfferMade(Event):
    offer_id: int
    agent_id: int
    interaction_id: str


@dataclass(frozen=True)
class OfferEnded(Event):
    offer_id: int
    agent_id: int
    interaction_id: str
    outcome: str


@dataclass(frozen=True)
class InteractionAccepted(Event):
    interaction_id: str
    agent_id: int


@dataclass(frozen=True)
class MessageReceived(Event):
    interaction_id: str
    message_id: int
    owner_id: int | None


@dataclass(frozen=True)
class SmsDelivered(Event):
    """The gateway delivered SMS parts to a contact's number (the phone simulator listens)."""

    to: str
    sender: str
    parts: int


@dataclass(frozen=True)
class InteractionDone(Event):
    interaction_id: str
    agent_id: int
    contact_number: str = ""


@dataclass(frozen=True)
class MessageSent(Event):
    """An agent's reply joined the transcript (its parts went through the gateway)."""

    interaction_id: str
    agent_id: int
    message_id: int


@dataclass(frozen=True)
class InteractionUpdated(Event):
    """Notes, case data, disposition or state changed; windows showing it redraw."""

    interaction_id: str
    owner_id: int | None
    what: str


@dataclass(frozen=True)
class InteractionExpired(Event):
    interaction_id: str
    owner_id: int | None


@dataclass(frozen=True)
class InteractionTransferred(Event):
    """The interaction left ``from_agent_id``: to another agent (accepted) or to a queue."""

    interaction_id: str
    from_agent_id: int
    to_agent_id: int | None = None
    to_queue_id: int | None = None


@dataclass(frozen=True)
class InvitationFailed(Event):
    """A transfer or consultation invitation was declined, timed out or could not
    complete; the sender keeps the interaction and is told why."""

    interaction_id: str
    from_agent_id: int
    reason: str
    kind: str = "transfer"


@dataclass(frozen=True)
class ConsultationChanged(Event):
    """An IM consultation started or ended; an ended one says who ended it or why
    (``reason``), for the consultant's view, which closes."""

    consultation_id: int
    interaction_id: str
    owner_id: int
    consultant_id: int
    active: bool
    reason: str = ""


@dataclass(frozen=True)
class InternalMessagePosted(Event):
    """A consultation or supervisor message: never sent to the contact."""

    interaction_id: str
    message_id: int
    agent_id: int


@dataclass(frozen=True)
class FlagChanged(Event):
    """A supervisor flag was raised or lowered on an interaction."""

    flag_id: int
    interaction_id: str
    agent_id: int
    raised: bool


@dataclass(frozen=True)
class CallbackChanged(Event):
    """A callback was scheduled, edited, cancelled, fell due or was handled."""

    callback_id: str
    what: str


@dataclass(frozen=True)
class SpellingUsed(Event):
    """An agent used the Spelling Check menu in an interaction's message area
    (``action``: suggestion | ignore | ignore_all | add); lessons wait for it."""

    agent_id: int
    interaction_id: str
    action: str
    word: str
