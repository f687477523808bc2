"""In-memory stand-ins for the storage ports, so domain services can be tested alone.

Each fake keeps the behaviour the domain relies on (see ``storage/repositories.py``) and
nothing more. A few counters let tests prove that something did *not* happen.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.agents import Agent, Role
from domain.case_data import CaseDataField
from domain.contacts import Contact
from domain.dispositions import DispositionCode
from domain.events import Event
from domain.notifications import Level, Notification
from domain.presence import Presence, Status
from domain.queues import CentreNumber, Queue
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
        failures = self.get(username)[0] + 1
        self.rows[username] = (failures, at, locked_until)
        return failures

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
    def queues(self) -> list[Queue]:
        return []

    def centre_numbers(self) -> list[CentreNumber]:
        return []

    def contacts(self, limit: int = 100) -> list[Contact]:
        return []

    def contact_by_phone(self, number: str) -> Contact | None:
        return None

    def disposition_codes(self) -> list[DispositionCode]:
        return []

    def standard_responses(self) -> list[StandardResponse]:
        return []

    def case_data_fields(self) -> list[CaseDataField]:
        return []


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
