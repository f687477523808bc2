"""The agent's SMS-channel status: Ready, Not Ready (with a reason) or logged out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from domain.desktop import PresenceService
from domain.events import AgentLoggedIn, AgentLoggedOut, PresenceChanged
from domain.presence import Presence, PresenceError, Status

from .fakes import FakePresenceRepository, RecordingBus

AGENT = 7
REASONS = ("Break", "Lunch", "Meeting")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def presence(clock: FakeClock, bus: RecordingBus) -> PresenceService:
    return PresenceService(FakePresenceRepository(), bus, clock, list(REASONS))


@pytest.fixture
def logged_in(presence: PresenceService, bus: RecordingBus, clock: FakeClock) -> PresenceService:
    presence.log_in(AGENT)
    bus.events.clear()
    clock.advance(60)
    return presence


def test_an_agent_never_seen_is_logged_out(presence: PresenceService, clock: FakeClock) -> None:
    found = presence.get(AGENT)

    assert found == Presence(AGENT, Status.LOGGED_OUT, None, clock.now())
    assert not found.logged_in
    assert found.label == "Logged out"


def test_logging_in_starts_not_ready_and_is_published(
    presence: PresenceService, bus: RecordingBus, clock: FakeClock
) -> None:
    result = presence.log_in(AGENT)

    assert result == Presence(AGENT, Status.NOT_READY, None, clock.now())
    assert result.label == "Not Ready"
    assert presence.get(AGENT) == result
    assert bus.events == [
        PresenceChanged(AGENT, "not_ready", None, clock.now()),
        AgentLoggedIn(AGENT),
    ]


@pytest.mark.parametrize("reason", [None, "Lunch"])
def test_logging_in_again_keeps_a_not_ready_status(
    logged_in: PresenceService, bus: RecordingBus, clock: FakeClock, reason: str | None
) -> None:
    before = logged_in.set_not_ready(AGENT, reason)
    bus.events.clear()
    clock.advance(30)

    again = logged_in.log_in(AGENT)  # a reload or a second tab

    assert again == before
    assert bus.events == []


def test_logging_in_again_keeps_ready(
    logged_in: PresenceService, bus: RecordingBus, clock: FakeClock
) -> None:
    ready = logged_in.set_ready(AGENT)
    bus.events.clear()
    clock.advance(30)

    again = logged_in.log_in(AGENT)

    assert again.status is Status.READY
    assert again.since == ready.since
    assert bus.events == []


def test_set_ready(logged_in: PresenceService, bus: RecordingBus, clock: FakeClock) -> None:
    result = logged_in.set_ready(AGENT)

    assert result == Presence(AGENT, Status.READY, None, clock.now())
    assert result.label == "Ready"
    assert logged_in.get(AGENT) == result
    assert bus.events == [PresenceChanged(AGENT, "ready", None, clock.now())]


def test_set_not_ready_with_a_configured_reason(
    logged_in: PresenceService, bus: RecordingBus, clock: FakeClock
) -> None:
    logged_in.set_ready(AGENT)
    bus.events.clear()
    clock.advance(5)

    result = logged_in.set_not_ready(AGENT, "Lunch")

    assert result == Presence(AGENT, Status.NOT_READY, "Lunch", clock.now())
    assert result.label == "Not Ready - Lunch"
    assert bus.events == [PresenceChanged(AGENT, "not_ready", "Lunch", clock.now())]


def test_set_not_ready_without_a_reason(logged_in: PresenceService) -> None:
    logged_in.set_ready(AGENT)

    result = logged_in.set_not_ready(AGENT)

    assert (result.status, result.reason, result.label) == (Status.NOT_READY, None, "Not Ready")


def test_changing_only_the_reason_is_a_change(
    logged_in: PresenceService, bus: RecordingBus, clock: FakeClock
) -> None:
    lunch = logged_in.set_not_ready(AGENT, "Lunch")
    clock.advance(10)

    meeting = logged_in.set_not_ready(AGENT, "Meeting")

    assert meeting.reason == "Meeting" and meeting.since > lunch.since
    assert bus.of(PresenceChanged)[-1] == PresenceChanged(
        AGENT, "not_ready", "Meeting", clock.now()
    )


def test_an_unknown_reason_is_refused_clearly(
    logged_in: PresenceService, bus: RecordingBus
) -> None:
    before = logged_in.get(AGENT)

    with pytest.raises(PresenceError) as raised:
        logged_in.set_not_ready(AGENT, "Nap")

    assert str(raised.value) == "'Nap' is not a Not Ready reason here."
    assert logged_in.get(AGENT) == before
    assert bus.events == []


def test_reasons_come_from_configuration(presence: PresenceService) -> None:
    assert presence.not_ready_reasons == REASONS


@pytest.mark.parametrize("change", ["set_ready", "set_not_ready"])
def test_changing_status_while_logged_out_is_refused(
    presence: PresenceService, bus: RecordingBus, change: str
) -> None:
    with pytest.raises(PresenceError, match="^Log in before changing your status.$"):
        getattr(presence, change)(AGENT)

    assert not presence.get(AGENT).logged_in
    assert bus.events == []


def test_changing_status_after_logging_out_is_refused(logged_in: PresenceService) -> None:
    logged_in.log_out(AGENT)

    with pytest.raises(PresenceError):
        logged_in.set_ready(AGENT)
    with pytest.raises(PresenceError):
        logged_in.set_not_ready(AGENT, "Lunch")


@pytest.mark.parametrize(("change", "args"), [("set_ready", ()), ("set_not_ready", ("Lunch",))])
def test_the_same_status_again_keeps_its_time_and_publishes_nothing(
    logged_in: PresenceService,
    bus: RecordingBus,
    clock: FakeClock,
    change: str,
    args: tuple[str, ...],
) -> None:
    first = getattr(logged_in, change)(AGENT, *args)
    bus.events.clear()
    clock.advance(300)

    second = getattr(logged_in, change)(AGENT, *args)

    assert second == first
    assert second.since == first.since < clock.now()  # idle time still counts from the first
    assert bus.events == []


def test_log_out(logged_in: PresenceService, bus: RecordingBus, clock: FakeClock) -> None:
    logged_in.set_ready(AGENT)
    bus.events.clear()

    result = logged_in.log_out(AGENT)

    assert result == Presence(AGENT, Status.LOGGED_OUT, None, clock.now())
    assert not logged_in.get(AGENT).logged_in
    assert bus.events == [
        PresenceChanged(AGENT, "logged_out", None, clock.now()),
        AgentLoggedOut(AGENT),
    ]


def test_logging_in_after_logging_out_starts_not_ready_again(logged_in: PresenceService) -> None:
    logged_in.set_ready(AGENT)
    logged_in.log_out(AGENT)

    assert logged_in.log_in(AGENT).status is Status.NOT_READY


def test_agents_are_independent(logged_in: PresenceService) -> None:
    logged_in.set_ready(AGENT)
    other = logged_in.log_in(AGENT + 1)

    assert other.status is Status.NOT_READY
    assert logged_in.get(AGENT).status is Status.READY
    assert {p.agent_id: p.status for p in logged_in.all()} == {
        AGENT: Status.READY,
        AGENT + 1: Status.NOT_READY,
    }


WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "reason", "label"),
    [
        (Status.READY, None, "Ready"),
        (Status.NOT_READY, None, "Not Ready"),
        (Status.NOT_READY, "Lunch", "Not Ready - Lunch"),
        (Status.LOGGED_OUT, None, "Logged out"),
    ],
)
def test_presence_labels(status: Status, reason: str | None, label: str) -> None:
    assert Presence(1, status, reason, WHEN).label == label
