"""In-memory stand-ins for the storage ports, so domain services can be tested alone.

Each fake keeps the behaviour the domain relies on (see ``storage/repositories.py``) and
nothing more. A few counters let tests prove that something did *not* happen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.agents import Agent, Role
from domain.case_data import CaseDataField
from domain.contacts import Contact
from domain.dispositions import DispositionCode
from domain.events import Event
from domain.gateway import DeliveredPart
from domain.inbound import NewInbound, StoredInbound
from domain.interactions import (
    OPEN_STATES,
    OWNED_STATES,
    Channel,
    Direction,
    Interaction,
    MediaItem,
    Message,
    Note,
    Offer,
    OfferOutcome,
    Party,
    State,
)
from domain.notifications import Level, Notification
from domain.presence import Presence, Status
from domain.queues import CentreNumber, Mode, Queue
from domain.routing import Candidate
from domain.scheduler import Deadline
from domain.standard_responses import StandardResponse


class FakeHasher:
    """Cheap and transparent; counts verifications so a test can see none happened."""

    def __init__(self) -> None:
        self.verify_calls = 0

    def hash(self, password: str) -> str:
        return "fake$" + password[::-1]

    def verify(self, password: str, hashed: str) -> bool:
        self.verify_calls += 1
        return hashed == self.hash(password)


class FakeAgentRepository:
    def __init__(self) -> None:
        self._agents: dict[int, Agent] = {}
        self._hashes: dict[int, str] = {}

    def add(
        self,
        username: str,
        password_hash: str,
        *,
        display_name: str | None = None,
        role: Role = Role.AGENT,
    ) -> Agent:
        agent = Agent(
            id=len(self._agents) + 1,
            username=username,
            display_name=display_name or username.title(),
            role=role,
        )
        self._agents[agent.id] = agent
        self._hashes[agent.id] = password_hash
        return agent

    def get(self, agent_id: int) -> Agent | None:
        return self._agents.get(agent_id)

    def by_username(self, username: str) -> Agent | None:
        # Exact match, like the SQL repository: normalising the name is the domain's job.
        return next((a for a in self._agents.values() if a.username == username), None)

    def password_hash(self, username: str) -> tuple[Agent, str] | None:
        agent = self.by_username(username)
        return (agent, self._hashes[agent.id]) if agent else None

    def list(self) -> list[Agent]:
        return sorted(self._agents.values(), key=lambda a: a.username)

    def update_options(self, agent_id: int, **changes: Any) -> Agent:
        agent = self._agents[agent_id].with_options(**changes)
        self._agents[agent_id] = agent
        return agent


class FakeLoginAttempts:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, datetime | None, datetime | None]] = {}

    def get(self, username: str) -> tuple[int, datetime | None, datetime | None]:
        return self.rows.get(username, (0, None, None))

    def record_failure(self, username: str, at: datetime, locked_until: datetime | None) -> int:
        failures, _last, lock = self.get(username)
        # like storage: None leaves an existing lock in place; only reset() lifts it
        self.rows[username] = (failures + 1, at, locked_until or lock)
        return failures + 1

    def reset(self, username: str) -> None:
        self.rows.pop(username, None)


class FakeSessionRepository:
    def __init__(self) -> None:
        self.sessions: dict[str, tuple[int, datetime]] = {}

    def create(self, agent_id: int, token_digest: str, at: datetime) -> None:
        self.sessions[token_digest] = (agent_id, at)

    def agent_for(self, token_digest: str) -> int | None:
        found = self.sessions.get(token_digest)
        return found[0] if found else None

    def end_all(self, agent_id: int) -> None:
        self.sessions = {d: s for d, s in self.sessions.items() if s[0] != agent_id}


class FakePresenceRepository:
    def __init__(self) -> None:
        self.rows: dict[int, Presence] = {}

    def get(self, agent_id: int) -> Presence | None:
        return self.rows.get(agent_id)

    def set(self, agent_id: int, status: Status, reason: str | None, since: datetime) -> Presence:
        self.rows[agent_id] = Presence(agent_id, status, reason, since)
        return self.rows[agent_id]

    def all(self) -> list[Presence]:
        return list(self.rows.values())


class FakeNotificationRepository:
    def __init__(self) -> None:
        self.rows: list[Notification] = []

    def add(self, agent_id: int, text: str, level: Level, at: datetime) -> Notification:
        note = Notification(len(self.rows) + 1, agent_id, at, text, level)
        self.rows.append(note)
        return note

    def recent(self, agent_id: int, limit: int) -> list[Notification]:
        mine = [n for n in self.rows if n.agent_id == agent_id]
        return sorted(mine, key=lambda n: (n.created_at, n.id), reverse=True)[:limit]

    def unread_count(self, agent_id: int) -> int:
        return sum(1 for n in self.rows if n.agent_id == agent_id and not n.read)

    def mark_all_read(self, agent_id: int) -> None:
        self.rows = [replace(n, read=True) if n.agent_id == agent_id else n for n in self.rows]


class FakeDirectoryRepository:
    """Reference data given to the constructor (empty by default)."""

    def __init__(
        self,
        *,
        queues: Sequence[Queue] = (),
        centre_numbers: Sequence[CentreNumber] = (),
        contacts: Sequence[Contact] = (),
        case_data_fields: Sequence[CaseDataField] = (),
        disposition_codes: Sequence[DispositionCode] = (),
    ) -> None:
        self._disposition_codes = list(disposition_codes)
        self._queues = list(queues)
        self._centre_numbers = list(centre_numbers)
        self._contacts = list(contacts)
        self._case_data_fields = sorted(case_data_fields, key=lambda f: f.position)

    def queues(self) -> list[Queue]:
        return list(self._queues)

    def centre_numbers(self) -> list[CentreNumber]:
        return list(self._centre_numbers)

    def contacts(self, limit: int = 100) -> list[Contact]:
        return self._contacts[:limit]

    def contact(self, contact_id: int) -> Contact | None:
        return next((c for c in self._contacts if c.id == contact_id), None)

    def contact_by_phone(self, number: str) -> Contact | None:
        return next(
            (c for c in self._contacts if any(p.number == number for p in c.phones)), None
        )

    def contact_id_by_phone(self, number: str) -> int | None:
        contact = self.contact_by_phone(number)
        return contact.id if contact else None

    def disposition_codes(self) -> list[DispositionCode]:
        return list(self._disposition_codes)

    def standard_responses(self) -> list[StandardResponse]:
        return []

    def case_data_fields(self) -> list[CaseDataField]:
        return list(self._case_data_fields)


class FakeDeadlineStore:
    """Deadlines in a list; ``next_due_at_calls`` shows when the scheduler reads storage."""

    def __init__(self) -> None:
        self._rows: dict[int, Deadline] = {}
        self._closed: set[int] = set()  # fired or cancelled
        self.fired: list[int] = []
        self.next_due_at_calls = 0

    def _open(self) -> list[Deadline]:
        rows = [d for d in self._rows.values() if d.id not in self._closed]
        return sorted(rows, key=lambda d: (d.due_at, d.id))

    def add(self, kind: str, ref: str, due_at: datetime, payload: dict[str, Any]) -> Deadline:
        deadline = Deadline(len(self._rows) + 1, kind, ref, due_at, dict(payload))
        self._rows[deadline.id] = deadline
        return deadline

    def cancel(self, kind: str, ref: str) -> int:
        hits = [d.id for d in self._open() if d.kind == kind and d.ref == ref]
        self._closed.update(hits)
        return len(hits)

    def due(self, now: datetime, limit: int = 100) -> list[Deadline]:
        return [d for d in self._open() if d.due_at <= now][:limit]

    def next_due_at(self) -> datetime | None:
        self.next_due_at_calls += 1
        rows = self._open()
        return rows[0].due_at if rows else None

    def mark_fired(self, deadline_id: int, fired_at: datetime) -> bool:
        if deadline_id in self._closed:
            return False
        self._closed.add(deadline_id)
        self.fired.append(deadline_id)
        return True

    def pending(self, kind: str | None = None) -> list[Deadline]:
        return [d for d in self._open() if kind is None or d.kind == kind]


class RecordingBus:
    """An event publisher that only remembers what was published."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


