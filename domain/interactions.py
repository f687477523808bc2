"""Interactions: one conversation with a contact, its messages, media and offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.queues import Mode


class Channel(StrEnum):
    SMS = "sms"
    MMS = "mms"
    CALLBACK = "callback"  # a scheduled callback's work item (seed: Schedule Callback)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class State(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ACTIVE = "active"
    WRAP_UP = "wrap_up"
    EXPIRED = "expired"
    DONE = "done"


# States in which an interaction belongs to an agent and uses their capacity.
OWNED_STATES = (State.ACTIVE, State.WRAP_UP, State.EXPIRED)
OPEN_STATES = (State.QUEUED, State.OFFERED, *OWNED_STATES)

# What an agent reads for each state (the window's status, the Interaction Bar).
STATE_LABELS = {
    State.QUEUED: "Waiting in a queue",
    State.OFFERED: "Being offered",
    State.ACTIVE: "Connected",
    State.WRAP_UP: "Wrap-up",
    State.EXPIRED: "Session expired",
    State.DONE: "Done",
}


class Party(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"
    INTERNAL = "internal"


class OfferKind(StrEnum):
    """What an offer asks of its agent: take a routed interaction, take over a colleague's
    interaction (transfer), or help a colleague with theirs (IM consultation)."""

    ROUTE = "route"
    TRANSFER = "transfer"
    CONSULT = "consult"


class OfferOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    WITHDRAWN = "withdrawn"  # the agent went Not Ready or logged out


@dataclass(frozen=True)
class MediaItem:
    id: str  # unguessable token; also the key of the stored file
    content_type: str
    filename: str
    size: int


@dataclass(frozen=True)
class Message:
    id: int
    interaction_id: str
    party: Party
    text: str
    created_at: datetime
    agent_id: int | None = None
    media: tuple[MediaItem, ...] = ()


@dataclass(frozen=True)
class Interaction:
    id: str
    channel: Channel
    direction: Direction
    mode: Mode
    state: State
    contact_number: str
    centre_number: str
    queue_id: int | None
    created_at: datetime
    queued_at: datetime | None = None
    contact_id: int | None = None
    contact_name: str | None = None
    owner_id: int | None = None
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    case_data: dict[str, Any] = field(default_factory=dict)
    disposition: str | None = None
    last_activity_at: datetime | None = None
    target_agent_id: int | None = None  # routed only to this agent (a callback "for me")
    previous_owner_id: int | None = None  # sent back to a queue by this agent
    training: bool = False  # lesson traffic (kept out of real queues, history, reports)

    @property
    def contact_label(self) -> str:
        """What the agent reads: the contact's name, or the number for unknown senders."""
        return self.contact_name or self.contact_number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def kind_label(self) -> str:
        """"SMS session", "SMS page", "MMS" (always page mode) or "Callback"."""
        if self.channel is Channel.SMS:
            return f"SMS {self.mode.value}"
        return self.channel.value.upper() if self.channel is Channel.MMS else "Callback"


@dataclass(frozen=True)
class Note:
    id: int
    interaction_id: str
    agent_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Offer:
    id: int
    interaction_id: str
    agent_id: int
    offered_at: datetime
    deadline: datetime
    auto_answer: bool = False  # at the deadline it opens instead of moving on
    outcome: OfferOutcome | None = None
    decided_at: datetime | None = None
    kind: OfferKind = OfferKind.ROUTE
    from_agent_id: int | None = None  # who asked (transfer, consultation)
    waiting: bool = False  # a transfer waiting for its target to have room: not shown yet

    @property
    def pending(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True)
class Preview:
    """What the Interaction Preview shows for one offer."""

    offer: Offer
    interaction: Interaction
    case_fields: tuple[tuple[str, str, Any, str], ...]  # (key, label, value, kind)
    first_text: str
    may_reject: bool
    kind: str = "sms"  # data-kind: sms | mms | transfer | consult | callback
    from_name: str | None = None  # the colleague who sent a transfer or consultation
    # A routed offer after a transfer to a queue or routing point: who sent it where.
    transferred_by: str | None = None
    transferred_to: str | None = None

    @property
    def transfer_text(self) -> str | None:
        """"Transferred by Alice Anders to Sales SMS", or None for a first routing."""
        if self.transferred_by is None:
            return None
        where = f" to {self.transferred_to}" if self.transferred_to else ""
        return f"Transferred by {self.transferred_by}{where}"
