"""The SMS gateway seen from the domain: deliver text parts to a contact's number.

The default is a simulated gateway whose outbox the phone simulator and the tests read; a
real provider adapter implements the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class DeliveredPart:
    to: str
    sender: str
    text: str
    part: int
    parts: int
    encoding: str
    sent_at: datetime


class SmsGateway(Protocol):
    def send(
        self, to: str, sender: str, parts: list[str], encoding: str, at: datetime
    ) -> list[DeliveredPart]:
        """Deliver the parts in order; returns what was handed over."""
        ...


class Outbox(Protocol):
    """The simulated gateway's record of what it delivered."""

    def delivered(self, to: str | None = None, limit: int = 500) -> list[DeliveredPart]: ...
