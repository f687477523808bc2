"""Routing: offer each queued interaction to one Ready agent at a time.

Rules (issue "Inbound"):
- candidates are Ready agents with free SMS capacity; the longest idle goes first;
- an offer has a deadline: no answer moves it to the next agent; a rejection too;
- an agent who refused it recently is not offered it again unless nobody else can take it;
- nobody Ready: it waits, and is offered as soon as someone becomes Ready;
- going Not Ready or logging out withdraws pending offers and re-routes them;
- owning is decided by one conditional update in storage, so two agents never both own it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.agents import Agent, AutoAnswer
from domain.clock import Clock
from domain.events import (
    EventPublisher,
    InteractionAccepted,
    OfferEnded,
    OfferMade,
)
from domain.interactions import (
    Interaction,
    Message,
    Offer,
    OfferKind,
    OfferOutcome,
    Preview,
    State,
)
from domain.ports import AgentRepository, DirectoryRepository
from domain.presence import Status
from domain.scheduler import Deadline, Scheduler

log = logging.getLogger(__name__)
OFFER_DEADLINE = "offer"


class RoutingError(Exception):
    """An offer action that cannot be done; the message is shown to the agent."""


@dataclass(frozen=True)
class Candidate:
    agent: Agent
    load: int  # owned interactions plus pending offers
    idle_since: datetime


class InvitationHandler(Protocol):
    """Answers to offers that are not routing offers (transfers, consultations)."""

    def accept(self, offer: Offer, agent_id: int) -> Offer: ...

    def reject(self, offer: Offer, agent_id: int) -> Offer: ...

    def withdraw(self, offer: Offer, status: Status) -> None: ...


class RoutingRepository(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...

    def queued(self, limit: int = 200) -> list[Interaction]: ...

    def candidates(self) -> list[Candidate]:
        """Ready agents with free capacity and when each became idle."""
        ...

    def refusals_since(self, interaction_id: str, since: datetime) -> set[int]:
        """Agents who rejected or let this interaction time out since ``since``."""
        ...

    def create_offer(
        self, interaction_id: str, agent_id: int, at: datetime, deadline: datetime, auto: bool
    ) -> Offer | None:
        """Queued -> offered, atomically; None if it was no longer queued."""
        ...

    def decide(self, offer_id: int, outcome: OfferOutcome, at: datetime) -> Offer | None:
        """Settle a pending offer, atomically: accepted makes its agent the owner; any
        other outcome puts the interaction back in the queue. None if already settled."""
        ...

    def offer(self, offer_id: int) -> Offer | None: ...

    def pending_offers(self, agent_id: int | None = None) -> list[Offer]: ...

    def owned(self, agent_id: int) -> list[Interaction]: ...

    def messages(self, interaction_id: str, limit: int | None = None) -> list[Message]:
        """Oldest first."""
        ...


class RoutingService:
    def __init__(
        self,
        repo: RoutingRepository,
        agents: AgentRepository,
        directory: DirectoryRepository,
        scheduler: Scheduler,
        bus: EventPublisher,
        clock: Clock,
        offer_timeout_seconds: float = 30,
        reject_cooldown_seconds: float = 120,
    ) -> None:
        self._repo = repo
        self._agents = agents
        self._directory = directory
        self._scheduler = scheduler
        self._bus = bus
        self._clock = clock
        self.offer_timeout = timedelta(seconds=offer_timeout_seconds)
        self.reject_cooldown = timedelta(seconds=reject_cooldown_seconds)
        # One routing decision at a time in this process (capacity is read then used).
        self._lock = threading.RLock()
        scheduler.on(OFFER_DEADLINE, self._on_deadline)
        self._accept_listeners: list[Callable[[Offer], None]] = []
        self._invitations: InvitationHandler | None = None
        self._offer_rules: list[Callable[[Interaction, Agent], bool]] = []

    def add_offer_rule(self, rule: Callable[[Interaction, Agent], bool]) -> None:
        """Only agents every rule admits are offered an interaction (lessons use this)."""
        self._offer_rules.append(rule)

    def handle_invitations(self, handler: InvitationHandler) -> None:
        """Who answers transfer and consultation offers (the preview accepts them all)."""
        self._invitations = handler

    def on_accept(self, listener: Callable[[Offer], None]) -> None:
        """Call ``listener(offer)`` when an agent becomes an interaction's owner."""
        self._accept_listeners.append(listener)

    # -- offering -------------------------------------------------------------------------

    def route(self, interaction_id: str) -> Offer | None:
        """Offer a queued interaction to the best free agent; None if it must wait."""
        with self._lock:
            candidates = self._repo.candidates()  # nobody free is the common cheap exit
            if not candidates:
                return None
            interaction = self._repo.get(interaction_id)
            if interaction is None or interaction.state is not State.QUEUED:
                return None
            if interaction.target_agent_id is not None:  # e.g. a callback "for me"
                candidates = [c for c in candidates if c.agent.id == interaction.target_agent_id]
                if not candidates:
                    return None
            if self._offer_rules:
                candidates = [c for c in candidates
                              if all(rule(interaction, c.agent) for rule in self._offer_rules)]
                if not candidates:
                    return None
            now = self._clock.now()
            refusers = self._repo.refusals_since(interaction_id, now - self.reject_cooldown)
            if interaction.previous_owner_id is not None:
                refusers.add(interaction.previous_owner_id)  # sent it away: others first
            pool = [c for c in candidates if c.agent.id not in refusers] or candidates
            idle = self._idle_since(pool)
            pick = min(pool, key=lambda c: (idle[c.agent.id], c.load, c.agent.id))
            options = pick.agent.options
            if options.auto_answer is AutoAnswer.AUTO_PREVIEW:
                deadline = now + timedelta(seconds=max(1, options.auto_answer_seconds))
            elif options.auto_answer is AutoAnswer.AUTO:
                deadline = now
            else:
                deadline = now + self.offer_timeout
            auto = options.auto_answer is not AutoAnswer.MANUAL
            offer = self._repo.create_offer(interaction_id, pick.agent.id, now, deadline, auto)
            if offer is None:
                return None
            # Auto-answer too: its deadline (now) is what opens it if the process stops
            # before the accept below; the accept cancels it.
            self._scheduler.schedule(OFFER_DEADLINE, str(offer.id), deadline)
        self._bus.publish(OfferMade(offer.id, offer.agent_id, interaction_id))
        if options.auto_answer is AutoAnswer.AUTO:
            try:
                self._settle(offer.id, OfferOutcome.ACCEPTED)
            except RoutingError:
                pass  # settled meanwhile (the agent went Not Ready at this very moment)
        return offer

    def _idle_since(self, pool: list[Candidate]) -> dict[int, datetime]:
        """When each candidate last became idle. An offer waiting for an answer is work
        given too: without this, a burst would stack every preview on the agent idle
        longest (up to their capacity) while the other Ready agents got nothing."""
        idle = {c.agent.id: c.idle_since for c in pool}
        if any(c.load for c in pool):
            for offer in self._repo.pending_offers():
                if offer.agent_id in idle and offer.offered_at > idle[offer.agent_id]:
                    idle[offer.agent_id] = offer.offered_at
        return idle

    def route_waiting(self) -> int:
        """Offer waiting interactions, oldest first, while agents are free. Returns offers."""
        made = 0
        for interaction in self._repo.queued():
            if self.route(interaction.id):
                made += 1
            elif not self._repo.candidates():
                break
        return made

    # -- the agent's answer ---------------------------------------------------------------

    def accept(self, offer_id: int, agent_id: int) -> Offer:
        offer = self._own_pending(offer_id, agent_id)
        if offer.kind is not OfferKind.ROUTE:
            return self._invitation_handler().accept(offer, agent_id)
        return self._settle(offer_id, OfferOutcome.ACCEPTED, missing="This interaction is no "
                            "longer offered to you.")

    def reject(self, offer_id: int, agent_id: int) -> Offer:
        offer = self._own_pending(offer_id, agent_id)
        if offer.kind is not OfferKind.ROUTE:
            return self._invitation_handler().reject(offer, agent_id)
        agent = self._agents.get(agent_id)
        if offer.auto_answer and agent is not None and not agent.options.may_reject:
            raise RoutingError("You may not reject this interaction.")
        return self._settle(offer_id, OfferOutcome.REJECTED, missing="This interaction is no "
                            "longer offered to you.")

    def _invitation_handler(self) -> InvitationHandler:
        if self._invitations is None:
            raise RoutingError("Transfers are not available.")
        return self._invitations

    def withdraw(self, agent_id: int, status: Status = Status.NOT_READY) -> int:
        """The agent went Not Ready or logged out: their pending offers go to others."""
        count = 0
        for offer in self._repo.pending_offers(agent_id):
            if offer.kind is not OfferKind.ROUTE:
                if self._invitations is not None:
                    self._invitations.withdraw(offer, status)
                continue
            try:
                self._settle(offer.id, OfferOutcome.WITHDRAWN)
                count += 1
            except RoutingError:
                pass
        return count

    def on_presence(self, agent_id: int, status: Status) -> None:
        if status is Status.READY:
            self.route_waiting()
        else:
            self.withdraw(agent_id, status)

    def resume(self) -> int:
        """After a restart: pending offers keep their stored deadlines; route the rest."""
        return self.route_waiting()

    def _own_pending(self, offer_id: int, agent_id: int) -> Offer:
        offer = self._repo.offer(offer_id)
        if offer is None or offer.agent_id != agent_id:
            raise RoutingError("This interaction is not offered to you.")
        if not offer.pending or offer.waiting:
            raise RoutingError("This interaction is no longer offered to you.")
        return offer

    def _settle(self, offer_id: int, outcome: OfferOutcome, missing: str = "") -> Offer:
        with self._lock:
            offer = self._repo.decide(offer_id, outcome, self._clock.now())
        if offer is None:
            raise RoutingError(missing or "This offer was already settled.")
        self._scheduler.cancel(OFFER_DEADLINE, str(offer_id))
        self._bus.publish(OfferEnded(offer.id, offer.agent_id, offer.interaction_id, outcome))
        if outcome is OfferOutcome.ACCEPTED:
            for listener in self._accept_listeners:
                try:
                    listener(offer)
                except Exception:
                    log.exception("accept listener failed for offer %s", offer.id)
            self._bus.publish(InteractionAccepted(offer.interaction_id, offer.agent_id))
        else:
            self.route(offer.interaction_id)
        return offer

    def _on_deadline(self, deadline: Deadline) -> None:
        offer = self._repo.offer(int(deadline.ref))
        if offer is None or not offer.pending:
            return
        outcome = OfferOutcome.ACCEPTED if offer.auto_answer else OfferOutcome.TIMEOUT
        try:
            self._settle(offer.id, outcome)
        except RoutingError:
            pass  # answered at the same moment

    # -- what the desktop shows -----------------------------------------------------------

    def previews(self, agent_id: int) -> list[Preview]:
        """Every offer waiting for this agent's answer, oldest first."""
        return [p for o in self._repo.pending_offers(agent_id)
                if not o.waiting and (p := self.preview(o.id))]

    def preview(self, offer_id: int) -> Preview | None:
        offer = self._repo.offer(offer_id)
        if offer is None or not offer.pending or offer.waiting:
            return None
        interaction = self._repo.get(offer.interaction_id)
        if interaction is None:
            return None
        agent = self._agents.get(offer.agent_id)
        fields = tuple(
            (f.key, f.label, interaction.case_data[f.key], f.kind.value)
            for f in self._directory.case_data_fields()
            if f.key in interaction.case_data
        )
        first = self.first_text(interaction.id)
        may_reject = agent is not None and (not offer.auto_answer or agent.options.may_reject)
        kind = offer.kind.value if offer.kind is not OfferKind.ROUTE else interaction.channel.value
        sender = self._agents.get(offer.from_agent_id) if offer.from_agent_id else None
        by, to = self._transfer_context(offer, interaction)
        return Preview(offer, interaction, fields, first, may_reject, kind,
                       sender.display_name if sender else None,
                       transferred_by=by, transferred_to=to)

    def _transfer_context(
        self, offer: Offer, interaction: Interaction
    ) -> tuple[str | None, str | None]:
        """Who sent a routed interaction back to routing, and to which queue or routing
        point (a transfer to a queue); (None, None) for a first routing."""
        if offer.kind is not OfferKind.ROUTE or interaction.previous_owner_id is None:
            return None, None
        sender = self._agents.get(interaction.previous_owner_id)
        queue = next((q for q in self._directory.queues() if q.id == interaction.queue_id),
                     None)
        return (sender.display_name if sender else "An agent",
                queue.name if queue else None)

    def first_text(self, interaction_id: str) -> str:
        messages = self._repo.messages(interaction_id, limit=1)
        return messages[0].text if messages else ""

    def owned(self, agent_id: int) -> list[Interaction]:
        return self._repo.owned(agent_id)

    def transcript(self, interaction_id: str, agent_id: int) -> list[Message]:
        """The messages of an interaction, for the agent who owns it."""
        interaction = self._repo.get(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise RoutingError("This interaction is not yours.")
        return self._repo.messages(interaction_id)
