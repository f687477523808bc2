"""Agents, login attempts, sessions, presence and notifications in real storage."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from domain.agents import Agent, AgentOptions, AutoAnswer, Role
from domain.notifications import Level
from domain.presence import Status
from storage.db import Database
from storage.repositories import (
    AgentRepo,
    LoginAttemptRepo,
    NotificationRepo,
    PresenceRepo,
    SessionRepo,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Aware but not UTC: storage must keep the instant and hand it back in UTC.
KOLKATA = timezone(timedelta(hours=5, minutes=30))
NEW_YORK_DST = timezone(timedelta(hours=-4))


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def _agent(db: Database, username: str = "alice", **options: object) -> Agent:
    return AgentRepo(db).add(
        username, username.title(), Role.AGENT, f"hash-{username}", AgentOptions(**options)
    )


# --- AgentRepo -------------------------------------------------------------------------


def test_agent_add_and_get(db: Database) -> None:
    repo = AgentRepo(db)
    options = AgentOptions(
        auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=7, may_reject=False,
        may_save_images=True, sms_capacity=5, zoom=120, spell_language="fr",
        time_zone="Europe/Paris",
    )
    added = repo.add("carol", "Carol Chen", Role.SUPERVISOR, "h", options)
    assert added.id > 0
    assert added == Agent(added.id, "carol", "Carol Chen", Role.SUPERVISOR, options)
    assert repo.get(added.id) == added
    assert repo.get(added.id + 1000) is None


def test_agent_by_username_and_password_hash(db: Database) -> None:
    repo = AgentRepo(db)
    alice, bob = _agent(db, "alice"), _agent(db, "bob")
    assert repo.by_username("alice") == alice
    assert repo.by_username("bob") == bob
    assert repo.by_username("nobody") is None
    assert repo.password_hash("bob") == (bob, "hash-bob")
    assert repo.password_hash("nobody") is None
    assert repo.list() == [alice, bob]


def test_agent_username_is_unique(db: Database) -> None:
    _agent(db, "alice")
    with pytest.raises(IntegrityError):
        _agent(db, "alice")
    assert len(AgentRepo(db).list()) == 1


def test_agent_update_options(db: Database) -> None:
    repo = AgentRepo(db)
    agent = _agent(db)
    updated = repo.update_options(
        agent.id, auto_answer=AutoAnswer.AUTO, zoom=140, spelling_warning=True
    )
    assert updated.options.auto_answer is AutoAnswer.AUTO
    assert updated.options.zoom == 140 and updated.options.spelling_warning is True
    assert updated.options.may_reject is True  # untouched
    assert repo.get(agent.id) == updated
    # The stored value is a plain string, so a string works as well.
    assert repo.update_options(agent.id, auto_answer="auto_preview").options.auto_answer is (
        AutoAnswer.AUTO_PREVIEW
    )


def test_agent_update_unknown_option_changes_nothing(db: Database) -> None:
    repo = AgentRepo(db)
    agent = _agent(db)
    with pytest.raises(ValueError, match="unknown agent options.*'password_hash'"):
        repo.update_options(agent.id, zoom=150, password_hash="stolen")
    assert repo.get(agent.id) == agent
    assert repo.password_hash("alice") == (agent, "hash-alice")


def test_agent_update_missing_agent(db: Database) -> None:
    with pytest.raises(LookupError):
        AgentRepo(db).update_options(999, zoom=110)


# --- LoginAttemptRepo ------------------------------------------------------------------


def test_login_attempts_count_failures(db: Database) -> None:
    repo = LoginAttemptRepo(db)
    assert repo.get("alice") == (0, None, None)
    assert repo.record_failure("alice", T0, None) == 1
    assert repo.record_failure("alice", T0 + timedelta(seconds=3), None) == 2
    assert repo.record_failure("ghost", T0, None) == 1  # unknown names are counted too
    failures, last, locked = repo.get("alice")
    assert (failures, last, locked) == (2, T0 + timedelta(seconds=3), None)
    assert _is_utc(last)


def test_login_lock_time_round_trips_as_aware_utc(db: Database) -> None:
    repo = LoginAttemptRepo(db)
    at = datetime(2026, 7, 1, 23, 30, 15, 250001, tzinfo=KOLKATA)
    locked_until = at + timedelta(minutes=2)
    repo.record_failure("alice", at, locked_until)
    failures, last, locked = repo.get("alice")
    assert failures == 1
    assert last == at and _is_utc(last)
    assert locked == locked_until and _is_utc(locked)
    assert locked is not None and locked.replace(tzinfo=None) == datetime(
        2026, 7, 1, 18, 2, 15, 250001
    )
    # Comparing with the clock's aware UTC "now" must work.
    assert T0 < locked


def test_login_attempts_reset(db: Database) -> None:
    repo = LoginAttemptRepo(db)
    repo.record_failure("alice", T0, T0 + timedelta(minutes=2))
    repo.record_failure("bob", T0, None)
    repo.reset("alice")
    assert repo.get("alice") == (0, None, None)
    assert repo.get("bob")[0] == 1
    repo.reset("nobody")  # resetting what is not there is fine
    assert repo.record_failure("alice", T0, None) == 1  # counting starts again


def _race(workers: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``workers`` threads released together; re-raise what failed."""
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


