"""Agent presence on the SMS channel: Ready, Not Ready (with a reason) or logged out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    LOGGED_OUT = "logged_out"


@dataclass(frozen=True)
class Presence:
    agent_id: int
    status: Status
    reason: str | None
    since: datetime

    @property
    def label(self) -> str:
        """What the status menu shows, e.g. ``Not Ready - Lunch``."""
        if self.status is Status.READY:
            return "Ready"
        if self.status is Status.LOGGED_OUT:
            return "Logged out"
        return f"Not Ready - {self.reason}" if self.reason else "Not Ready"

    @property
    def logged_in(self) -> bool:
        return self.status is not Status.LOGGED_OUT


class PresenceError(ValueError):
    """A status change the rules do not allow; the message is shown to the agent."""
