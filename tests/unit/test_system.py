"""The Services bundle: test-mode clock control and logging an agent out everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from domain.auth import AuthService
from domain.clock import Clock, FakeClock, OffsetClock
from domain.desktop import AgentService, NotificationService, PresenceService
from domain.events import ClockAdvanced, Event, EventBus
from domain.presence import Status
from domain.scheduler import Deadline, Scheduler
from domain.settings import Settings
from domain.system import Services

from .fakes import (
    FakeAgentRepository,
    FakeDeadlineStore,
    FakeDirectoryRepository,
    FakeHasher,
    FakeLoginAttempts,
    FakeNotificationRepository,
    FakePresenceRepository,
    FakeSessionRepository,
)


@dataclass
class Built:
    services: Services
    events: list[Event]
    fired: list[Deadline]


def build(clock: Clock, tmp_path: Path) -> Built:
    settings = Settings(
        data_dir=tmp_path,
        database_url="sqlite://",
        host="127.0.0.1",
        port=8080,
        api_token="t",
        demo=False,
        test_mode=isinstance(clock, OffsetClock),
        config_file=None,
        storage_secret="s",
    )
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    agents, hasher = FakeAgentRepository(), FakeHasher()
    agents.add("alice", hasher.hash("demo"))
    scheduler = Scheduler(FakeDeadlineStore(), clock)
    fired: list[Deadline] = []
    scheduler.on("offer_timeout", fired.append)
    services = Services(
        settings=settings,
        clock=clock,
        bus=bus,
        scheduler=scheduler,
        auth=AuthService(agents, FakeLoginAttempts(), FakeSessionRepository(), clock, hasher),
        presence=PresenceService(FakePresenceRepository(), bus, clock, ["Lunch"]),
        notifications=NotificationService(FakeNotificationRepository(), bus, clock),
        agents=AgentService(agents, bus),
        directory=FakeDirectoryRepository(),
        # not used by what these tests cover
        **dict.fromkeys(("routing", "handling", "inbound", "gateway", "outbox", "media",
                         "spell_check", "transfers", "team", "flags", "health")),
    )
    return Built(services, events, fired)


def test_advance_clock_needs_the_test_mode_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    built = build(clock, tmp_path)
    built.services.scheduler.schedule("offer_timeout", "i1", clock.now())
    before = clock.now()

    with pytest.raises(RuntimeError, match="only be moved in test mode"):
        built.services.advance_clock(30)

    assert clock.now() == before
    assert built.fired == []
    assert not any(isinstance(e, ClockAdvanced) for e in built.events)


def test_advance_clock_fires_what_fell_due(tmp_path: Path) -> None:
    clock = OffsetClock()
    built = build(clock, tmp_path)
    services = built.services
    services.scheduler.schedule("offer_timeout", "i1", clock.now() + timedelta(seconds=30))
    services.scheduler.schedule("offer_timeout", "i2", clock.now() + timedelta(hours=1))

    assert services.advance_clock(10) == 0
    assert built.fired == []

    assert services.advance_clock(25) == 1
    assert [d.ref for d in built.fired] == ["i1"]
    assert [d.ref for d in services.scheduler.pending()] == ["i2"]


def test_advance_clock_publishes_the_new_time(tmp_path: Path) -> None:
    clock = OffsetClock()
    built = build(clock, tmp_path)
    start = clock.now()

    built.services.advance_clock(600)

    advanced = [e for e in built.events if isinstance(e, ClockAdvanced)]
    assert len(advanced) == 1
    assert advanced[0].now - start >= timedelta(seconds=600)


def test_advance_clock_cannot_go_back(tmp_path: Path) -> None:
    built = build(OffsetClock(), tmp_path)
    with pytest.raises(ValueError):
        built.services.advance_clock(-5)


def test_log_out_leaves_the_channel_and_ends_sessions(tmp_path: Path) -> None:
    built = build(FakeClock(), tmp_path)
    services = built.services
    login = services.auth.login("alice", "demo")
    assert login.agent is not None
    services.presence.log_in(login.agent.id)

    services.log_out(login.agent.id)

    assert services.presence.get(login.agent.id).status is Status.LOGGED_OUT
    assert services.auth.agent_for_token(login.token) is None