class FakeInteractionRepo:
    """Interactions, messages, media and offers in dicts, mirroring ``storage/interactions.py``.

    Implements ``domain.routing.RoutingRepository`` and ``domain.inbound.InboundRepository``
    (and ``finish`` of the handling repository). Like the SQL repository:
    - an offer is created only from ``queued`` (one conditional update);
    - only a pending offer is decided, and only while it is the interaction's current offer:
      accepted makes its agent the owner (``active``), any other outcome re-queues it;
    - candidates are Ready agents whose load (owned interactions in ``OWNED_STATES`` plus
      pending offers) is below their SMS capacity; idle since = the latest of their
      presence time, their last accepted offer and the last interaction they ended;
    - an SMS in session mode joins the newest open session-mode interaction from the same
      sender to the same centre number.

    ``fail_next_add`` makes the next ``add_inbound`` raise, like a database error.
    """

    def __init__(
        self,
        presence: FakePresenceRepository,
        agents: FakeAgentRepository,
        directory: FakeDirectoryRepository | None = None,
    ) -> None:
        self._presence = presence
        self._agents = agents
        self._directory = directory or FakeDirectoryRepository()
        self._interactions: dict[str, Interaction] = {}
        self._current_offer: dict[str, int | None] = {}
        self._messages: list[Message] = []
        self._provider_ids: dict[str, str] = {}  # provider message id -> interaction id
        self._offers: dict[int, Offer] = {}
        self.fail_next_add: Exception | None = None
        self.add_inbound_calls = 0
        self.candidates_calls = 0
        self._notes: list[Note] = []
        self._drafts: dict[tuple[str, int], str] = {}

    # -- seeding (tests only) -------------------------------------------------------------

    def put(self, interaction: Interaction) -> Interaction:
        """Store an interaction as it is (any state, any owner), e.g. an active one."""
        self._interactions[interaction.id] = interaction
        self._current_offer.setdefault(interaction.id, None)
        return self.get(interaction.id) or interaction

    def put_message(
        self, interaction_id: str, party: Party, text: str, at: datetime,
        media: Sequence[MediaItem] = (),
    ) -> Message:
        message = Message(len(self._messages) + 1, interaction_id, party, text, at,
                          media=tuple(media))
        self._messages.append(message)
        return message

    # -- helpers for tests ----------------------------------------------------------------

    def all_interactions(self) -> list[Interaction]:
        return [self._named(i) for i in self._interactions.values()]

    def all_messages(self) -> list[Message]:
        return list(self._messages)

    def offers_for(self, interaction_id: str) -> list[Offer]:
        return sorted(
            (o for o in self._offers.values() if o.interaction_id == interaction_id),
            key=lambda o: o.id,
        )

    def all_offers(self) -> list[Offer]:
        return sorted(self._offers.values(), key=lambda o: o.id)

    # -- reading --------------------------------------------------------------------------

    def _named(self, interaction: Interaction) -> Interaction:
        contact = (
            self._directory.contact(interaction.contact_id) if interaction.contact_id else None
        )
        return replace(interaction, contact_name=contact.name if contact else None)

    def get(self, interaction_id: str) -> Interaction | None:
        found = self._interactions.get(interaction_id)
        return self._named(found) if found else None

    def queued(self, limit: int = 200) -> list[Interaction]:
        rows = [i for i in self._interactions.values() if i.state is State.QUEUED]
        # sorted() is stable: equal times keep the order they were stored in.
        rows.sort(key=lambda i: (i.queued_at or i.created_at, i.created_at))
        return [self._named(i) for i in rows[:limit]]

    def owned(self, agent_id: int) -> list[Interaction]:
        rows = [
            i for i in self._interactions.values()
            if i.owner_id == agent_id and i.state in OWNED_STATES
        ]
        rows.sort(key=lambda i: i.accepted_at or i.created_at)
        return [self._named(i) for i in rows]

    def messages(self, interaction_id: str, limit: int | None = None) -> list[Message]:
        rows = [m for m in self._messages if m.interaction_id == interaction_id]
        rows.sort(key=lambda m: (m.created_at, m.id))
        return rows[:limit] if limit else rows

    def offer(self, offer_id: int) -> Offer | None:
        return self._offers.get(offer_id)

    def pending_offers(self, agent_id: int | None = None) -> list[Offer]:
        rows = [
            o for o in self._offers.values()
            if o.pending and (agent_id is None or o.agent_id == agent_id)
        ]
        return sorted(rows, key=lambda o: (o.offered_at, o.id))

    # -- inbound --------------------------------------------------------------------------

    def find_inbound(self, provider_message_id: str) -> str | None:
        return self._provider_ids.get(provider_message_id)

    def add_inbound(self, new: NewInbound) -> StoredInbound:
        self.add_inbound_calls += 1
        if self.fail_next_add is not None:
            error, self.fail_next_add = self.fail_next_add, None
            raise error
        existing = self._provider_ids.get(new.provider_message_id)
        if existing is not None:  # the unique index on provider_message_id
            return StoredInbound(existing, 0, duplicate=True, joined=False)
        session: Interaction | None = None
        if new.mode is Mode.SESSION and new.channel is Channel.SMS:
            open_sessions = [
                i for i in self._interactions.values()
                if i.contact_number == new.sender
                and i.centre_number == new.centre_number
                and i.mode is Mode.SESSION
                and i.state in OPEN_STATES
            ]
            if open_sessions:
                session = max(open_sessions, key=lambda i: i.created_at)
        if session is None:
            interaction = Interaction(
                id=uuid.uuid4().hex, channel=new.channel, direction=Direction.INBOUND,
                mode=new.mode, state=State.QUEUED, contact_number=new.sender,
                centre_number=new.centre_number, queue_id=new.queue_id,
                created_at=new.received_at, queued_at=new.received_at,
                contact_id=new.contact_id, case_data=dict(new.case_data),
            )
            self._interactions[interaction.id] = interaction
            self._current_offer[interaction.id] = None
        else:
            interaction = session
        message = Message(
            id=len(self._messages) + 1, interaction_id=interaction.id, party=Party.CONTACT,
            text=new.text, created_at=new.received_at, media=tuple(new.media),
        )
        self._messages.append(message)
        self._provider_ids[new.provider_message_id] = interaction.id
        return StoredInbound(interaction.id, message.id, duplicate=False,
                             joined=session is not None, owner_id=interaction.owner_id)

    # -- routing --------------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        self.candidates_calls += 1
        result: list[Candidate] = []
        for presence in self._presence.all():
            if presence.status is not Status.READY:
                continue
            agent = self._agents.get(presence.agent_id)
            if agent is None:
                continue
            owned = sum(
                1 for i in self._interactions.values()
                if i.owner_id == agent.id and i.state in OWNED_STATES
            )
            pending = sum(1 for o in self._offers.values() if o.agent_id == agent.id and o.pending)
            if owned + pending >= agent.options.sms_capacity:
                continue
            taken = [
                o.decided_at for o in self._offers.values()
                if o.agent_id == agent.id and o.outcome is OfferOutcome.ACCEPTED
                and o.decided_at is not None
            ]
            ended = [
                i.ended_at for i in self._interactions.values()
                if i.owner_id == agent.id and i.ended_at is not None
            ]
            idle = max([presence.since, *taken, *ended])
            result.append(Candidate(agent, owned + pending, idle))
        return result

    def refusals_since(self, interaction_id: str, since: datetime) -> set[int]:
        return {
            o.agent_id for o in self._offers.values()
            if o.interaction_id == interaction_id
            and o.outcome in (OfferOutcome.REJECTED, OfferOutcome.TIMEOUT)
            and o.decided_at is not None and o.decided_at >= since
        }

    def create_offer(
        self, interaction_id: str, agent_id: int, at: datetime, deadline: datetime, auto: bool
    ) -> Offer | None:
        interaction = self._interactions.get(interaction_id)
        if interaction is None or interaction.state is not State.QUEUED:
            return None
        offer = Offer(len(self._offers) + 1, interaction_id, agent_id, at, deadline, auto)
        self._offers[offer.id] = offer
        self._interactions[interaction_id] = replace(interaction, state=State.OFFERED)
        self._current_offer[interaction_id] = offer.id
        return offer

    def decide(self, offer_id: int, outcome: OfferOutcome, at: datetime) -> Offer | None:
        offer = self._offers.get(offer_id)
        if offer is None or not offer.pending:
            return None
        interaction = self._interactions.get(offer.interaction_id)
        if (
            interaction is None
            or interaction.state is not State.OFFERED
            or self._current_offer.get(interaction.id) != offer_id
        ):
            return None  # the SQL repository rolls the whole decision back
        if outcome is OfferOutcome.ACCEPTED:
            moved = replace(interaction, state=State.ACTIVE, owner_id=offer.agent_id,
                            accepted_at=at, last_activity_at=at)
        else:
            moved = replace(interaction, state=State.QUEUED)
            self._current_offer[interaction.id] = None
        self._interactions[interaction.id] = moved
        settled = replace(offer, outcome=outcome, decided_at=at)
        self._offers[offer_id] = settled
        return settled

    # -- handling -------------------------------------------------------------------------

    def finish(self, interaction_id: str, agent_id: int, at: datetime) -> Interaction | None:
        interaction = self._interactions.get(interaction_id)
        if (
            interaction is None
            or interaction.owner_id != agent_id
            or interaction.state not in OWNED_STATES
        ):
            return None
        self._interactions[interaction_id] = replace(interaction, state=State.DONE, ended_at=at)
        return self.get(interaction_id)

    def add_message(
        self, interaction_id: str, party: Party, text: str, at: datetime,
        agent_id: int | None = None,
    ) -> Message:
        message = Message(len(self._messages) + 1, interaction_id, party, text, at, agent_id)
        self._messages.append(message)
        return message

    def set_state(
        self, interaction_id: str, state: State, expect: Sequence[State]
    ) -> Interaction | None:
        interaction = self._interactions.get(interaction_id)
        if interaction is None or interaction.state not in expect:
            return None
        self._interactions[interaction_id] = replace(interaction, state=state)
        return self.get(interaction_id)

    def touch(self, interaction_id: str, at: datetime) -> None:
        interaction = self._interactions.get(interaction_id)
        if interaction is not None:
            self._interactions[interaction_id] = replace(interaction, last_activity_at=at)

    def set_disposition(self, interaction_id: str, code: str | None) -> None:
        interaction = self._interactions.get(interaction_id)
        if interaction is not None:
            self._interactions[interaction_id] = replace(interaction, disposition=code)

    def set_case_value(self, interaction_id: str, key: str, value: str) -> dict[str, Any]:
        interaction = self._interactions.get(interaction_id)
        if interaction is None:
            raise LookupError(interaction_id)
        data = {**interaction.case_data, key: value}
        self._interactions[interaction_id] = replace(interaction, case_data=data)
        return dict(data)

    def add_note(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> Note:
        note = Note(len(self._notes) + 1, interaction_id, agent_id, text, at)
        self._notes.append(note)
        return note

    def notes(self, interaction_id: str) -> list[Note]:
        rows = [n for n in self._notes if n.interaction_id == interaction_id]
        return sorted(rows, key=lambda n: (n.created_at, n.id))

    def save_draft(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> None:
        key = (interaction_id, agent_id)
        if key not in self._drafts and not text:
            return  # like storage: no row is made for an empty draft
        self._drafts[key] = text

    def draft(self, interaction_id: str, agent_id: int) -> str:
        return self._drafts.get((interaction_id, agent_id), "")

    def contact_interactions(
        self, contact_number: str, contact_id: int | None, since: datetime, limit: int = 50
    ) -> list[Interaction]:
        numbers = {contact_number}
        if contact_id is not None:
            contact = self._directory.contact(contact_id)
            numbers.update(p.number for p in (contact.phones if contact else ()))
        rows = [
            i for i in self._interactions.values()
            if (i.contact_number in numbers
                or (contact_id is not None and i.contact_id == contact_id))
            and (i.state in OPEN_STATES or i.created_at >= since)
        ]
        rows.sort(key=lambda i: i.created_at, reverse=True)
        return [self._named(i) for i in rows[:limit]]

    def media_item(self, media_id: str) -> tuple[str, MediaItem] | None:
        for message in self._messages:
            for item in message.media:
                if item.id == media_id:
                    return message.interaction_id, item
        return None


class FakeGateway:
    """The SMS gateway: remembers every part it was handed, in order."""

    def __init__(self) -> None:
        self.parts: list[DeliveredPart] = []
        self.sends = 0

    def send(
        self, to: str, sender: str, parts: list[str], encoding: str, at: datetime
    ) -> list[DeliveredPart]:
        self.sends += 1
        delivered = [
            DeliveredPart(to, sender, text, i, len(parts), encoding, at)
            for i, text in enumerate(parts, start=1)
        ]
        self.parts.extend(delivered)
        return delivered

    def delivered(self, to: str | None = None, limit: int = 500) -> list[DeliveredPart]:
        rows = [p for p in self.parts if to is None or p.to == to]
        return rows[-limit:]


class FakeMediaStore:
    """Media bytes in a dict; ``deleted`` lists what was removed, in order."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.deleted: list[str] = []
        self._next = 0

    def save(self, data: bytes, content_type: str) -> str:
        self._next += 1
        media_id = f"media-{self._next:04d}"
        self.files[media_id] = (data, content_type)
        return media_id

    def read(self, media_id: str) -> bytes:
        return self.files[media_id][0]

    def delete(self, media_id: str) -> None:
        self.deleted.append(media_id)
        self.files.pop(media_id, None)
