"""The Team Communicator: search-as-you-type over internal targets (seed "Using the Team
Communicator feature to find an internal target").

Agents show their presence and capacity ("1 of 3 · 33%"); queues their estimated wait,
but only when enough offers were accepted there lately (Salesforce: at least 10 in the last
10 minutes); routing points and flows are targets like queues. Targets used lately come
first. Call is a telephone hand-off only (a ``tel:`` link or the configured dialer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from statistics import mean
from typing import Protocol

from domain.agents import Agent, Role
from domain.clock import Clock
from domain.ports import AgentRepository, DirectoryRepository
from domain.presence import Presence, Status
from domain.queues import TargetKind

MAX_RESULTS = 50


@dataclass(frozen=True)
class Target:
    kind: str  # agent | queue | routing_point | flow
    id: int
    name: str
    status: str = ""  # agents: Ready / Not Ready - Lunch / Logged out
    ready: bool = False
    load: int = 0
    capacity: int = 0
    wait_seconds: float | None = None  # queues with enough recent answers
    phone: str | None = None
    recent: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def capacity_text(self) -> str:
        if self.kind != "agent" or not self.capacity:
            return ""
        percent = round(100 * self.load / self.capacity)
        return f"{self.load} of {self.capacity} · {percent}%"

    @property
    def wait_text(self) -> str:
        if self.wait_seconds is None:
            return ""
        seconds = int(round(self.wait_seconds))
        if seconds < 60:
            return f"Estimated wait {seconds} s"
        return f"Estimated wait {seconds // 60} min {seconds % 60:02d} s"


class TeamRepository(Protocol):
    def recent_targets(self, agent_id: int, limit: int = 10) -> list[tuple[str, str]]: ...

    def loads(self) -> dict[int, int]: ...

    def accepted_waits(self, since: object) -> list[tuple[int | None, float]]: ...

    def agent_phones(self) -> dict[int, str]: ...


class PresenceList(Protocol):
    def all(self) -> list[Presence]: ...


class TeamCommunicator:
    def __init__(
        self, repo: TeamRepository, agents: AgentRepository, directory: DirectoryRepository,
        presence: PresenceList, clock: Clock, wait_sample_minutes: float = 10,
        wait_sample_minimum: int = 10,
    ) -> None:
        self._repo = repo
        self._agents = agents
        self._directory = directory
        self._presence = presence
        self._clock = clock
        self.wait_window = timedelta(minutes=wait_sample_minutes)
        self.wait_minimum = wait_sample_minimum
        # viewer id, agent -> may the viewer see this agent (lesson bots: their trainee only)
        self.agent_rules: list[Callable[[int, Agent], bool]] = []

    def targets(self, agent_id: int) -> list[Target]:
        """Every target this agent may pick, recent ones first, then Ready agents, then
        the rest by name."""
        presence = {p.agent_id: p for p in self._presence.all()}
        loads = self._repo.loads()
        phones = self._repo.agent_phones()
        recent = self._repo.recent_targets(agent_id)
        rank = {f"{kind}:{target}": i for i, (kind, target) in enumerate(recent)}
        found: list[Target] = []
        for agent in self._agents.list():
            if agent.id == agent_id or agent.role is Role.TRAINER:
                continue
            if not all(rule(agent_id, agent) for rule in self.agent_rules):
                continue
            found.append(self._agent_target(agent, presence.get(agent.id), loads, phones))
        waits = self._queue_waits()
        for queue in self._directory.queues():
            found.append(Target(queue.kind.value, queue.id, queue.name,
                                wait_seconds=waits.get(queue.id)
                                if queue.kind is TargetKind.QUEUE else None))
        found = [replace(t, recent=True) if t.key in rank else t for t in found]
        return sorted(found, key=lambda t: (rank.get(t.key, len(rank)), t.kind != "agent",
                                            not t.ready, t.name.casefold()))

    def search(self, agent_id: int, query: str) -> list[Target]:
        words = query.casefold().split()
        matches = [t for t in self.targets(agent_id)
                   if all(w in f"{t.name} {t.kind.replace('_', ' ')}".casefold()
                          for w in words)]
        return matches[:MAX_RESULTS]

    def _agent_target(
        self, agent: Agent, presence: Presence | None, loads: dict[int, int],
        phones: dict[int, str],
    ) -> Target:
        status = presence.label if presence else "Logged out"
        ready = presence is not None and presence.status is Status.READY
        return Target("agent", agent.id, agent.display_name, status=status, ready=ready,
                      load=loads.get(agent.id, 0), capacity=agent.options.sms_capacity,
                      phone=phones.get(agent.id))

    def _queue_waits(self) -> dict[int, float]:
        since = self._clock.now() - self.wait_window
        per_queue: dict[int, list[float]] = {}
        for queue_id, seconds in self._repo.accepted_waits(since):
            if queue_id is not None:
                per_queue.setdefault(queue_id, []).append(seconds)
        return {q: mean(w) for q, w in per_queue.items() if len(w) >= self.wait_minimum}
