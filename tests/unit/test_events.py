"""The event bus: filtering by type, closing subscriptions, isolation, dispatching, threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from domain.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    Event,
    EventBus,
    NotificationAdded,
    PresenceChanged,
)

WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHANGED = PresenceChanged(1, "ready", None, WHEN)
LOGGED_IN = AgentLoggedIn(1)
LOGGED_OUT = AgentLoggedOut(1)


def test_a_handler_gets_only_the_types_it_asked_for() -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.subscribe(got.append, PresenceChanged)

    bus.publish(LOGGED_IN)
    bus.publish(CHANGED)
    bus.publish(NotificationAdded(1, 5))

    assert got == [CHANGED]


def test_a_handler_may_ask_for_several_types() -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.subscribe(got.append, AgentLoggedIn, AgentLoggedOut)

    for event in (LOGGED_IN, CHANGED, LOGGED_OUT):
        bus.publish(event)

    assert got == [LOGGED_IN, LOGGED_OUT]


@pytest.mark.parametrize("types", [(Event,), ()], ids=["base Event", "no types"])
def test_subscribing_to_the_base_event_gets_everything(types: tuple[type[Event], ...]) -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.subscribe(got.append, *types)

    for event in (LOGGED_IN, CHANGED, LOGGED_OUT):
        bus.publish(event)

    assert got == [LOGGED_IN, CHANGED, LOGGED_OUT]


def test_every_subscriber_gets_its_own_copy() -> None:
    bus = EventBus()
    first: list[Event] = []
    second: list[Event] = []
    bus.subscribe(first.append)
    bus.subscribe(second.append, AgentLoggedIn)

    bus.publish(LOGGED_IN)

    assert first == second == [LOGGED_IN]


def test_close_stops_delivery_and_is_idempotent() -> None:
    bus = EventBus()
    got: list[Event] = []
    kept: list[Event] = []
    subscription = bus.subscribe(got.append)
    bus.subscribe(kept.append)
    bus.publish(LOGGED_IN)

    subscription.close()
    subscription.close()
    bus.publish(LOGGED_OUT)

    assert got == [LOGGED_IN]
    assert kept == [LOGGED_IN, LOGGED_OUT]
    assert bus.subscriber_count == 1


def test_the_same_handler_subscribed_twice_is_two_subscriptions() -> None:
    bus = EventBus()
    got: list[Event] = []
    first = bus.subscribe(got.append)
    bus.subscribe(got.append)

    first.close()
    bus.publish(LOGGED_IN)

    assert got == [LOGGED_IN]


def test_a_failing_handler_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    got: list[str] = []

    def broken(event: Event) -> None:
        got.append("broken")
        raise RuntimeError("client gone")

    bus.subscribe(lambda e: got.append("before"))
    bus.subscribe(broken)
    bus.subscribe(lambda e: got.append("after"))

    with caplog.at_level(logging.ERROR, logger="domain.events"):
        bus.publish(LOGGED_IN)  # does not raise into the publishing service

    assert got == ["before", "broken", "after"]
    assert "event handler failed" in caplog.text


class Collecting:
    """A dispatcher that only queues work, like handing it to an event loop."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def __call__(self, fn: Callable[[], None]) -> None:
        self.queued.append(fn)

    def run(self) -> None:
        queued, self.queued = self.queued, []
        for fn in queued:
            fn()


def test_a_custom_dispatcher_decides_when_handlers_run() -> None:
    dispatch = Collecting()
    bus = EventBus(dispatch)
    got: list[Event] = []
    bus.subscribe(got.append)

    bus.publish(LOGGED_IN)
    bus.publish(LOGGED_OUT)

    assert got == []
    assert len(dispatch.queued) == 2
    dispatch.run()
    assert got == [LOGGED_IN, LOGGED_OUT]


def test_set_dispatcher_replaces_the_default() -> None:
    bus = EventBus()
    got: list[Event] = []
    bus.subscribe(got.append)
    bus.publish(LOGGED_IN)
    assert got == [LOGGED_IN]  # default: at once

    dispatch = Collecting()
    bus.set_dispatcher(dispatch)
    bus.publish(LOGGED_OUT)

    assert got == [LOGGED_IN]
    dispatch.run()
    assert got == [LOGGED_IN, LOGGED_OUT]


def test_nothing_is_dispatched_without_an_interested_subscriber() -> None:
    dispatch = Collecting()
    bus = EventBus(dispatch)
    bus.subscribe(lambda e: None, AgentLoggedOut)

    bus.publish(LOGGED_IN)

    assert dispatch.queued == []


def test_a_subscription_closed_before_a_queued_delivery_runs_gets_nothing() -> None:
    # The browser went away between publish and the event loop running the delivery.
    dispatch = Collecting()
    bus = EventBus(dispatch)
    gone: list[Event] = []
    staying: list[Event] = []
    subscription = bus.subscribe(gone.append)
    bus.subscribe(staying.append)

    bus.publish(LOGGED_IN)
    subscription.close()
    dispatch.run()

    assert gone == []
    assert staying == [LOGGED_IN]


def test_a_subscriber_added_after_publish_does_not_get_the_earlier_event() -> None:
    dispatch = Collecting()
    bus = EventBus(dispatch)
    bus.subscribe(lambda e: None)

    bus.publish(LOGGED_IN)
    late: list[Event] = []
    bus.subscribe(late.append)
    dispatch.run()

    assert late == []


def test_a_handler_may_close_its_own_subscription() -> None:
    bus = EventBus()
    got: list[Event] = []

    def once(event: Event) -> None:
        got.append(event)
        subscription.close()

    subscription = bus.subscribe(once)
    bus.publish(LOGGED_IN)
    bus.publish(LOGGED_OUT)

    assert got == [LOGGED_IN]


def test_publishing_and_subscribing_from_many_threads() -> None:
    bus = EventBus()
    threads_n, per_thread = 8, 400
    lock = threading.Lock()
    received: list[Event] = []

    def steady(event: Event) -> None:
        with lock:
            received.append(event)

    bus.subscribe(steady, AgentLoggedIn)
    start = threading.Barrier(threads_n + 1)
    errors: list[BaseException] = []

    def publisher(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                bus.publish(AgentLoggedIn(n * per_thread + i))
        except BaseException as exc:  # surfaced below: a thread's error would vanish
            errors.append(exc)

    def churner() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                bus.subscribe(lambda e: None).close()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=publisher, args=(n,)) for n in range(threads_n)]
    workers.append(threading.Thread(target=churner))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)

    assert errors == []
    assert not any(w.is_alive() for w in workers)
    assert len(received) == threads_n * per_thread
    assert {e.agent_id for e in received} == set(range(threads_n * per_thread))  # type: ignore[attr-defined]
    assert bus.subscriber_count == 1
