"""Supervisor flags (seed: "To get help from a supervisor during an active messaging
session, click the flag icon and enter your message. You and your supervisor can exchange
messages that aren't visible to the customer. These messages appear in the conversation
transcript.").

Rules:
- Only the owner of an open interaction (active, wrap-up or expired) raises a flag, with a
  message of 1 to 500 characters; one raised flag per interaction at a time.
- While a flag is raised, every supervisor may view the interaction read-only (transcript
  and images, through a HandlingService viewer rule) and exchange internal messages with
  the owner (party ``internal``: stored in the transcript, never sent to the contact).
- The owner or any supervisor lowers it; who did it and when is recorded, and a system
  line says so in the transcript.
- Done lowers a raised flag by itself ("Flag lowered: the interaction was closed."), so no
  stale flag waits for a supervisor. A transfer leaves the flag raised: it travels with
  the interaction (a new owner sees it and may lower it). While the interaction waits in a
  queue (nobody owns it) the supervisors' list marks it closed; a supervisor can still
  lower it. Lowered flags stay in the history (:meth:`FlagService.history`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.agents import Agent
from domain.clock import Clock
from domain.events import EventPublisher, FlagChanged
from domain.handling import HandlingError, HandlingService
from domain.interactions import OWNED_STATES, Interaction, Message

log = logging.getLogger(__name__)
MAX_FLAG_MESSAGE = 500


class FlagError(HandlingError):
    """Something the agent or supervisor cannot do with a flag; the message says why."""


@dataclass(frozen=True)
class Flag:
    id: int
    interaction_id: str
    agent_id: int  # who raised it
    message: str
    raised_at: datetime
    lowered_at: datetime | None = None
    lowered_by: int | None = None

    @property
    def raised(self) -> bool:
        return self.lowered_at is None


@dataclass(frozen=True)
class FlagView:
    """One row of the supervisors' list: the flag, its interaction and who raised it."""

    flag: Flag
    interaction: Interaction
    agent_name: str

    @property
    def closed(self) -> bool:
        """Nobody handles the interaction any more (done, or back in a queue)."""
        return self.interaction.state not in OWNED_STATES


class FlagRepository(Protocol):
    def add(self, interaction_id: str, agent_id: int, message: str,
            at: datetime) -> Flag | None:
        """Store a raised flag, unless one is raised already on that interaction (then
        None). Atomic: of two agents/tabs raising at once, one wins."""
        ...

    def lower(self, flag_id: int, by: int, at: datetime) -> Flag | None:
        """Raised -> lowered, atomically; None if it was lowered already."""
        ...

    def current(self, interaction_id: str) -> Flag | None:
        """The raised flag of an interaction, if any."""
        ...

    def raised(self) -> list[tuple[Flag, Interaction]]:
        """Every raised flag with its interaction, oldest first."""
        ...

    def history(self, interaction_id: str) -> list[Flag]:
        """Every flag of an interaction, raised or lowered, oldest first."""
        ...


class AgentLookup(Protocol):
    def get(self, agent_id: int) -> Agent | None: ...


