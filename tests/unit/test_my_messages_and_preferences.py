"""My Messages (NotificationService) and the preferences an agent sets (AgentService)."""

from __future__ import annotations

import pytest

from domain.agents import ZOOM_MAX, ZOOM_MIN, clamp_zoom
from domain.clock import FakeClock
from domain.desktop import AgentService, NotificationService
from domain.events import NotificationAdded, NotificationsRead, PreferencesChanged
from domain.notifications import Level, Notification

from .fakes import FakeAgentRepository, FakeNotificationRepository, RecordingBus

ALICE, BOB = 1, 2


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def notes(clock: FakeClock, bus: RecordingBus) -> NotificationService:
    return NotificationService(FakeNotificationRepository(), bus, clock)


def test_notify_stores_a_timestamped_notice_and_publishes_it(
    notes: NotificationService, bus: RecordingBus, clock: FakeClock
) -> None:
    note = notes.notify(ALICE, "Transfer rejected by Bob.", Level.WARNING)

    assert note == Notification(
        note.id, ALICE, clock.now(), "Transfer rejected by Bob.", Level.WARNING, read=False
    )
    assert bus.events == [NotificationAdded(ALICE, note.id)]


def test_notify_defaults_to_info(notes: NotificationService) -> None:
    assert notes.notify(ALICE, "Hello").level is Level.INFO


def test_unread_count_is_per_agent(notes: NotificationService) -> None:
    notes.notify(ALICE, "one")
    notes.notify(ALICE, "two")
    notes.notify(BOB, "three")

    assert notes.unread_count(ALICE) == 2
    assert notes.unread_count(BOB) == 1


def test_mark_all_read_clears_the_count_and_publishes(
    notes: NotificationService, bus: RecordingBus
) -> None:
    notes.notify(ALICE, "one")
    notes.notify(ALICE, "two")
    notes.notify(BOB, "three")
    bus.events.clear()

    notes.mark_all_read(ALICE)

    assert notes.unread_count(ALICE) == 0
    assert notes.unread_count(BOB) == 1
    assert all(n.read for n in notes.recent(ALICE))
    assert bus.events == [NotificationsRead(ALICE)]


def test_recent_is_newest_first_and_limited(notes: NotificationService, clock: FakeClock) -> None:
    for text in ["first", "second", "third"]:
        notes.notify(ALICE, text)
        clock.advance(1)

    assert [n.text for n in notes.recent(ALICE)] == ["third", "second", "first"]
    assert [n.text for n in notes.recent(ALICE, limit=2)] == ["third", "second"]


@pytest.fixture
def agents() -> FakeAgentRepository:
    repo = FakeAgentRepository()
    repo.add("alice", "x")
    repo.add("bob", "x")
    return repo


@pytest.mark.parametrize(
    ("asked", "stored"), [(100, 100), (110, 110), (200, 200), (250, 200), (10, 60), (134, 130)]
)
def test_set_zoom_clamps_stores_and_publishes(
    agents: FakeAgentRepository, bus: RecordingBus, asked: int, stored: int
) -> None:
    service = AgentService(agents, bus)

    agent = service.set_zoom(ALICE, asked)

    assert agent.options.zoom == stored
    assert service.get(ALICE) == agent
    assert bus.events == [PreferencesChanged(ALICE, {"zoom": stored})]


def test_set_zoom_leaves_other_options_and_agents_alone(
    agents: FakeAgentRepository, bus: RecordingBus
) -> None:
    service = AgentService(agents, bus)
    before = service.get(ALICE)
    assert before is not None

    after = service.set_zoom(ALICE, 150)

    assert after.with_options(zoom=before.options.zoom) == before
    bob = service.get(BOB)
    assert bob is not None and bob.options.zoom == 100
    assert [a.username for a in service.list()] == ["alice", "bob"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100, 100),
        (ZOOM_MIN, ZOOM_MIN),
        (ZOOM_MAX, ZOOM_MAX),
        (ZOOM_MIN - 10, ZOOM_MIN),
        (ZOOM_MAX + 10, ZOOM_MAX),
        (0, ZOOM_MIN),
        (-50, ZOOM_MIN),
        (10_000, ZOOM_MAX),
        (123, 120),
        (127, 130),
        (64, 60),
        (196, 200),
    ],
)
def test_clamp_zoom(value: int, expected: int) -> None:
    assert clamp_zoom(value) == expected


def test_clamp_zoom_always_lands_on_a_step_in_range() -> None:
    for value in range(-100, 400):
        zoom = clamp_zoom(value)
        assert ZOOM_MIN <= zoom <= ZOOM_MAX and zoom % 10 == 0, value
