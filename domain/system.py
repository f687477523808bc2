"""The set of services one running Parley holds; ``main.py`` builds it, pages receive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.auth import AuthService
from domain.callbacks import CallbackService
from domain.clock import Clock, OffsetClock
from domain.contact_directory import ContactService
from domain.desktop import AgentService, NotificationService, PresenceService
from domain.events import ClockAdvanced, EventBus
from domain.flags import FlagService
from domain.gateway import Outbox, SmsGateway
from domain.handling import HandlingService
from domain.health import HealthCheck
from domain.inbound import InboundService
from domain.lessons import LessonEngine
from domain.outbound import OutboundService
from domain.ports import DirectoryRepository
from domain.routing import RoutingService
from domain.scheduler import Scheduler
from domain.settings import Settings
from domain.spell_check import SpellCheckService
from domain.team_communicator import TeamCommunicator
from domain.transfers import TransferService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    bus: EventBus
    scheduler: Scheduler
    auth: AuthService
    presence: PresenceService
    notifications: NotificationService
    agents: AgentService
    directory: DirectoryRepository
    routing: RoutingService
    handling: HandlingService
    inbound: InboundService
    gateway: SmsGateway
    outbox: Outbox
    media: Any  # storage's media store: read(media_id) -> bytes
    spell_check: SpellCheckService
    transfers: TransferService
    team: TeamCommunicator
    flags: FlagService
    health: HealthCheck
    callbacks: CallbackService | None = None
    contacts: ContactService = field(default=None)  # type: ignore[assignment]
    outbound: OutboundService = field(default=None)  # type: ignore[assignment]
    lessons: LessonEngine | None = None

    def log_out(self, agent_id: int) -> None:
        """Leave the SMS channel and end every browser session of this agent."""
        self.presence.log_out(agent_id)
        self.auth.end_sessions(agent_id)

    def advance_clock(self, seconds: float) -> int:
        """Test mode: move time forward and fire what fell due. Returns how many fired."""
        if not isinstance(self.clock, OffsetClock):
            raise RuntimeError("the clock can only be moved in test mode")
        now = self.clock.advance(seconds)
        fired = self.scheduler.run_due()
        self.bus.publish(ClockAdvanced(now))
        return fired
