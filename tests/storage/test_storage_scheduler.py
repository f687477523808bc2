"""The scheduler over stored deadlines, driven by a fake clock; a restart resumes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from domain.clock import FakeClock
from domain.scheduler import Deadline, Scheduler
from storage.db import Database, migrate
from storage.repositories import DeadlineRepo

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Recorder:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.fired: list[tuple[str, datetime]] = []

    def __call__(self, deadline: Deadline) -> None:
        # Never early: a deadline fires only once the clock has reached it.
        assert self.clock.now() >= deadline.due_at
        self.fired.append((deadline.ref, deadline.due_at))

    @property
    def refs(self) -> list[str]:
        return [ref for ref, _ in self.fired]


def _scheduler(db: Database, clock: FakeClock, recorder: Recorder) -> Scheduler:
    scheduler = Scheduler(DeadlineRepo(db), clock)
    for kind in ("offer_timeout", "session_expiry", "callback"):
        scheduler.on(kind, recorder)
    return scheduler


def test_deadlines_fire_in_due_order_and_never_early(db: Database) -> None:
    clock = FakeClock(T0)
    recorder = Recorder(clock)
    scheduler = _scheduler(db, clock, recorder)
    scheduler.schedule("callback", "c-30", T0 + timedelta(seconds=30))
    scheduler.schedule("offer_timeout", "o-10", T0 + timedelta(seconds=10), {"agent_id": 1})
    scheduler.schedule("session_expiry", "s-20", T0 + timedelta(seconds=20))
    scheduler.schedule("offer_timeout", "o-20", T0 + timedelta(seconds=20))

    assert not scheduler.is_anything_due()
    assert scheduler.run_due() == 0

    clock.advance(9.999)
    assert not scheduler.is_anything_due()
    assert scheduler.run_due() == 0 and recorder.fired == []

    clock.advance(0.001)  # exactly at the first due time
    assert scheduler.is_anything_due()
    assert scheduler.run_due() == 1
    assert recorder.refs == ["o-10"]
    assert not scheduler.is_anything_due()

    clock.advance(100)  # everything is overdue: still fired in due order
    assert scheduler.run_due() == 3
    assert recorder.refs == ["o-10", "s-20", "o-20", "c-30"]  # equal times: oldest first
    assert scheduler.pending() == []
    assert scheduler.run_due() == 0  # each fires once


def test_cancelled_deadlines_do_not_fire(db: Database) -> None:
    clock = FakeClock(T0)
    recorder = Recorder(clock)
    scheduler = _scheduler(db, clock, recorder)
    scheduler.schedule("offer_timeout", "i1", T0 + timedelta(seconds=5))
    scheduler.schedule("offer_timeout", "i2", T0 + timedelta(seconds=6))
    assert scheduler.cancel("offer_timeout", "i1") == 1
    clock.advance(60)
    assert scheduler.run_due() == 1
    assert recorder.refs == ["i2"]


def test_a_failing_handler_does_not_stop_the_others(db: Database) -> None:
    clock = FakeClock(T0)
    recorder = Recorder(clock)
    scheduler = _scheduler(db, clock, recorder)

    def broken(_: Deadline) -> None:
        raise RuntimeError("boom")

    scheduler.on("broken", broken)
    scheduler.schedule("broken", "b", T0 + timedelta(seconds=1))
    scheduler.schedule("callback", "c", T0 + timedelta(seconds=2))
    clock.advance(5)
    assert scheduler.run_due() == 2
    assert recorder.refs == ["c"]
    assert scheduler.pending() == []  # the failed one is not retried forever


def test_a_restarted_scheduler_fires_what_is_pending(
    db: Database, reopen: Callable[[Database], Database]
) -> None:
    clock = FakeClock(T0)
    before = Recorder(clock)
    scheduler = _scheduler(db, clock, before)
    scheduler.schedule("session_expiry", "s-300", T0 + timedelta(seconds=300))
    scheduler.schedule("offer_timeout", "o-15", T0 + timedelta(seconds=15))
    scheduler.schedule("callback", "c-3600", T0 + timedelta(hours=1))
    scheduler.schedule("offer_timeout", "o-5", T0 + timedelta(seconds=5))
    scheduler.schedule("offer_timeout", "gone", T0 + timedelta(seconds=20))
    scheduler.cancel("offer_timeout", "gone")
    clock.advance(10)
    assert scheduler.run_due() == 1 and before.refs == ["o-5"]
    db.engine.dispose()  # the process stops

    # A new process: new engine, migrations run at start, a new scheduler, the same data.
    restarted = reopen(db)
    migrate(restarted.engine)
    clock_after = FakeClock(clock.now() + timedelta(seconds=1))
    after = Recorder(clock_after)
    resumed = _scheduler(restarted, clock_after, after)
    assert [d.ref for d in resumed.pending()] == ["o-15", "s-300", "c-3600"]
    assert not resumed.is_anything_due()
    assert resumed.run_due() == 0

    clock_after.set(T0 + timedelta(seconds=15))
    assert resumed.is_anything_due()
    assert resumed.run_due() == 1
    clock_after.advance(4000)
    assert resumed.run_due() == 2
    assert after.refs == ["o-15", "s-300", "c-3600"]
    assert [due for _, due in after.fired] == [
        T0 + timedelta(seconds=15), T0 + timedelta(seconds=300), T0 + timedelta(hours=1),
    ]
    assert before.refs == ["o-5"]  # nothing fired twice
    assert resumed.pending() == []