class FlagService:
    def __init__(
        self, repo: FlagRepository, handling: HandlingService, bus: EventPublisher,
        clock: Clock, agents: AgentLookup,
    ) -> None:
        self._repo = repo
        self._handling = handling
        self._bus = bus
        self._clock = clock
        self._agents = agents
        handling.add_viewer_rule(self._supervisor_may_view)
        handling.on_done(self._lower_on_done)

    # -- who may see ----------------------------------------------------------------------

    def _is_supervisor(self, agent_id: int) -> bool:
        agent = self._agents.get(agent_id)
        return bool(agent and agent.is_supervisor)

    def _supervisor_may_view(self, interaction: Interaction, agent_id: int) -> bool:
        return self._is_supervisor(agent_id) and self._repo.current(interaction.id) is not None

    def _name(self, agent_id: int | None) -> str:
        agent = self._agents.get(agent_id) if agent_id is not None else None
        return agent.display_name if agent else "An agent"

    # -- the agent's side -----------------------------------------------------------------

    def raise_flag(self, interaction_id: str, agent_id: int, message: str) -> Flag:
        """The owner asks a supervisor for help with ``message``."""
        interaction = self._handling.owned(interaction_id, agent_id)
        if interaction.state not in OWNED_STATES:
            raise FlagError("This interaction is closed.")
        message = " ".join(message.split())  # one short line in lists and transcripts
        if not message:
            raise FlagError("Type a message for your supervisor before raising the flag.")
        if len(message) > MAX_FLAG_MESSAGE:
            raise FlagError(f"A flag message can be at most {MAX_FLAG_MESSAGE} characters "
                            f"(this one has {len(message)}).")
        flag = self._repo.add(interaction_id, agent_id, message, self._clock.now())
        if flag is None:
            raise FlagError("A flag is already raised on this interaction.")
        self._handling.system_line(interaction_id,
                                   f"{self._name(agent_id)} raised a flag: {message}")
        self._bus.publish(FlagChanged(flag.id, interaction_id, agent_id, raised=True))
        return flag

    def flag_for(self, interaction_id: str) -> Flag | None:
        """The raised flag of an interaction, or None."""
        return self._repo.current(interaction_id)

    def history(self, interaction_id: str) -> list[Flag]:
        return self._repo.history(interaction_id)

    # -- both sides -----------------------------------------------------------------------

    def post(self, interaction_id: str, agent_id: int, text: str) -> Message:
        """An internal message between the owner and supervisors about a raised flag."""
        if self._repo.current(interaction_id) is None:
            raise FlagError("No flag is raised on this interaction.")
        return self._handling.post_internal(interaction_id, agent_id, text)

    def lower(self, interaction_id: str, agent_id: int) -> Flag:
        """The interaction's owner or any supervisor lowers the raised flag."""
        flag = self._repo.current(interaction_id)
        if flag is None:
            raise FlagError("No flag is raised on this interaction.")
        if not self._is_supervisor(agent_id):
            try:
                self._handling.owned(interaction_id, agent_id)
            except HandlingError:
                raise FlagError("Only the agent handling the interaction or a supervisor "
                                "can lower this flag.") from None
        return self._lower(flag, agent_id, f"Flag lowered by {self._name(agent_id)}.")

    def _lower(self, flag: Flag, agent_id: int, line: str) -> Flag:
        lowered = self._repo.lower(flag.id, agent_id, self._clock.now())
        if lowered is None:
            raise FlagError("The flag was lowered already.")
        self._handling.system_line(flag.interaction_id, line)
        self._bus.publish(FlagChanged(flag.id, flag.interaction_id, agent_id, raised=False))
        return lowered

    def _lower_on_done(self, interaction: Interaction) -> None:
        flag = self._repo.current(interaction.id)
        if flag is None:
            return
        by = interaction.owner_id if interaction.owner_id is not None else flag.agent_id
        try:
            self._lower(flag, by, "Flag lowered: the interaction was closed.")
        except FlagError:
            pass  # lowered by someone else meanwhile

    # -- the supervisors' side ------------------------------------------------------------

    def open_flags(self, supervisor_id: int) -> list[FlagView]:
        """Every raised flag, oldest first, for a supervisor."""
        if not self._is_supervisor(supervisor_id):
            raise FlagError("Only supervisors can see flags.")
        return [FlagView(flag, interaction, self._name(flag.agent_id))
                for flag, interaction in self._repo.raised()]

    def view(self, interaction_id: str, supervisor_id: int) -> FlagView:
        """One flagged interaction for a supervisor (raises if the flag is down)."""
        if not self._is_supervisor(supervisor_id):
            raise FlagError("Only supervisors can see flags.")
        flag = self._repo.current(interaction_id)
        if flag is None:
            raise FlagError("This flag was lowered.")
        interaction = self._handling.viewed(interaction_id, supervisor_id)
        return FlagView(flag, interaction, self._name(flag.agent_id))