def test_parallel_failures_are_all_counted(db: Database) -> None:
    # Guesses sent in parallel must not slip past the throttle by overwriting each other,
    # neither for a name seen for the first time nor for one already counted.
    repo = LoginAttemptRepo(db)
    counts = _race(8, lambda i: repo.record_failure("alice", T0 + timedelta(seconds=i), None))
    assert sorted(counts) == list(range(1, 9))  # type: ignore[type-var]
    assert repo.get("alice")[0] == 8
    counts = _race(8, lambda i: repo.record_failure("alice", T0 + timedelta(seconds=i), None))
    assert sorted(counts) == list(range(9, 17))  # type: ignore[type-var]
    assert repo.get("alice")[0] == 16


def test_a_failure_without_a_lock_keeps_an_existing_lock(db: Database) -> None:
    # Two guesses in flight: the one that locked must not be undone by the other, which
    # read the count before the lock and so asks for none. Only reset() lifts a lock.
    repo = LoginAttemptRepo(db)
    lock = T0 + timedelta(minutes=2)
    repo.record_failure("alice", T0, lock)
    assert repo.record_failure("alice", T0 + timedelta(seconds=1), None) == 2
    assert repo.get("alice") == (2, T0 + timedelta(seconds=1), lock)
    later_lock = T0 + timedelta(minutes=5)
    repo.record_failure("alice", T0 + timedelta(seconds=2), later_lock)
    assert repo.get("alice")[2] == later_lock


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        LoginAttemptRepo(db).record_failure("alice", datetime(2026, 1, 5, 9, 0), None)
    assert LoginAttemptRepo(db).get("alice") == (0, None, None)


# --- SessionRepo -----------------------------------------------------------------------


def test_sessions(db: Database) -> None:
    repo = SessionRepo(db)
    alice, bob = _agent(db, "alice"), _agent(db, "bob")
    repo.create(alice.id, "a" * 64, T0)
    repo.create(alice.id, "b" * 64, T0)
    repo.create(bob.id, "c" * 64, T0)
    assert repo.agent_for("a" * 64) == alice.id
    assert repo.agent_for("b" * 64) == alice.id
    assert repo.agent_for("c" * 64) == bob.id
    assert repo.agent_for("d" * 64) is None

    repo.end_all(alice.id)
    assert repo.agent_for("a" * 64) is None and repo.agent_for("b" * 64) is None
    assert repo.agent_for("c" * 64) == bob.id


def test_session_needs_an_existing_agent(db: Database) -> None:
    # Foreign keys are enforced on SQLite too (PRAGMA foreign_keys=ON).
    with pytest.raises(IntegrityError):
        SessionRepo(db).create(4242, "e" * 64, T0)


# --- PresenceRepo ----------------------------------------------------------------------


def test_presence_set_get_all(db: Database) -> None:
    repo = PresenceRepo(db)
    alice, bob = _agent(db, "alice"), _agent(db, "bob")
    assert repo.get(alice.id) is None and repo.all() == []

    ready = repo.set(alice.id, Status.READY, None, T0)
    assert repo.get(alice.id) == ready
    assert ready.status is Status.READY and ready.reason is None and ready.since == T0

    later = T0 + timedelta(minutes=5)
    lunch = repo.set(alice.id, Status.NOT_READY, "Lunch", later)
    assert repo.get(alice.id) == lunch
    assert lunch.label == "Not Ready - Lunch" and lunch.since == later

    repo.set(bob.id, Status.LOGGED_OUT, None, T0)
    assert sorted(repo.all(), key=lambda p: p.agent_id) == [lunch, repo.get(bob.id)]
    # Back to Ready clears the reason.
    back = repo.set(alice.id, Status.READY, None, later + timedelta(seconds=1))
    assert back.reason is None and repo.get(alice.id) == back


