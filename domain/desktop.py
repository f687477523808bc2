"""Services behind the agent's main window: presence, My Messages and preferences."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from domain.agents import Agent, clamp_zoom
from domain.clock import Clock
from domain.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    EventPublisher,
    NotificationAdded,
    NotificationsRead,
    PreferencesChanged,
    PresenceChanged,
)
from domain.notifications import Level, Notification
from domain.ports import AgentRepository, NotificationRepository, PresenceRepository
from domain.presence import Presence, PresenceError, Status

log = logging.getLogger(__name__)


class PresenceService:
    """The agent's SMS-channel status. Every change is stored with its time and published."""

    def __init__(
        self,
        repo: PresenceRepository,
        bus: EventPublisher,
        clock: Clock,
        not_ready_reasons: Sequence[str],
    ) -> None:
        self._repo = repo
        self._bus = bus
        self._clock = clock
        self.not_ready_reasons = tuple(not_ready_reasons)
        self._listeners: list[Callable[[int, Status], None]] = []

    def on_change(self, listener: Callable[[int, Status], None]) -> None:
        """Call ``listener(agent_id, status)`` after every change, in the caller's thread
        (routing uses this to offer work to a Ready agent or take offers back)."""
        self._listeners.append(listener)

    def get(self, agent_id: int) -> Presence:
        found = self._repo.get(agent_id)
        if found is None:
            return Presence(agent_id, Status.LOGGED_OUT, None, self._clock.now())
        return found

    def all(self) -> list[Presence]:
        return self._repo.all()

    def log_in(self, agent_id: int) -> Presence:
        """Logging in starts Not Ready; a reload or second tab keeps the current status."""
        current = self.get(agent_id)
        if current.logged_in:
            return current
        presence = self._change(agent_id, Status.NOT_READY, None)
        self._bus.publish(AgentLoggedIn(agent_id))
        return presence

    def set_ready(self, agent_id: int) -> Presence:
        self._require_logged_in(agent_id)
        return self._change(agent_id, Status.READY, None)

    def set_not_ready(self, agent_id: int, reason: str | None = None) -> Presence:
        self._require_logged_in(agent_id)
        if reason is not None and reason not in self.not_ready_reasons:
            raise PresenceError(f"'{reason}' is not a Not Ready reason here.")
        return self._change(agent_id, Status.NOT_READY, reason)

    def log_out(self, agent_id: int) -> Presence:
        was_logged_in = self.get(agent_id).logged_in
        presence = self._change(agent_id, Status.LOGGED_OUT, None)
        if was_logged_in:
            self._bus.publish(AgentLoggedOut(agent_id))
        return presence

    def _require_logged_in(self, agent_id: int) -> None:
        if not self.get(agent_id).logged_in:
            raise PresenceError("Log in before changing your status.")

    def _change(self, agent_id: int, status: Status, reason: str | None) -> Presence:
        current = self._repo.get(agent_id)
        if current and current.status is status and current.reason == reason:
            return current  # same status: keep its since-time (idle time counts from it)
        presence = self._repo.set(agent_id, status, reason, self._clock.now())
        self._bus.publish(PresenceChanged(agent_id, status.value, reason, presence.since))
        for listener in self._listeners:
            try:
                listener(agent_id, status)
            except Exception:  # the status is saved; routing retries on its next run
                log.exception("presence listener failed for agent %s", agent_id)
        return presence


class NotificationService:
    """My Messages: time-stamped notices with an unread count."""

    def __init__(self, repo: NotificationRepository, bus: EventPublisher, clock: Clock) -> None:
        self._repo = repo
        self._bus = bus
        self._clock = clock

    def notify(self, agent_id: int, text: str, level: Level = Level.INFO) -> Notification:
        note = self._repo.add(agent_id, text, level, self._clock.now())
        self._bus.publish(NotificationAdded(agent_id, note.id))
        return note

    def recent(self, agent_id: int, limit: int = 50) -> list[Notification]:
        return self._repo.recent(agent_id, limit)

    def unread_count(self, agent_id: int) -> int:
        return self._repo.unread_count(agent_id)

    def mark_all_read(self, agent_id: int) -> None:
        self._repo.mark_all_read(agent_id)
        self._bus.publish(NotificationsRead(agent_id))


class AgentService:
    """Agent look-ups and the preferences an agent may change for themself."""

    def __init__(self, repo: AgentRepository, bus: EventPublisher) -> None:
        self._repo = repo
        self._bus = bus

    def get(self, agent_id: int) -> Agent | None:
        return self._repo.get(agent_id)

    def list(self) -> list[Agent]:
        return self._repo.list()

    # Options an agent may change for themself; the rest are the administrator's.
    SELF_SERVICE = ("focus_preview", "preview_sound")

    def set_preference(self, agent_id: int, name: str, value: bool) -> Agent:
        if name not in self.SELF_SERVICE:
            raise ValueError(f"'{name}' is not a preference agents set themselves")
        agent = self._repo.update_options(agent_id, **{name: bool(value)})
        self._bus.publish(PreferencesChanged(agent_id, {name: bool(value)}))
        return agent

    def set_zoom(self, agent_id: int, zoom: int) -> Agent:
        agent = self._repo.update_options(agent_id, zoom=clamp_zoom(zoom))
        self._bus.publish(PreferencesChanged(agent_id, {"zoom": agent.options.zoom}))
        return agent
