"""Scheduled callbacks (seed: "Schedule a Callback ... to open the New Callback dialog box").

An agent schedules a callback for a contact's number at a date and time entered in their
own time zone, with notes, for themselves or for a queue. It is stored with a deadline;
when the deadline fires (scheduler and clock) an interaction is created whose id IS the
callback's id, channel ``callback``, page mode, queued and routed like any interaction:
only to the assigned agent (``target_agent_id``) or to anyone serving the queue.
Accepting it opens the callback work item; Done (or a reply) finishes the callback.

States: ``scheduled`` -> ``due`` (interaction created, not yet accepted) -> ``active``
(accepted) -> ``done``; ``scheduled`` or ``due`` -> ``cancelled``. Edit, reschedule and
cancel are allowed while scheduled or due; a due callback's queued interaction is then
withdrawn (removed) cleanly. Who may change one: its creator, its assignee, or anyone for
a queue callback. Every rule is checked here, whatever the page shows.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from domain.agents import Agent
from domain.clock import Clock
from domain.events import CallbackChanged, EventPublisher, InteractionQueued, OfferEnded
from domain.interactions import Channel, Direction, Interaction, Offer, OfferOutcome, State
from domain.phone_numbers import SHORT_CODE
from domain.ports import AgentRepository, DirectoryRepository
from domain.queues import Mode, TargetKind
from domain.scheduler import Deadline, Scheduler

log = logging.getLogger(__name__)
CALLBACK_DEADLINE = "callback"
MAX_NOTES = 2000
MAX_AHEAD = timedelta(days=366)
DEFAULT_LEAD = timedelta(minutes=30)
# What the `callback-when` field takes: an HTML datetime-local value, or a space instead
# of the "T"; seconds are optional and ignored.
WHEN_FORMAT = "YYYY-MM-DDTHH:MM"
_WHEN = re.compile(r"\s*(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2})(?::\d{2}(?:\.\d+)?)?\s*")


class CallbackError(Exception):
    """A callback action that cannot be done; the message is shown to the agent."""


class CallbackState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"  # its interaction waits in routing
    ACTIVE = "active"  # an agent accepted it
    DONE = "done"
    CANCELLED = "cancelled"


CHANGEABLE = (CallbackState.SCHEDULED, CallbackState.DUE)


@dataclass(frozen=True)
class Callback:
    id: str
    contact_number: str
    due_at: datetime  # UTC
    notes: str
    state: CallbackState
    created_by: int
    created_at: datetime
    updated_at: datetime
    assigned_agent_id: int | None = None  # "assign to me"
    queue_id: int | None = None  # "assign to a queue" (or the queue a personal one uses)
    contact_id: int | None = None
    contact_name: str | None = None
    centre_number: str = ""
    source_interaction_id: str | None = None

    @property
    def contact_label(self) -> str:
        return self.contact_name or self.contact_number

    @property
    def for_queue(self) -> bool:
        return self.assigned_agent_id is None


@dataclass(frozen=True)
class CallbackList:
    """The callbacks view of one agent, each section soonest first."""

    overdue: tuple[Callback, ...]  # scheduled or due, past their time, not yet taken
    upcoming: tuple[Callback, ...]
    recent: tuple[Callback, ...]  # active, done or cancelled lately (newest first)


@dataclass(frozen=True)
class CallbackDraft:
    """What the New Callback dialog starts with."""

    contact_number: str
    when_local: str  # in WHEN_FORMAT, in the agent's time zone
    time_zone: str
    notes: str = ""
    queue_id: int | None = None
    assign_to_me: bool = True


class CallbackRepository(Protocol):
    def add(self, callback: Callback) -> Callback: ...

    def get(self, callback_id: str) -> Callback | None: ...

    def update(self, callback_id: str, expect: tuple[CallbackState, ...], **changes: object
               ) -> Callback | None:
        """Change fields only while the state is one of ``expect``; None otherwise."""
        ...

    def visible_to(self, agent_id: int, since: datetime) -> list[Callback]:
        """Assigned to or created by this agent, or for a queue; open ones, and closed ones
        updated since ``since``."""
        ...

    def create_interaction(self, interaction: Interaction, first_line: str) -> bool:
        """Store the callback's interaction with a first system line; False if it exists."""
        ...

    def withdraw_interaction(self, interaction_id: str, at: datetime) -> list[Offer] | None:
        """Remove a queued or offered, never accepted interaction with its messages and
        offers, atomically. Returns the pending offers it settled (withdrawn); None if the
        interaction was already accepted (or is gone: then an empty list)."""
        ...


