"""Instant SMS transfer and IM consultation (seeds "Starting an instant SMS transfer",
"Receiving a transferred SMS", "Transfer a Messaging Session").

Transfer to an agent: the target gets an invitation (an offer of kind ``transfer``); the
owner keeps the interaction until the target accepts, then it moves with its transcript,
notes and case data. A decline, no answer, or the target leaving Ready gives the owner an
error at the top of the window and in My Messages. Settings decide whether agents may
decline transfers (Genesys: yes; Salesforce: no, it completes when the target has room)
and what happens when the target is full (wait for room, or refuse at once).

Transfer to a queue or routing point: back to routing at once; it cannot be cancelled.

Consultation: the owner invites a colleague (an offer of kind ``consult``, which takes no
capacity); once accepted the consultant follows the transcript read-only and both
exchange internal messages, never sent to the contact. Either side ends it; the owner can
turn it into a transfer to the consultant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.agents import Agent
from domain.clock import Clock
from domain.events import (
    ConsultationChanged,
    EventPublisher,
    InteractionAccepted,
    InteractionQueued,
    InteractionTransferred,
    InteractionUpdated,
    InvitationFailed,
    OfferEnded,
    OfferMade,
)
from domain.interactions import OWNED_STATES, Interaction, Offer, OfferKind, OfferOutcome, State
from domain.notifications import Level
from domain.ports import AgentRepository, DirectoryRepository
from domain.presence import Presence, Status
from domain.queues import Queue, TargetKind
from domain.routing import RoutingError
from domain.scheduler import Deadline, Scheduler

log = logging.getLogger(__name__)
INVITATION_DEADLINE = "invitation"


class TransferError(RoutingError):
    """A transfer or consultation that cannot be done; the message is shown to the agent."""


@dataclass(frozen=True)
class Consultation:
    id: int
    interaction_id: str
    owner_id: int
    consultant_id: int
    offer_id: int | None
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: int | None = None

    @property
    def active(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    @property
    def pending(self) -> bool:
        return self.started_at is None and self.ended_at is None


@dataclass(frozen=True)
class PendingTransfer:
    """What the sender's window shows while a transfer waits."""

    offer: Offer
    target_name: str


