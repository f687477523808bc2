"""Handling an accepted interaction: reading its transcript and marking it Done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from domain.clock import Clock
from domain.events import EventPublisher, InteractionDone
from domain.interactions import Interaction, Message


class HandlingError(Exception):
    """Something the agent cannot do with this interaction; the message says why."""


class HandlingRepository(Protocol):
    def get(self, interaction_id: str) -> Interaction | None: ...

    def messages(self, interaction_id: str, limit: int | None = None) -> list[Message]: ...

    def finish(self, interaction_id: str, agent_id: int, at: datetime) -> Interaction | None:
        """Owned by this agent and not done -> done, atomically; None otherwise."""
        ...


class HandlingService:
    def __init__(self, repo: HandlingRepository, bus: EventPublisher, clock: Clock) -> None:
        self._repo = repo
        self._bus = bus
        self._clock = clock
        self._after_done: list[Callable[[Interaction], None]] = []

    def on_done(self, listener: Callable[[Interaction], None]) -> None:
        """Call ``listener(interaction)`` after an interaction is done (capacity frees)."""
        self._after_done.append(listener)

    def owned(self, interaction_id: str, agent_id: int) -> Interaction:
        interaction = self._repo.get(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise HandlingError("This interaction is not yours.")
        return interaction

    def transcript(self, interaction_id: str, agent_id: int) -> list[Message]:
        self.owned(interaction_id, agent_id)
        return self._repo.messages(interaction_id)

    def done(self, interaction_id: str, agent_id: int) -> Interaction:
        self.owned(interaction_id, agent_id)
        finished = self._repo.finish(interaction_id, agent_id, self._clock.now())
        if finished is None:
            raise HandlingError("This interaction is already closed.")
        self._bus.publish(InteractionDone(interaction_id, agent_id))
        for listener in self._after_done:
            listener(finished)
        return finished