class InteractionLookup(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...


def normalise_number(text: str, region: str = "US") -> str:
    """A contact number as the gateway wants it: E.164, or a 3-8 digit short code."""
    raw = (text or "").strip()
    if not raw:
        raise CallbackError("Enter the phone number to call back.")
    compact = re.sub(r"[\s().-]", "", raw)
    if SHORT_CODE.fullmatch(compact):
        return compact
    try:
        parsed = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise CallbackError(
            f"'{raw}' is not a valid phone number. Use international format, e.g. "
            "+14155550123, or a short code of 3 to 8 digits.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_local(text: str, time_zone: str) -> datetime:
    """A wall-clock time typed in ``time_zone`` as an aware UTC instant."""
    match = _WHEN.fullmatch(text or "")
    if not match:
        raise CallbackError(f"Enter the date and time as {WHEN_FORMAT}, e.g. "
                            "2026-01-05T14:30.")
    try:
        naive = datetime.fromisoformat(f"{match.group(1)}T{int(match.group(2).split(':')[0]):02d}"
                                       f":{match.group(2).split(':')[1]}")
    except ValueError:
        raise CallbackError(f"'{text.strip()}' is not a real date and time.") from None
    tz = zone(time_zone)
    local = naive.replace(tzinfo=tz)
    instant = local.astimezone(UTC)
    # A time skipped when the clocks go forward does not come back unchanged.
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise CallbackError(f"{naive:%H:%M} does not exist on {naive:%Y-%m-%d} in {tz.key} "
                            "(the clocks change then). Choose another time.")
    return instant


def format_local(when: datetime, time_zone: str) -> str:
    """An instant as the `callback-when` field shows it, in ``time_zone``."""
    return when.astimezone(zone(time_zone)).strftime("%Y-%m-%dT%H:%M")


def describe(when: datetime, time_zone: str) -> str:
    """What a person reads, e.g. "Mon 5 Jan 2026, 10:00 EST"."""
    local = when.astimezone(zone(time_zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def default_due(now: datetime) -> datetime:
    """The next full hour at least 30 minutes ahead (09:00 -> 10:00, 09:31 -> 11:00)."""
    soonest = now + DEFAULT_LEAD
    hour = soonest.replace(minute=0, second=0, microsecond=0)
    return hour if hour == soonest else hour + timedelta(hours=1)


class CallbackService:
    def __init__(
        self,
        repo: CallbackRepository,
        interactions: InteractionLookup,
        agents: AgentRepository,
        directory: DirectoryRepository,
        scheduler: Scheduler,
        bus: EventPublisher,
        clock: Clock,
        route: Callable[[str], object],
        region: str = "US",
        recent_hours: float = 24,
    ) -> None:
        self._repo = repo
        self._interactions = interactions
        self._agents = agents
        self._directory = directory
        self._scheduler = scheduler
        self._bus = bus
        self._clock = clock
        self._route = route
        self.region = region
        self.recent = timedelta(hours=recent_hours)
        scheduler.on(CALLBACK_DEADLINE, self._on_due)

    # -- reading --------------------------------------------------------------------------

    def queues(self) -> list[tuple[int, str]]:
        """Queues a callback can be assigned to (not routing points or flows)."""
        return [(q.id, q.name) for q in self._directory.queues() if q.kind is TargetKind.QUEUE]

    def draft(self, agent_id: int, interaction_id: str | None = None) -> CallbackDraft:
        """The New Callback dialog's starting values: the contact's number when opened from
        an interaction, the next full hour at least 30 minutes ahead, in the agent's zone."""
        agent = self._agent(agent_id)
        number, queue_id = "", None
        if interaction_id:
            source = self._source(interaction_id, agent_id)
            number, queue_id = source.contact_number, source.queue_id
        tz = agent.options.time_zone
        when = format_local(default_due(self._clock.now()), tz)
        return CallbackDraft(number, when, zone(tz).key, queue_id=queue_id)

    def get(self, callback_id: str, agent_id: int) -> Callback:
        callback = self._repo.get(callback_id)
        if callback is None or not self._may_see(callback, agent_id):
            raise CallbackError("No such callback.")
        return callback

    def listing(self, agent_id: int) -> CallbackList:
        """Mine (assigned to me or scheduled by me) and the queues' callbacks."""
        now = self._clock.now()
        rows = self._repo.visible_to(agent_id, now - self.recent)
        waiting = sorted((c for c in rows if c.state in CHANGEABLE), key=lambda c: c.due_at)
        closed = sorted((c for c in rows if c.state not in CHANGEABLE),
                        key=lambda c: c.updated_at, reverse=True)
        return CallbackList(
            overdue=tuple(c for c in waiting if c.due_at <= now),
            upcoming=tuple(c for c in waiting if c.due_at > now),
            recent=tuple(closed),
        )

    def may_change(self, callback: Callback, agent_id: int) -> bool:
        return callback.state in CHANGEABLE and (
            callback.for_queue or agent_id in (callback.created_by, callback.assigned_agent_id))

    def name_of(self, agent_id: int | None) -> str:
        agent = self._agents.get(agent_id) if agent_id is not None else None
        return agent.display_name if agent else "someone"

    # -- changing -------------------------------------------------------------------------

    def schedule(
        self, agent_id: int, number: str, when_local: str, notes: str = "",
        queue_id: int | None = None, interaction_id: str | None = None,
    ) -> Callback:
        """Schedule a callback; ``queue_id`` None assigns it to the agent themselves."""
        agent = self._agent(agent_id)
        source = self._source(interaction_id, agent_id) if interaction_id else None
        number, due_at, notes = self._checked(agent, number, when_local, notes)
        queue_id = self._checked_queue(queue_id)
        centre = source.centre_number if source else self._default_centre()
        now = self._clock.now()
        contact_id = self._directory.contact_id_by_phone(number)
        callback = self._repo.add(Callback(
            id=uuid.uuid4().hex, contact_number=number, due_at=due_at, notes=notes,
            state=CallbackState.SCHEDULED, created_by=agent_id, created_at=now,
            updated_at=now, assigned_agent_id=None if queue_id else agent_id,
            queue_id=queue_id, contact_id=contact_id, centre_number=centre,
            source_interaction_id=source.id if source else None,
        ))
        self._scheduler.schedule(CALLBACK_DEADLINE, callback.id, due_at)
        self._bus.publish(CallbackChanged(callback.id, "scheduled"))
        return callback

    def update(
        self, callback_id: str, agent_id: int, number: str, when_local: str, notes: str = "",
        queue_id: int | None = None,
    ) -> Callback:
        """Edit or reschedule: the stored deadline moves with the time. A callback that is
        already due goes back to waiting for its (new) time."""
        agent = self._agent(agent_id)
        callback = self._changeable(callback_id, agent_id)
        number, due_at, notes = self._checked(agent, number, when_local, notes)
        queue_id = self._checked_queue(queue_id)
        if callback.state is CallbackState.DUE:
            self._withdraw(callback)
        changed = self._repo.update(
            callback_id, CHANGEABLE, contact_number=number, due_at=due_at, notes=notes,
            queue_id=queue_id, assigned_agent_id=None if queue_id else agent_id,
            contact_id=self._directory.contact_id_by_phone(number),
            state=CallbackState.SCHEDULED, updated_at=self._clock.now(),
        )
        if changed is None:
            raise CallbackError("This callback was taken or cancelled meanwhile.")
        self._scheduler.cancel(CALLBACK_DEADLINE, callback_id)
        self._scheduler.schedule(CALLBACK_DEADLINE, callback_id, due_at)
        self._bus.publish(CallbackChanged(callback_id, "updated"))
        return changed

    def reschedule(self, callback_id: str, agent_id: int, when_local: str) -> Callback:
        """Only a new time; everything else stays."""
        callback = self._changeable(callback_id, agent_id)
        return self.update(callback_id, agent_id, callback.contact_number, when_local,
                           callback.notes, callback.queue_id if callback.for_queue else None)

    def cancel(self, callback_id: str, agent_id: int) -> Callback:
        callback = self._changeable(callback_id, agent_id)
        if callback.state is CallbackState.DUE:
            self._withdraw(callback)
        changed = self._repo.update(callback_id, CHANGEABLE, state=CallbackState.CANCELLED,
                                    updated_at=self._clock.now())
        if changed is None:
            raise CallbackError("This callback was taken or cancelled meanwhile.")
        self._scheduler.cancel(CALLBACK_DEADLINE, callback_id)
        self._bus.publish(CallbackChanged(callback_id, "cancelled"))
        return changed

    # -- falling due and being handled ----------------------------------------------------

    def _on_due(self, deadline: Deadline) -> None:
        callback = self._repo.get(deadline.ref)
        if callback is None or callback.state is not CallbackState.SCHEDULED:
            return
        if callback.due_at > self._clock.now():
            return  # rescheduled later: its newer deadline is pending
        self.offer(callback)

    def offer(self, callback: Callback) -> None:
        """Create the callback's interaction (same id) and route it."""
        now = self._clock.now()
        queue_id = callback.queue_id or self._queue_for(callback)
        source = (self._interactions.get(callback.source_interaction_id)
                  if callback.source_interaction_id else None)
        creator = self._agents.get(callback.created_by)
        tz = creator.options.time_zone if creator else "UTC"
        case_data = dict(source.case_data) if source else {}
        case_data.update(callback_notes=callback.notes, scheduled_for=callback.due_at.isoformat(),
                         scheduled_by=self.name_of(callback.created_by))
        interaction = Interaction(
            id=callback.id, channel=Channel.CALLBACK, direction=Direction.OUTBOUND,
            mode=Mode.PAGE, state=State.QUEUED, contact_number=callback.contact_number,
            centre_number=callback.centre_number or self._default_centre(), queue_id=queue_id,
            created_at=now, queued_at=now, contact_id=callback.contact_id,
            case_data=case_data, target_agent_id=callback.assigned_agent_id,
        )
        line = f"Callback scheduled by {self.name_of(callback.created_by)} for " \
               f"{describe(callback.due_at, tz)}"
        line += f": {callback.notes}" if callback.notes else "."
        if self._repo.update(callback.id, (CallbackState.SCHEDULED,), state=CallbackState.DUE,
                             updated_at=now) is None:
            return  # changed meanwhile
        if not self._repo.create_interaction(interaction, line):
            log.warning("callback %s already has an interaction", callback.id)
        current = self._repo.get(callback.id)
        if current is None or current.state is not CallbackState.DUE:
            self._repo.withdraw_interaction(callback.id, now)  # cancelled at this moment
            return
        self._bus.publish(CallbackChanged(callback.id, "due"))
        self._bus.publish(InteractionQueued(callback.id, callback.contact_number))
        self._route(callback.id)

    def accepted(self, offer: Offer) -> None:
        """Routing listener: an agent accepted an interaction (maybe a callback's)."""
        if self._repo.update(offer.interaction_id, (CallbackState.DUE,),
                             state=CallbackState.ACTIVE, updated_at=self._clock.now()):
            self._bus.publish(CallbackChanged(offer.interaction_id, "active"))

    def finished(self, interaction: Interaction) -> None:
        """Handling listener: an interaction is done (maybe a callback's)."""
        if interaction.channel is not Channel.CALLBACK:
            return
        if self._repo.update(interaction.id, (CallbackState.ACTIVE, CallbackState.DUE),
                             state=CallbackState.DONE, updated_at=self._clock.now()):
            self._bus.publish(CallbackChanged(interaction.id, "done"))

    # -- rules ----------------------------------------------------------------------------

    def _agent(self, agent_id: int) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise CallbackError("Unknown agent.")
        return agent

    def _source(self, interaction_id: str, agent_id: int) -> Interaction:
        source = self._interactions.get(interaction_id)
        if source is None or source.owner_id != agent_id:
            raise CallbackError("You can schedule a callback only from your own interaction.")
        return source

    def _checked(self, agent: Agent, number: str, when_local: str, notes: str
                 ) -> tuple[str, datetime, str]:
        number = normalise_number(number, self.region)
        due_at = parse_local(when_local, agent.options.time_zone)
        now = self._clock.now()
        if due_at <= now:
            raise CallbackError(
                f"Choose a time in the future: it is now {describe(now, agent.options.time_zone)}.")
        if due_at - now > MAX_AHEAD:
            raise CallbackError("A callback can be scheduled at most a year ahead.")
        notes = (notes or "").strip()
        if len(notes) > MAX_NOTES:
            raise CallbackError(f"Notes can be at most {MAX_NOTES:,} characters "
                                f"(these have {len(notes):,}).")
        return number, due_at, notes

    def _checked_queue(self, queue_id: int | None) -> int | None:
        if queue_id is None:
            return None
        if queue_id not in {q for q, _name in self.queues()}:
            raise CallbackError("Choose one of the queues for this callback.")
        return queue_id

    def _may_see(self, callback: Callback, agent_id: int) -> bool:
        return callback.for_queue or agent_id in (callback.created_by,
                                                  callback.assigned_agent_id)

    def _changeable(self, callback_id: str, agent_id: int) -> Callback:
        callback = self.get(callback_id, agent_id)
        if callback.state not in CHANGEABLE:
            raise CallbackError(f"This callback is {callback.state.value}: it can no longer "
                                "be changed.")
        if not self.may_change(callback, agent_id):
            raise CallbackError("Only whoever scheduled this callback or the agent it is "
                                "assigned to may change it.")
        return callback

    def _withdraw(self, callback: Callback) -> None:
        settled = self._repo.withdraw_interaction(callback.id, self._clock.now())
        if settled is None:
            raise CallbackError("This callback was just accepted: it can no longer be changed.")
        for offer in settled:
            self._bus.publish(OfferEnded(offer.id, offer.agent_id, offer.interaction_id,
                                         OfferOutcome.WITHDRAWN.value))

    def _default_centre(self) -> str:
        numbers = self._directory.centre_numbers()
        page = [c for c in numbers if c.mode is Mode.PAGE]
        return (page or numbers)[0].number if numbers else ""

    def _queue_for(self, callback: Callback) -> int | None:
        if callback.source_interaction_id:
            source = self._interactions.get(callback.source_interaction_id)
            if source is not None and source.queue_id is not None:
                return source.queue_id
        centre = next((c for c in self._directory.centre_numbers()
                       if c.number == callback.centre_number), None)
        return centre.queue_id if centre else None