class TransferRepository(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...

    def offer(self, offer_id: int) -> Offer | None: ...

    def pending_offers(self, agent_id: int | None = None) -> list[Offer]: ...

    def invitations_for(self, interaction_id: str) -> list[Offer]:
        """Pending (or waiting) transfer and consultation offers of an interaction."""
        ...

    def load(self, agent_id: int) -> int:
        """Owned interactions plus shown offers that will take capacity."""
        ...

    def create_invitation(
        self, interaction_id: str, to_agent_id: int, from_agent_id: int, kind: OfferKind,
        at: datetime, deadline: datetime, waiting: bool,
    ) -> Offer | None:
        """A new invitation; None if a pending one of the same kind exists already."""
        ...

    def show_waiting(self, offer_id: int, at: datetime, deadline: datetime) -> Offer | None:
        """A waiting transfer becomes a visible invitation; None if no longer waiting."""
        ...

    def settle(self, offer_id: int, outcome: OfferOutcome, at: datetime) -> Offer | None:
        """Pending -> outcome, atomically (the interaction is not touched)."""
        ...

    def complete_transfer(self, offer_id: int, at: datetime) -> Interaction | None:
        """Settle the transfer as accepted and make its target the owner, in one
        transaction, only while the sender still owns the open interaction."""
        ...

    def requeue(
        self, interaction_id: str, from_agent_id: int, queue_id: int, at: datetime
    ) -> Interaction | None:
        """Owned by ``from_agent_id`` and active -> queued in ``queue_id``; None otherwise."""
        ...

    def add_consultation(
        self, interaction_id: str, owner_id: int, consultant_id: int, offer_id: int,
        at: datetime,
    ) -> Consultation: ...

    def consultation(self, consultation_id: int) -> Consultation | None: ...

    def consultation_for_offer(self, offer_id: int) -> Consultation | None: ...

    def open_consultations(
        self, interaction_id: str | None = None, agent_id: int | None = None
    ) -> list[Consultation]:
        """Pending or active consultations, of an interaction or involving an agent."""
        ...

    def start_consultation(self, consultation_id: int, at: datetime) -> Consultation | None: ...

    def end_consultation(
        self, consultation_id: int, by: int | None, at: datetime
    ) -> Consultation | None:
        """Open -> ended, atomically; None if it had ended already."""
        ...

    def touch_recent(self, agent_id: int, kind: str, target_id: str, at: datetime) -> None: ...

    def recent_targets(self, agent_id: int, limit: int = 10) -> list[tuple[str, str]]:
        """(kind, target id), most recently used first."""
        ...

    def loads(self) -> dict[int, int]:
        """Owned interactions per agent."""
        ...

    def accepted_waits(self, since: datetime) -> list[tuple[int | None, float]]:
        """(queue id, seconds waited) of routing offers accepted since ``since``."""
        ...


class PresenceLookup(Protocol):
    def get(self, agent_id: int) -> Presence: ...

    def all(self) -> list[Presence]: ...


class Notifier(Protocol):
    def notify(self, agent_id: int, text: str, level: Level = Level.INFO) -> object: ...


class Handling(Protocol):
    """What transfers need of interaction handling."""

    def system_line(self, interaction_id: str, text: str) -> object: ...

    def note_activity(self, interaction_id: str, at: datetime | None = None) -> None: ...


class Routing(Protocol):
    def route(self, interaction_id: str) -> object: ...

    def route_waiting(self) -> int: ...


@dataclass(frozen=True)
class TransferPolicy:
    may_decline: bool = True  # Genesys: the target may reject; Salesforce: may not
    when_full: str = "wait"  # "wait" until the target has room, or "refuse" at once
    invitation_timeout_seconds: float = 30
    wait_sample_minutes: float = 10  # queue wait time: accepted offers in this window
    wait_sample_minimum: int = 10  # ... and only shown with at least this many


class TransferService:
    def __init__(
        self,
        repo: TransferRepository,
        agents: AgentRepository,
        directory: DirectoryRepository,
        presence: PresenceLookup,
        notifications: Notifier,
        handling: Handling,
        routing: Routing,
        scheduler: Scheduler,
        bus: EventPublisher,
        clock: Clock,
        policy: TransferPolicy | None = None,
    ) -> None:
        self._repo = repo
        self._agents = agents
        self._directory = directory
        self._presence = presence
        self._notifications = notifications
        self._handling = handling
        self._routing = routing
        self._scheduler = scheduler
        self._bus = bus
        self._clock = clock
        self.policy = policy or TransferPolicy()
        # Capacity is read, then used: one decision at a time in this process.
        self._lock = threading.RLock()
        self._accept_listeners: list[Callable[[str, int], None]] = []
        # Extra checks on a target: (interaction, target agent id) -> refusal text or None
        # (lessons keep training traffic between the trainee and the lesson's colleague).
        self.target_rules: list[Callable[[Interaction, int], str | None]] = []
        scheduler.on(INVITATION_DEADLINE, self._on_deadline)

    def on_transferred(self, listener: Callable[[str, int], None]) -> None:
        """Call ``listener(interaction_id, new_owner_id)`` after a transfer completes."""
        self._accept_listeners.append(listener)

    # -- checks ---------------------------------------------------------------------------

    def _owned_open(self, interaction_id: str, agent_id: int) -> Interaction:
        interaction = self._repo.get(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise TransferError("This interaction is not yours.")
        if interaction.state not in OWNED_STATES:
            raise TransferError("This interaction is closed.")
        return interaction

    def _agent(self, agent_id: int) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise TransferError("There is no such agent.")
        return agent

    def _name(self, agent_id: int | None) -> str:
        agent = self._agents.get(agent_id) if agent_id is not None else None
        return agent.display_name if agent else "An agent"

    def _timeout(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.policy.invitation_timeout_seconds)

    def _check_target(self, interaction: Interaction, target_id: int) -> None:
        for rule in self.target_rules:
            refusal = rule(interaction, target_id)
            if refusal:
                raise TransferError(refusal)

    def has_room(self, agent: Agent) -> bool:
        return self._repo.load(agent.id) < agent.options.sms_capacity

    # -- transfer to an agent -------------------------------------------------------------

    def transfer_to_agent(self, interaction_id: str, from_id: int, to_id: int) -> Offer:
        """Invite ``to_id`` to take over the interaction (or hand it over at once when
        agents may not decline). Returns the invitation."""
        interaction = self._owned_open(interaction_id, from_id)
        if interaction.state is not State.ACTIVE:
            raise TransferError("Only an active interaction can be transferred.")
        if to_id == from_id:
            raise TransferError("You cannot transfer an interaction to yourself.")
        target = self._agent(to_id)
        self._check_target(interaction, to_id)
        presence = self._presence.get(to_id)
        if presence.status is Status.LOGGED_OUT:
            raise TransferError(f"{target.display_name} is logged out.")
        if presence.status is not Status.READY:
            raise TransferError(f"{target.display_name} is not Ready for SMS.")
        with self._lock:
            if self.pending_transfer(interaction_id) is not None:
                raise TransferError("A transfer of this interaction is already waiting.")
            room = self.has_room(target)
            if not room and self.policy.when_full == "refuse":
                load = self._repo.load(to_id)
                raise TransferError(
                    f"{target.display_name} has no room for another interaction "
                    f"({load} of {target.options.sms_capacity}).")
            now = self._clock.now()
            deadline = self._timeout(now)
            offer = self._repo.create_invitation(
                interaction_id, to_id, from_id, OfferKind.TRANSFER, now, deadline,
                waiting=not room)
            if offer is None:
                raise TransferError("A transfer of this interaction is already waiting.")
        self._repo.touch_recent(from_id, "agent", str(to_id), now)
        self._bus.publish(InteractionUpdated(interaction_id, from_id, "transfer"))
        if offer.waiting:
            self._handling.system_line(
                interaction_id, f"Transfer to {target.display_name} is waiting for room.")
            return offer
        return self._present(offer)

    def _present(self, offer: Offer) -> Offer:
        """Show an invitation to its target, or complete it at once when transfers cannot
        be declined."""
        if offer.kind is OfferKind.TRANSFER and not self.policy.may_decline:
            self._complete(offer)
            return offer
        self._scheduler.schedule(INVITATION_DEADLINE, str(offer.id), offer.deadline)
        self._bus.publish(OfferMade(offer.id, offer.agent_id, offer.interaction_id))
        return offer

    def capacity_freed(self, agent_id: int | None = None) -> int:
        """Show transfers that were waiting for room, oldest first. Returns how many."""
        shown = 0
        with self._lock:
            waiting = [o for o in self._repo.pending_offers(agent_id) if o.waiting]
            for offer in waiting:
                target = self._agents.get(offer.agent_id)
                if target is None or not self.has_room(target):
                    continue
                if self._presence.get(offer.agent_id).status is not Status.READY:
                    continue
                now = self._clock.now()
                shown_offer = self._repo.show_waiting(offer.id, now, self._timeout(now))
                if shown_offer is not None:
                    self._present(shown_offer)
                    shown += 1
        return shown

    def pending_transfer(self, interaction_id: str) -> PendingTransfer | None:
        for offer in self._repo.invitations_for(interaction_id):
            if offer.kind is OfferKind.TRANSFER:
                return PendingTransfer(offer, self._name(offer.agent_id))
        return None

    def cancel_transfer(self, interaction_id: str, agent_id: int) -> None:
        """The sender takes back a transfer the target has not accepted yet."""
        self._owned_open(interaction_id, agent_id)
        pending = self.pending_transfer(interaction_id)
        if pending is None:
            raise TransferError("No transfer of this interaction is waiting.")
        self._end_invitation(pending.offer, OfferOutcome.WITHDRAWN, tell=False)
        self._handling.system_line(
            interaction_id, f"{self._name(agent_id)} cancelled the transfer to "
            f"{pending.target_name}.")

    def _complete(self, offer: Offer) -> Interaction:
        now = self._clock.now()
        moved = self._repo.complete_transfer(offer.id, now)
        if moved is None:
            raise TransferError("This interaction is no longer being transferred.")
        self._scheduler.cancel(INVITATION_DEADLINE, str(offer.id))
        sender, target = self._name(offer.from_agent_id), self._name(offer.agent_id)
        self._handling.system_line(offer.interaction_id,
                                   f"{sender} transferred the interaction to {target}.")
        if moved.mode.value == "session":
            self._handling.note_activity(offer.interaction_id, now)
        self._bus.publish(OfferEnded(offer.id, offer.agent_id, offer.interaction_id,
                                     OfferOutcome.ACCEPTED.value))
        from_id = offer.from_agent_id or 0
        self._end_consultations(offer.interaction_id, None, f"{target} took over the "
                                "interaction; the consultation ended.")
        self._bus.publish(InteractionTransferred(offer.interaction_id, from_id, offer.agent_id))
        self._bus.publish(InteractionAccepted(offer.interaction_id, offer.agent_id))
        label = moved.contact_label
        self._notifications.notify(from_id, f"{target} accepted the transfer of {label}.")
        if not self.policy.may_decline:
            self._notifications.notify(offer.agent_id, f"{sender} transferred {label} to you.")
        for listener in self._accept_listeners:
            try:
                listener(offer.interaction_id, offer.agent_id)
            except Exception:
                log.exception("transfer listener failed for %s", offer.interaction_id)
        self._after_capacity_change(from_id)
        return moved

    def _after_capacity_change(self, agent_id: int) -> None:
        """The sender has room again: waiting transfers to them, then queued work."""
        self.capacity_freed(agent_id)
        self._routing.route_waiting()

    # -- transfer to a queue or routing point ---------------------------------------------

    def transfer_to_queue(self, interaction_id: str, from_id: int, queue_id: int) -> Interaction:
        interaction = self._owned_open(interaction_id, from_id)
        if interaction.state is not State.ACTIVE:
            raise TransferError("Only an active interaction can be transferred.")
        queue = next((q for q in self._directory.queues() if q.id == queue_id), None)
        if queue is None:
            raise TransferError("There is no such queue or routing point.")
        for offer in self._repo.invitations_for(interaction_id):
            self._end_invitation(offer, OfferOutcome.WITHDRAWN, tell=False)
        now = self._clock.now()
        moved = self._repo.requeue(interaction_id, from_id, queue.id, now)
        if moved is None:
            raise TransferError("This interaction can no longer be transferred.")
        sender = self._name(from_id)
        self._handling.system_line(
            interaction_id, f"{sender} transferred the interaction to {describe(queue)}.")
        self._end_consultations(interaction_id, None, "The interaction went back to routing; "
                                "the consultation ended.")
        self._repo.touch_recent(from_id, queue.kind.value, str(queue.id), now)
        self._notifications.notify(
            from_id, f"You transferred {interaction.contact_label} to {describe(queue)}.")
        self._bus.publish(InteractionTransferred(interaction_id, from_id, to_queue_id=queue.id))
        self._bus.publish(InteractionQueued(interaction_id, interaction.contact_number))
        self._routing.route(interaction_id)
        self._after_capacity_change(from_id)
        return moved

    # -- consultation ---------------------------------------------------------------------

    def consult(self, interaction_id: str, owner_id: int, consultant_id: int) -> Consultation:
        interaction = self._owned_open(interaction_id, owner_id)
        if consultant_id == owner_id:
            raise TransferError("You cannot consult yourself.")
        consultant = self._agent(consultant_id)
        self._check_target(interaction, consultant_id)
        if self._presence.get(consultant_id).status is Status.LOGGED_OUT:
            raise TransferError(f"{consultant.display_name} is logged out.")
        now = self._clock.now()
        with self._lock:
            if self._repo.open_consultations(interaction_id=interaction_id):
                raise TransferError("A consultation on this interaction is already open. "
                                    "End it first.")
            offer = self._repo.create_invitation(
                interaction_id, consultant_id, owner_id, OfferKind.CONSULT, now,
                self._timeout(now), waiting=False)
            if offer is None:
                raise TransferError("A consultation on this interaction is already open.")
            consultation = self._repo.add_consultation(
                interaction_id, owner_id, consultant_id, offer.id, now)
        self._repo.touch_recent(owner_id, "agent", str(consultant_id), now)
        self._bus.publish(InteractionUpdated(interaction_id, owner_id, "consult"))
        self._present(offer)
        return consultation

    def consultations(self, agent_id: int) -> list[Consultation]:
        """Open consultations this agent takes part in (as owner or consultant)."""
        return self._repo.open_consultations(agent_id=agent_id)

    def consulting(self, agent_id: int) -> list[tuple[Consultation, Interaction]]:
        """Active consultations where this agent is the one consulted, with what about."""
        found = []
        for c in self._repo.open_consultations(agent_id=agent_id):
            if c.consultant_id == agent_id and c.active:
                interaction = self._repo.get(c.interaction_id)
                if interaction is not None:
                    found.append((c, interaction))
        return found

    def consultation_of(self, interaction_id: str) -> Consultation | None:
        found = self._repo.open_consultations(interaction_id=interaction_id)
        return found[0] if found else None

    def is_consultant(self, interaction: Interaction, agent_id: int) -> bool:
        """Viewer rule: an active consultant may follow the interaction."""
        return any(c.consultant_id == agent_id and c.active
                   for c in self._repo.open_consultations(interaction_id=interaction.id))

    def end_consultation(self, consultation_id: int, agent_id: int) -> Consultation:
        consultation = self._repo.consultation(consultation_id)
        if consultation is None or agent_id not in (consultation.owner_id,
                                                    consultation.consultant_id):
            raise TransferError("This consultation is not yours.")
        if consultation.offer_id is not None and consultation.pending:
            offer = self._repo.offer(consultation.offer_id)
            if offer is not None and offer.pending:
                self._end_invitation(offer, OfferOutcome.WITHDRAWN, tell=False)
                ended = self._repo.consultation(consultation_id)
                return ended or consultation
        ended = self._repo.end_consultation(consultation_id, agent_id, self._clock.now())
        if ended is None:
            raise TransferError("This consultation has already ended.")
        self._handling.system_line(
            ended.interaction_id,
            f"{self._name(agent_id)} ended the consultation with "
            f"{self._name(ended.consultant_id if agent_id == ended.owner_id else ended.owner_id)}.")
        self._publish_consultation(ended, f"{self._name(agent_id)} ended the consultation.")
        return ended

    def consult_to_transfer(self, consultation_id: int, agent_id: int) -> Offer:
        """The owner hands the interaction to the colleague they are consulting."""
        consultation = self._repo.consultation(consultation_id)
        if consultation is None or consultation.owner_id != agent_id:
            raise TransferError("Only the owner can transfer the interaction.")
        offer = self.transfer_to_agent(consultation.interaction_id, agent_id,
                                       consultation.consultant_id)
        return offer

    def _publish_consultation(self, c: Consultation, reason: str = "") -> None:
        self._bus.publish(ConsultationChanged(c.id, c.interaction_id, c.owner_id,
                                              c.consultant_id, c.active, reason))
        self._bus.publish(InteractionUpdated(c.interaction_id, c.owner_id, "consult"))

    def _end_consultations(self, interaction_id: str, by: int | None, line: str) -> None:
        for consultation in self._repo.open_consultations(interaction_id=interaction_id):
            if consultation.pending and consultation.offer_id is not None:
                offer = self._repo.offer(consultation.offer_id)
                if offer is not None and offer.pending:
                    self._end_invitation(offer, OfferOutcome.WITHDRAWN, tell=False)
                    continue
            ended = self._repo.end_consultation(consultation.id, by, self._clock.now())
            if ended is not None:
                self._handling.system_line(interaction_id, line)
                self._publish_consultation(ended, line)

    # -- the target's answer (called by routing for non-routing offers) ----------------

    def accept(self, offer: Offer, agent_id: int) -> Offer:
        if offer.agent_id != agent_id:
            raise TransferError("This invitation is not for you.")
        if offer.kind is OfferKind.TRANSFER:
            with self._lock:
                self._complete(offer)
        else:
            settled = self._repo.settle(offer.id, OfferOutcome.ACCEPTED, self._clock.now())
            if settled is None:
                raise TransferError("This invitation is no longer open.")
            self._scheduler.cancel(INVITATION_DEADLINE, str(offer.id))
            self._bus.publish(OfferEnded(offer.id, agent_id, offer.interaction_id,
                                         OfferOutcome.ACCEPTED.value))
            consultation = self._repo.consultation_for_offer(offer.id)
            started = (self._repo.start_consultation(consultation.id, self._clock.now())
                       if consultation else None)
            if started is None:
                raise TransferError("The consultation was ended before you accepted.")
            self._handling.system_line(
                offer.interaction_id,
                f"{self._name(agent_id)} joined a consultation with "
                f"{self._name(started.owner_id)}.")
            self._publish_consultation(started)
        return self._repo.offer(offer.id) or offer

    def reject(self, offer: Offer, agent_id: int) -> Offer:
        if offer.agent_id != agent_id:
            raise TransferError("This invitation is not for you.")
        if offer.kind is OfferKind.TRANSFER and not self.policy.may_decline:
            raise TransferError("Transfers cannot be declined here.")
        return self._end_invitation(offer, OfferOutcome.REJECTED)

    def withdraw(self, offer: Offer, status: Status) -> None:
        """The target left Ready (a transfer) or logged out (any invitation)."""
        if offer.kind is OfferKind.CONSULT and status is not Status.LOGGED_OUT:
            return  # a consultation needs no capacity: Not Ready agents may still help
        try:
            self._end_invitation(offer, OfferOutcome.WITHDRAWN)
        except TransferError:
            pass

    def _on_deadline(self, deadline: Deadline) -> None:
        offer = self._repo.offer(int(deadline.ref))
        if offer is None or not offer.pending or offer.waiting:
            return
        try:
            self._end_invitation(offer, OfferOutcome.TIMEOUT)
        except TransferError:
            pass  # answered at the same moment

    def _end_invitation(self, offer: Offer, outcome: OfferOutcome, tell: bool = True) -> Offer:
        settled = self._repo.settle(offer.id, outcome, self._clock.now())
        if settled is None:
            raise TransferError("This invitation is no longer open.")
        self._scheduler.cancel(INVITATION_DEADLINE, str(offer.id))
        self._bus.publish(OfferEnded(offer.id, offer.agent_id, offer.interaction_id,
                                     outcome.value))
        if offer.kind is OfferKind.CONSULT:
            consultation = self._repo.consultation_for_offer(offer.id)
            if consultation is not None:
                ended = self._repo.end_consultation(consultation.id, None, self._clock.now())
                if ended is not None:
                    self._publish_consultation(ended)
        from_id = offer.from_agent_id
        failed = tell and from_id is not None and outcome is not OfferOutcome.ACCEPTED
        about = self._repo.get(offer.interaction_id)
        reason = failure_text(offer.kind, self._name(offer.agent_id), outcome,
                              about.contact_label if about else "the contact")
        if failed and offer.kind is OfferKind.TRANSFER:
            self._handling.system_line(offer.interaction_id, reason)  # before windows redraw
        if from_id is not None:
            self._bus.publish(InteractionUpdated(offer.interaction_id, from_id, offer.kind.value))
        if failed and from_id is not None:
            self._notifications.notify(from_id, reason, Level.WARNING)
            self._bus.publish(InvitationFailed(offer.interaction_id, from_id, reason,
                                               offer.kind.value))
        return settled

    # -- the sender closed or lost the interaction ---------------------------------------

    def interaction_closed(self, interaction: Interaction) -> None:
        """Done (or expired and closed): pending invitations and consultations end."""
        for offer in self._repo.invitations_for(interaction.id):
            try:
                self._end_invitation(offer, OfferOutcome.WITHDRAWN, tell=False)
            except TransferError:
                pass
        self._end_consultations(interaction.id, None, "The interaction was closed; the "
                                "consultation ended.")


def describe(queue: Queue) -> str:
    if queue.kind is TargetKind.ROUTING_POINT:
        return f"the routing point {queue.name}"
    if queue.kind is TargetKind.FLOW:
        return f"the flow {queue.name}"
    return f"the queue {queue.name}"


def failure_text(kind: OfferKind, target: str, outcome: OfferOutcome, contact: str) -> str:
    """Why an invitation failed, naming the colleague and the contact it was about."""
    what = (f"the transfer of {contact}" if kind is OfferKind.TRANSFER
            else f"the consultation about {contact}")
    if outcome is OfferOutcome.REJECTED:
        return f"{target} declined {what}."
    if outcome is OfferOutcome.TIMEOUT:
        return f"{target} did not answer {what} in time."
    return f"{target} is no longer available: {what} was cancelled."