@pytest.mark.parametrize(
    "since",
    [
        datetime(2026, 1, 5, 9, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=NEW_YORK_DST),
        datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=KOLKATA),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
    ids=["utc", "minus4", "plus0530", "y2k"],
)
def test_presence_since_round_trips_exactly_in_utc(db: Database, since: datetime) -> None:
    repo = PresenceRepo(db)
    agent = _agent(db)
    returned = repo.set(agent.id, Status.NOT_READY, "Meeting", since)
    assert returned.since == since and returned.since.tzinfo is UTC

    stored = repo.get(agent.id)
    assert stored is not None
    assert stored.since == since  # the same instant, to the microsecond
    assert _is_utc(stored.since) and stored.since.tzinfo is UTC
    assert stored.since.microsecond == since.astimezone(UTC).microsecond
    assert stored.since.replace(tzinfo=None) == since.astimezone(UTC).replace(tzinfo=None)
    assert all(_is_utc(p.since) for p in repo.all())


def test_parallel_first_presence_for_one_agent(db: Database) -> None:
    # Two browser tabs set the status of an agent who has none yet: no duplicate-key crash.
    repo = PresenceRepo(db)
    agent = _agent(db)
    statuses = [Status.READY, Status.NOT_READY] * 4
    results = _race(
        8, lambda i: repo.set(agent.id, statuses[i], None, T0 + timedelta(seconds=i))
    )
    stored = repo.get(agent.id)
    assert stored is not None and stored in results
    assert len(repo.all()) == 1


def test_presence_refuses_naive_times(db: Database) -> None:
    agent = _agent(db)
    for _ in range(2):  # no row yet, then an existing row
        with pytest.raises((ValueError, StatementError), match="naive datetime"):
            PresenceRepo(db).set(agent.id, Status.READY, None, datetime(2026, 1, 5, 9, 0))
        PresenceRepo(db).set(agent.id, Status.READY, None, T0)


def test_presence_needs_an_existing_agent(db: Database) -> None:
    with pytest.raises(IntegrityError):
        PresenceRepo(db).set(4242, Status.READY, None, T0)
    assert PresenceRepo(db).all() == []


# --- NotificationRepo ------------------------------------------------------------------


def test_notifications_newest_first(db: Database) -> None:
    repo = NotificationRepo(db)
    alice, bob = _agent(db, "alice"), _agent(db, "bob")
    first = repo.add(alice.id, "first", Level.INFO, T0)
    third = repo.add(alice.id, "third", Level.ERROR, T0 + timedelta(minutes=2))
    second = repo.add(alice.id, "second", Level.WARNING, T0 + timedelta(minutes=1))
    # Same instant: the later one (higher id) counts as newer.
    third_b = repo.add(alice.id, "third b", Level.INFO, T0 + timedelta(minutes=2))
    repo.add(bob.id, "for bob", Level.INFO, T0 + timedelta(hours=1))

    recent = repo.recent(alice.id, 10)
    assert [n.text for n in recent] == ["third b", "third", "second", "first"]
    assert recent == [third_b, third, second, first]
    assert recent[1].level is Level.ERROR and not recent[1].read
    assert all(_is_utc(n.created_at) for n in recent)
    assert [n.text for n in repo.recent(alice.id, 2)] == ["third b", "third"]
    assert [n.text for n in repo.recent(bob.id, 10)] == ["for bob"]


def test_notifications_unread_and_mark_all_read(db: Database) -> None:
    repo = NotificationRepo(db)
    alice, bob = _agent(db, "alice"), _agent(db, "bob")
    assert repo.unread_count(alice.id) == 0
    for minute in range(3):
        repo.add(alice.id, f"n{minute}", Level.INFO, T0 + timedelta(minutes=minute))
    repo.add(bob.id, "b", Level.INFO, T0)
    assert repo.unread_count(alice.id) == 3 and repo.unread_count(bob.id) == 1

    repo.mark_all_read(alice.id)
    assert repo.unread_count(alice.id) == 0
    assert all(n.read for n in repo.recent(alice.id, 10))
    assert repo.unread_count(bob.id) == 1  # other agents untouched

    repo.add(alice.id, "new", Level.INFO, T0 + timedelta(hours=1))
    assert repo.unread_count(alice.id) == 1
