"""DeadlineRepo on real storage, including workers racing to claim the same deadline."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from domain.clock import FakeClock
from domain.scheduler import Deadline, Scheduler
from storage.db import Database
from storage.repositories import DeadlineRepo

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_add_round_trips(db: Database) -> None:
    repo = DeadlineRepo(db)
    payload = {"agent_id": 7, "reason": "offer", "nested": {"ids": [1, 2]}, "note": "ü✓"}
    added = repo.add("offer_timeout", "interaction-1", _at(30.000001), payload)
    assert added.id > 0
    assert added == Deadline(added.id, "offer_timeout", "interaction-1", _at(30.000001), payload)
    (pending,) = repo.pending()
    assert pending == added
    assert pending.due_at.tzinfo is UTC


def test_due_in_due_order(db: Database) -> None:
    repo = DeadlineRepo(db)
    for seconds, ref in [(30, "c"), (10, "a"), (20, "b"), (10, "a2"), (90, "later")]:
        repo.add("k", ref, _at(seconds), {})
    assert [d.ref for d in repo.due(_at(30))] == ["a", "a2", "b", "c"]  # ties: oldest first
    assert [d.ref for d in repo.due(_at(9.999999))] == []
    assert [d.ref for d in repo.due(_at(10))] == ["a", "a2"]  # due exactly now counts
    assert [d.ref for d in repo.due(_at(1000), limit=2)] == ["a", "a2"]
    assert [d.ref for d in repo.pending()] == ["a", "a2", "b", "c", "later"]


def test_due_compares_instants_not_wall_times(db: Database) -> None:
    repo = DeadlineRepo(db)
    repo.add("k", "nine-utc", T0, {})
    # 10:30 at UTC+2 is 08:30 UTC: before the deadline, although "10:30" > "09:00".
    assert repo.due(datetime(2026, 1, 5, 10, 30, tzinfo=PLUS_TWO)) == []
    assert [d.ref for d in repo.due(datetime(2026, 1, 5, 11, 0, tzinfo=PLUS_TWO))] == [
        "nine-utc"
    ]


def test_next_due_at(db: Database) -> None:
    repo = DeadlineRepo(db)
    assert repo.next_due_at() is None
    first = repo.add("k", "a", _at(20.5), {})
    repo.add("k", "b", datetime(2026, 1, 5, 11, 0, 40, tzinfo=PLUS_TWO), {})  # = _at(40)
    next_due = repo.next_due_at()
    assert next_due == _at(20.5)
    assert next_due is not None and next_due.tzinfo is not None
    assert next_due.utcoffset() == timedelta(0)
    repo.mark_fired(first.id, _at(21))
    assert repo.next_due_at() == _at(40)
    repo.cancel("k", "b")
    assert repo.next_due_at() is None


def test_cancel(db: Database) -> None:
    repo = DeadlineRepo(db)
    repo.add("offer_timeout", "i1", _at(10), {})
    repo.add("offer_timeout", "i1", _at(20), {})
    repo.add("offer_timeout", "i2", _at(10), {})
    repo.add("auto_answer", "i1", _at(10), {})
    fired = repo.add("offer_timeout", "i3", _at(5), {})
    repo.mark_fired(fired.id, _at(5))

    assert repo.cancel("offer_timeout", "i1") == 2
    assert repo.cancel("offer_timeout", "i1") == 0  # already cancelled
    assert repo.cancel("offer_timeout", "i3") == 0  # already fired: stays fired
    assert repo.cancel("nothing", "i2") == 0
    assert [(d.kind, d.ref) for d in repo.pending()] == [
        ("offer_timeout", "i2"), ("auto_answer", "i1"),
    ]
    assert [d.ref for d in repo.pending("auto_answer")] == ["i1"]
    assert [(d.kind, d.ref) for d in repo.due(_at(100))] == [
        ("offer_timeout", "i2"), ("auto_answer", "i1"),
    ]


def test_mark_fired_only_once(db: Database) -> None:
    repo = DeadlineRepo(db)
    deadline = repo.add("k", "a", _at(10), {})
    assert repo.mark_fired(deadline.id, _at(10)) is True
    assert repo.mark_fired(deadline.id, _at(11)) is False
    assert repo.due(_at(100)) == [] and repo.pending() == []

    cancelled = repo.add("k", "b", _at(10), {})
    repo.cancel("k", "b")
    assert repo.mark_fired(cancelled.id, _at(10)) is False
    assert repo.mark_fired(123456, _at(10)) is False


def _race(workers: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``workers`` threads released at the same moment."""
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # reported by the caller, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
    return results


def test_eight_threads_race_to_fire_one_deadline(db: Database) -> None:
    repo = DeadlineRepo(db)
    for round_ in range(5):
        deadline = repo.add("k", f"race-{round_}", _at(10), {})
        results = _race(8, lambda i, d=deadline: repo.mark_fired(d.id, _at(10 + i)))
        assert results.count(True) == 1, results
        assert results.count(False) == 7
    assert repo.pending() == []


def test_competing_schedulers_fire_each_deadline_once(db: Database) -> None:
    # Several workers (threads here, processes in production) run the same scheduler loop.
    repo = DeadlineRepo(db)
    for i in range(40):
        repo.add("tick", f"t{i:02d}", _at(i % 7), {})
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(deadline: Deadline) -> None:
        with lock:
            calls[deadline.ref] += 1

    clock = FakeClock(_at(60))

    def work(_: int) -> int:
        scheduler = Scheduler(DeadlineRepo(db), clock)
        scheduler.on("tick", handler)
        return scheduler.run_due()

    fired = _race(4, work)
    assert sum(n for n in fired if isinstance(n, int)) == 40
    assert calls == Counter({f"t{i:02d}": 1 for i in range(40)})
    assert repo.pending() == []
