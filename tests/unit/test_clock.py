"""The injectable clocks: real time, real time plus a growing offset, and a stopped clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import FakeClock, OffsetClock, SystemClock, utcnow

SLACK = timedelta(seconds=5)  # real time moves while the test runs


def test_system_clock_is_utc_now() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < SLACK


def test_offset_clock_starts_at_real_time() -> None:
    now = OffsetClock().now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - utcnow()) < SLACK


def test_offset_clock_advance_moves_time_forward_and_keeps_it_there() -> None:
    clock = OffsetClock()

    moved = clock.advance(3600)
    assert abs(moved - (utcnow() + timedelta(hours=1))) < SLACK
    clock.advance(0.5)

    assert abs(clock.now() - (utcnow() + timedelta(hours=1, seconds=0.5))) < SLACK
    assert clock.now() - utcnow() > timedelta(minutes=59)


def test_offset_clock_keeps_flowing_after_an_advance() -> None:
    clock = OffsetClock()
    clock.advance(60)
    first = clock.now()
    assert clock.now() >= first


def test_offset_clock_rejects_going_back() -> None:
    clock = OffsetClock()
    clock.advance(10)

    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)

    assert clock.now() - utcnow() > timedelta(seconds=9)


def test_offset_clock_advance_zero_is_allowed() -> None:
    clock = OffsetClock()
    assert abs(clock.advance(0) - utcnow()) < SLACK


def test_fake_clock_stands_still() -> None:
    clock = FakeClock()
    assert clock.now() == clock.now() == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_fake_clock_start_advance_and_set() -> None:
    start = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    clock = FakeClock(start)

    assert clock.advance(90) == start + timedelta(seconds=90)
    assert clock.now() == start + timedelta(seconds=90)

    clock.set(start)
    assert clock.now() == start


def test_fake_clock_rejects_going_back() -> None:
    clock = FakeClock()
    before = clock.now()

    with pytest.raises(ValueError):
        clock.advance(-0.1)

    assert clock.now() == before
