"""Outbound SMS (seed "Creating an Outbound SMS Interaction").

An agent whose role allows it (``AgentOptions.may_send_sms``, checked here on the server
whatever the page shows) sends one text-only SMS to a contact's number from a centre
number they choose. Outbound SMS is always page mode: the parts are delivered through the
gateway and the interaction is recorded as done in the contact's history. A reply from
the contact arrives later as an ordinary inbound interaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.agents import Agent
from domain.clock import Clock
from domain.contact_directory import ContactChanged, ContactError, normalise_phone
from domain.contacts import Contact
from domain.events import EventPublisher, InteractionDone, MessageSent, SmsDelivered
from domain.gateway import SmsGateway
from domain.handling import HandlingError, SendResult, sendable
from domain.interactions import Interaction, Message
from domain.queues import CentreNumber

MAX_REMEMBERED = 2_000  # request ids kept to refuse a second delivery of the same view


class OutboundRepository(Protocol):
    def record_outbound(
        self, agent_id: int, contact_id: int | None, to: str, centre_number: str,
        queue_id: int | None, text: str, system_text: str, at: datetime,
    ) -> tuple[Interaction, Message]: ...

    def get(self, contact_id: int) -> Contact | None: ...


class AgentLookup(Protocol):
    def get(self, agent_id: int) -> Agent | None: ...


class CentreNumbers(Protocol):
    def centre_numbers(self) -> list[CentreNumber]: ...


@dataclass(frozen=True)
class OutboundResult:
    interaction: Interaction
    send: SendResult


class OutboundService:
    def __init__(
        self, repo: OutboundRepository, agents: AgentLookup, directory: CentreNumbers,
        gateway: SmsGateway, bus: EventPublisher, clock: Clock, max_parts: int = 10,
        region: str = "US",
    ) -> None:
        self._repo = repo
        self._agents = agents
        self._directory = directory
        self._gateway = gateway
        self._bus = bus
        self._clock = clock
        self.max_parts = max_parts
        self.region = region
        self._used: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def may_send(self, agent_id: int) -> bool:
        agent = self._agents.get(agent_id)
        return bool(agent and agent.options.may_send_sms)

    def centre_numbers(self) -> list[CentreNumber]:
        """The numbers an outbound SMS can be sent from (the agent chooses one)."""
        return self._directory.centre_numbers()

    def send(
        self, agent_id: int, contact_id: int | None, to: str, centre_number: str, text: str,
        request_id: str | None = None,
    ) -> OutboundResult:
        """Deliver a new SMS and record it as a done outbound page-mode interaction.
        Raises HandlingError with a clear reason; nothing is sent or stored then."""
        agent = self._agents.get(agent_id)
        if agent is None or not agent.options.may_send_sms:
            raise HandlingError("Your role does not allow sending new SMS.")
        try:
            number = normalise_phone(to, self.region)
        except ContactError as exc:
            raise HandlingError(str(exc)) from None
        if contact_id is not None:
            contact = self._repo.get(contact_id)
            if contact is None:
                raise HandlingError("This contact no longer exists.")
            if all(p.number != number for p in contact.phones):
                raise HandlingError(f"{number} is not one of {contact.name}'s numbers.")
        centre = next((c for c in self._directory.centre_numbers()
                       if c.number == centre_number), None)
        if centre is None:
            raise HandlingError("Choose the centre number to send from.")
        text, split = sendable(text, self.max_parts)
        if request_id is not None:
            with self._lock:  # a double click or a second tab: delivered once
                if request_id in self._used:
                    raise HandlingError("This SMS was already sent.")
                self._used[request_id] = None
                while len(self._used) > MAX_REMEMBERED:
                    self._used.popitem(last=False)
        now = self._clock.now()
        try:
            self._gateway.send(number, centre.number, split.parts, split.encoding, now)
        except Exception:
            if request_id is not None:
                with self._lock:
                    self._used.pop(request_id, None)
            raise
        interaction, message = self._repo.record_outbound(
            agent_id, contact_id, number, centre.number, centre.queue_id, text,
            f"{agent.display_name} sent a new SMS from {centre.number}.", now)
        self._bus.publish(SmsDelivered(number, centre.number, split.count))
        self._bus.publish(MessageSent(interaction.id, agent_id, message.id))
        self._bus.publish(InteractionDone(interaction.id, agent_id, number))
        if contact_id is not None:
            self._bus.publish(ContactChanged(contact_id))
        return OutboundResult(interaction, SendResult(message, split, closed=True,
                                                      wrap_up=False))
