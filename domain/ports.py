"""What the domain needs from storage. Implementations live in ``storage/``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from domain.agents import Agent
from domain.case_data import CaseDataField
from domain.contacts import Contact
from domain.dispositions import DispositionCode
from domain.notifications import Level, Notification
from domain.presence import Presence, Status
from domain.queues import CentreNumber, Queue
from domain.standard_responses import StandardResponse


class AgentRepository(Protocol):
    def get(self, agent_id: int) -> Agent | None: ...

    def by_username(self, username: str) -> Agent | None: ...

    def password_hash(self, username: str) -> tuple[Agent, str] | None: ...

    def list(self) -> list[Agent]: ...

    def update_options(self, agent_id: int, **changes: Any) -> Agent: ...


class LoginAttempts(Protocol):
    """Failed-login bookkeeping per user name (known or not)."""

    def get(self, username: str) -> tuple[int, datetime | None, datetime | None]:
        """(consecutive failures, last failure time, locked until)."""
        ...

    def record_failure(
        self, username: str, at: datetime, locked_until: datetime | None
    ) -> int:
        """Count one more failure atomically and return the new count; a ``locked_until``
        of None leaves an existing lock in place (only :meth:`reset` lifts it)."""
        ...

    def reset(self, username: str) -> None: ...


class SessionRepository(Protocol):
    def create(self, agent_id: int, token_digest: str, at: datetime) -> None: ...

    def agent_for(self, token_digest: str) -> int | None: ...

    def end_all(self, agent_id: int) -> None: ...


class PresenceRepository(Protocol):
    def get(self, agent_id: int) -> Presence | None: ...

    def set(
        self, agent_id: int, status: Status, reason: str | None, since: datetime
    ) -> Presence: ...

    def all(self) -> list[Presence]: ...


class NotificationRepository(Protocol):
    def add(self, agent_id: int, text: str, level: Level, at: datetime) -> Notification: ...

    def recent(self, agent_id: int, limit: int) -> list[Notification]: ...

    def unread_count(self, agent_id: int) -> int: ...

    def mark_all_read(self, agent_id: int) -> None: ...


class DirectoryRepository(Protocol):
    """Read access to configured reference data."""

    def queues(self) -> list[Queue]: ...

    def centre_numbers(self) -> list[CentreNumber]: ...

    def contacts(self, limit: int = 100) -> list[Contact]: ...

    def contact_by_phone(self, number: str) -> Contact | None: ...

    def contact_id_by_phone(self, number: str) -> int | None:
        """Just the id (one indexed look-up: the inbound hot path needs no more)."""
        ...

    def disposition_codes(self) -> list[DispositionCode]: ...

    def standard_responses(self) -> list[StandardResponse]: ...

    def case_data_fields(self) -> list[CaseDataField]: ...
