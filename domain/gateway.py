"""The SMS gateway seen from the domain: hand one SMS part at a time to a carrier.

Every text Parley sends goes through the outbox (domain/delivery.py): the reply is stored
with one delivery job per SMS part, and a worker hands each job to the configured gateway
through ``SmsGateway.submit``. Adapters (simulator, Kannel, Twilio) each live in their own
module and only translate: they never store, retry or decide. The carrier's later word on
a part (delivered, failed) comes back through ``DeliveryReports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class DeliveredPart:
    """One part the simulated gateway handed over (the simulator's outbox API)."""

    to: str
    sender: str
    text: str
    part: int
    parts: int
    encoding: str
    sent_at: datetime


@dataclass(frozen=True)
class OutboundPart:
    """One SMS part to hand to a carrier.

    ``job_id`` is stable across retries: adapters use it as the carrier's idempotency or
    correlation key (Kannel's ``dlr-url``, a Twilio status callback's query).
    ``encoding`` is Parley's own decision (domain/sms.py): ``GSM-7`` or ``UCS-2``.
    """

    job_id: str
    to: str
    sender: str
    text: str
    part: int
    parts: int
    encoding: str


class GatewayError(Exception):
    """The carrier did not take the part; ``reason`` is shown to the agent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GatewayUnavailable(GatewayError):
    """Transient and known not to have reached the carrier (connection refused, 5xx
    before acceptance, throttled): the outbox retries with backoff."""


class GatewayRejected(GatewayError):
    """Permanent: the carrier refused this part (bad number, auth, content). Not retried."""


class GatewayUncertain(GatewayError):
    """The request may have reached the carrier (timeout after sending, connection lost
    mid-answer). The outbox never resends such a part blindly."""


class SmsGateway(Protocol):
    name: str  # "simulator" | "kannel" | "twilio"

    def submit(self, part: OutboundPart, at: datetime) -> str:
        """Hand one part to the carrier; return the carrier's reference for it (a message
        id, or the job id where the carrier has none). Raises a ``GatewayError``."""
        ...

    def healthy(self) -> str | None:
        """None when the carrier answers, else a short reason for /api/v1/health."""
        ...


class DeliveryStatus(StrEnum):
    """What a carrier can report about a part after accepting it."""

    SENT = "sent"  # accepted / submitted to the SMSC / queued at the carrier
    DELIVERED = "delivered"  # the handset has it
    FAILED = "failed"  # undeliverable or rejected downstream (reason says why)


class DeliveryReports(Protocol):
    """Where adapters' webhooks (Kannel dlr-url, Twilio status callback) report to."""

    def report(
        self, *, status: DeliveryStatus, job_id: str | None = None,
        carrier_ref: str | None = None, reason: str | None = None,
    ) -> bool:
        """Record the carrier's word on a part, found by job id or carrier reference.
        Returns False when no such part is known. Never moves a state backwards
        (a late "sent" after "delivered" is ignored)."""
        ...


class Outbox(Protocol):
    """The simulated gateway's record of what it delivered."""

    def delivered(self, to: str | None = None, limit: int = 500) -> list[DeliveredPart]: ...
