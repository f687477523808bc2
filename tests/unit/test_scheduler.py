"""Stored deadlines fired in due order through the handler for their kind."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from domain.clock import FakeClock
from domain.scheduler import Deadline, Scheduler

from .fakes import FakeDeadlineStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> FakeDeadlineStore:
    return FakeDeadlineStore()


@pytest.fixture
def scheduler(store: FakeDeadlineStore, clock: FakeClock) -> Scheduler:
    return Scheduler(store, clock)


def later(clock: FakeClock, seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


def test_due_deadlines_fire_in_due_order(scheduler: Scheduler, clock: FakeClock) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    scheduler.schedule("offer_timeout", "c", later(clock, 30))
    scheduler.schedule("offer_timeout", "a", later(clock, 10))
    scheduler.schedule("offer_timeout", "b", later(clock, 20))

    clock.advance(60)

    assert scheduler.run_due() == 3
    assert fired == ["a", "b", "c"]
    assert scheduler.pending() == []


def test_order_holds_across_kinds(scheduler: Scheduler, clock: FakeClock) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(f"offer {d.ref}"))
    scheduler.on("session_expiry", lambda d: fired.append(f"expiry {d.ref}"))
    scheduler.schedule("session_expiry", "s1", later(clock, 20))
    scheduler.schedule("offer_timeout", "o1", later(clock, 10))
    scheduler.schedule("offer_timeout", "o2", later(clock, 30))

    clock.advance(30)
    scheduler.run_due()

    assert fired == ["offer o1", "expiry s1", "offer o2"]


def test_the_handler_receives_the_deadline(scheduler: Scheduler, clock: FakeClock) -> None:
    got: list[Deadline] = []
    scheduler.on("callback", got.append)
    due = later(clock, 5)
    scheduled = scheduler.schedule("callback", "cb-9", due, {"agent_id": 3})

    clock.advance(5)
    scheduler.run_due()

    assert got == [scheduled]
    assert (got[0].kind, got[0].ref, got[0].due_at, got[0].payload) == (
        "callback",
        "cb-9",
        due,
        {"agent_id": 3},
    )


def test_payload_defaults_to_empty(scheduler: Scheduler, clock: FakeClock) -> None:
    assert scheduler.schedule("callback", "x", clock.now()).payload == {}


def test_nothing_fires_before_it_is_due(scheduler: Scheduler, clock: FakeClock) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    scheduler.schedule("offer_timeout", "a", later(clock, 10))

    assert scheduler.run_due() == 0
    clock.advance(9.999)
    assert scheduler.run_due() == 0
    assert fired == []
    assert [d.ref for d in scheduler.pending()] == ["a"]

    clock.advance(0.001)  # exactly due
    assert scheduler.run_due() == 1
    assert fired == ["a"]


def test_a_deadline_fires_only_once(scheduler: Scheduler, clock: FakeClock) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    scheduler.schedule("offer_timeout", "a", later(clock, 1))
    clock.advance(1)

    scheduler.run_due()
    clock.advance(100)
    assert scheduler.run_due() == 0
    assert fired == ["a"]


def test_cancel(scheduler: Scheduler, clock: FakeClock) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    scheduler.on("session_expiry", lambda d: fired.append("expiry " + d.ref))
    scheduler.schedule("offer_timeout", "a", later(clock, 10))
    scheduler.schedule("offer_timeout", "b", later(clock, 10))
    scheduler.schedule("session_expiry", "a", later(clock, 10))

    assert scheduler.cancel("offer_timeout", "a") == 1
    assert scheduler.cancel("offer_timeout", "a") == 0
    assert scheduler.cancel("offer_timeout", "nope") == 0
    assert [(d.kind, d.ref) for d in scheduler.pending()] == [
        ("offer_timeout", "b"),
        ("session_expiry", "a"),
    ]
    assert [d.ref for d in scheduler.pending("offer_timeout")] == ["b"]

    clock.advance(10)
    assert scheduler.run_due() == 2
    assert fired == ["b", "expiry a"]


def test_a_failing_handler_does_not_stop_later_deadlines(
    scheduler: Scheduler, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fired: list[str] = []

    def handler(deadline: Deadline) -> None:
        fired.append(deadline.ref)
        if deadline.ref == "a":
            raise RuntimeError("boom")

    scheduler.on("offer_timeout", handler)
    for ref, seconds in [("a", 1), ("b", 2), ("c", 3)]:
        scheduler.schedule("offer_timeout", ref, later(clock, seconds))
    clock.advance(3)

    with caplog.at_level(logging.ERROR, logger="domain.scheduler"):
        scheduler.run_due()

    assert fired == ["a", "b", "c"]
    assert "deadline handler failed" in caplog.text
    assert scheduler.pending() == []  # the failed one is not retried forever


def test_an_unknown_kind_is_skipped(
    scheduler: Scheduler, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    scheduler.schedule("retired_kind", "x", later(clock, 1))
    scheduler.schedule("offer_timeout", "a", later(clock, 2))
    clock.advance(2)

    with caplog.at_level(logging.WARNING, logger="domain.scheduler"):
        scheduler.run_due()  # no crash, and no endless loop on the orphan

    assert fired == ["a"]
    assert "retired_kind" in caplog.text
    assert scheduler.pending() == []


class RacingStore(FakeDeadlineStore):
    """Another process claims ``stolen`` between our ``due()`` read and our claim."""

    def __init__(self) -> None:
        super().__init__()
        self.stolen: set[int] = set()

    def due(self, now: datetime, limit: int = 100) -> list[Deadline]:
        batch = super().due(now, limit)
        self._closed.update(d.id for d in batch if d.id in self.stolen)
        return batch


def test_a_deadline_claimed_elsewhere_is_not_fired_here(clock: FakeClock) -> None:
    store = RacingStore()
    scheduler = Scheduler(store, clock)
    fired: list[str] = []
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))
    a = scheduler.schedule("offer_timeout", "a", later(clock, 1))
    scheduler.schedule("offer_timeout", "b", later(clock, 1))
    store.stolen.add(a.id)
    clock.advance(1)

    assert scheduler.run_due() == 1
    assert fired == ["b"]


def test_a_due_deadline_scheduled_by_a_handler_fires_in_the_same_run(
    scheduler: Scheduler, clock: FakeClock
) -> None:
    fired: list[str] = []

    def offer_timed_out(deadline: Deadline) -> None:
        fired.append("timeout " + deadline.ref)
        # Re-routing schedules the next step, already due.
        scheduler.schedule("reroute", deadline.ref, clock.now())
        scheduler.schedule("reroute", deadline.ref + "-later", later(clock, 60))

    scheduler.on("offer_timeout", offer_timed_out)
    scheduler.on("reroute", lambda d: fired.append("reroute " + d.ref))
    scheduler.schedule("offer_timeout", "i1", later(clock, 30))
    clock.advance(30)

    assert scheduler.run_due() == 2
    assert fired == ["timeout i1", "reroute i1"]
    assert [d.ref for d in scheduler.pending()] == ["i1-later"]
    assert not scheduler.is_anything_due()
    clock.advance(60)
    assert scheduler.is_anything_due()


def test_many_due_deadlines_all_fire(scheduler: Scheduler, clock: FakeClock) -> None:
    # More than one batch from storage.
    fired: list[int] = []
    scheduler.on("tick", lambda d: fired.append(int(d.ref)))
    for n in range(250):
        scheduler.schedule("tick", str(n), later(clock, 250 - n))
    clock.advance(250)

    assert scheduler.run_due() == 250
    assert fired == list(reversed(range(250)))


def test_is_anything_due_reads_storage_once_then_uses_its_cache(
    store: FakeDeadlineStore, scheduler: Scheduler, clock: FakeClock
) -> None:
    assert not scheduler.is_anything_due()
    assert not scheduler.is_anything_due()
    assert store.next_due_at_calls == 1

    scheduler.schedule("offer_timeout", "a", later(clock, 5))
    assert not scheduler.is_anything_due()
    clock.advance(5)
    assert scheduler.is_anything_due()
    assert store.next_due_at_calls == 1  # known from schedule(), no storage read


def test_an_earlier_deadline_updates_the_cache(
    store: FakeDeadlineStore, scheduler: Scheduler, clock: FakeClock
) -> None:
    scheduler.schedule("offer_timeout", "late", later(clock, 100))
    assert not scheduler.is_anything_due()
    calls = store.next_due_at_calls

    scheduler.schedule("offer_timeout", "early", later(clock, 10))
    clock.advance(9)
    assert not scheduler.is_anything_due()
    clock.advance(1)
    assert scheduler.is_anything_due()

    scheduler.schedule("offer_timeout", "later-still", later(clock, 500))
    assert scheduler.is_anything_due()  # a later deadline does not hide the earlier one
    assert store.next_due_at_calls == calls


def test_deadlines_stored_before_start_are_found(
    store: FakeDeadlineStore, clock: FakeClock
) -> None:
    # A restart: the store already holds a deadline the new scheduler never scheduled.
    store.add("offer_timeout", "from-before", later(clock, 1), {})
    fired: list[str] = []
    scheduler = Scheduler(store, clock)
    scheduler.on("offer_timeout", lambda d: fired.append(d.ref))

    assert not scheduler.is_anything_due()
    clock.advance(1)
    assert scheduler.is_anything_due()
    assert scheduler.run_due() == 1
    assert fired == ["from-before"]


def test_run_due_refreshes_the_cache(scheduler: Scheduler, clock: FakeClock) -> None:
    scheduler.on("offer_timeout", lambda d: None)
    scheduler.schedule("offer_timeout", "a", later(clock, 1))
    scheduler.schedule("offer_timeout", "b", later(clock, 10))
    clock.advance(1)
    assert scheduler.is_anything_due()

    scheduler.run_due()

    assert not scheduler.is_anything_due()
    clock.advance(9)
    assert scheduler.is_anything_due()
