"""The callback repository on SQLite and PostgreSQL, with the real service on top."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.callbacks import Callback, CallbackService, CallbackState
from domain.clock import FakeClock
from domain.events import EventBus
from domain.interactions import Channel, Direction, Interaction, OfferOutcome, Party, State
from domain.presence import Status
from domain.queues import Mode
from domain.routing import RoutingService
from domain.scheduler import Scheduler
from storage.callbacks import CallbackRepo
from storage.db import Database
from storage.demo import seed_demo
from storage.interactions import InteractionRepo
from storage.repositories import AgentRepo, DeadlineRepo, DirectoryRepo, PresenceRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
JORDAN = "+14155550123"


@pytest.fixture
def seeded(db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]) -> Database:
    seed_demo(db, demo_toml, cheap_hash, T0)
    return db


def agent_id(db: Database, name: str) -> int:
    agent = AgentRepo(db).by_username(name)
    assert agent is not None
    return agent.id


def new_callback(db: Database, **changes: object) -> Callback:
    alice = agent_id(db, "alice")
    values: dict[str, object] = dict(
        id="c" * 32, contact_number=JORDAN, due_at=T0 + timedelta(hours=1), notes="refund",
        state=CallbackState.SCHEDULED, created_by=alice, created_at=T0, updated_at=T0,
        assigned_agent_id=alice, contact_id=DirectoryRepo(db).contact_id_by_phone(JORDAN),
        centre_number="+12125550101")
    values.update(changes)
    return Callback(**values)  # type: ignore[arg-type]


def test_add_get_update_round_trip(seeded: Database) -> None:
    repo = CallbackRepo(seeded)
    stored = repo.add(new_callback(seeded))
    assert stored.contact_name == "Jordan Lee"
    again = repo.get(stored.id)
    assert again == stored
    assert again is not None and again.due_at == T0 + timedelta(hours=1)
    later = T0 + timedelta(hours=3)
    moved = repo.update(stored.id, (CallbackState.SCHEDULED,), due_at=later, notes="n2",
                        state=CallbackState.DUE)
    assert moved is not None and (moved.due_at, moved.notes, moved.state) == (
        later, "n2", CallbackState.DUE)
    # the state guard: not from a state not expected
    assert repo.update(stored.id, (CallbackState.SCHEDULED,), notes="x") is None
    assert repo.get(stored.id).notes == "n2"  # type: ignore[union-attr]


def test_visible_to_mine_and_queue_callbacks(seeded: Database) -> None:
    repo = CallbackRepo(seeded)
    alice, bob = agent_id(seeded, "alice"), agent_id(seeded, "bob")
    queue = DirectoryRepo(seeded).queues()[0].id
    repo.add(new_callback(seeded, id="a" * 32))
    repo.add(new_callback(seeded, id="b" * 32, assigned_agent_id=None, queue_id=queue))
    repo.add(new_callback(seeded, id="d" * 32, state=CallbackState.CANCELLED,
                          updated_at=T0 - timedelta(days=3)))
    assert {c.id for c in repo.visible_to(alice, T0 - timedelta(days=1))} == {"a" * 32, "b" * 32}
    assert {c.id for c in repo.visible_to(alice, T0 - timedelta(days=5))} == {
        "a" * 32, "b" * 32, "d" * 32}
    assert {c.id for c in repo.visible_to(bob, T0 - timedelta(days=5))} == {"b" * 32}


def test_interaction_is_created_once_and_withdrawn_cleanly(seeded: Database) -> None:
    repo = CallbackRepo(seeded)
    interactions = InteractionRepo(seeded)
    callback = repo.add(new_callback(seeded))
    interaction = Interaction(
        id=callback.id, channel=Channel.CALLBACK, direction=Direction.OUTBOUND, mode=Mode.PAGE,
        state=State.QUEUED, contact_number=JORDAN, centre_number="+12125550101",
        queue_id=None, created_at=T0, queued_at=T0, contact_id=callback.contact_id,
        case_data={"callback_notes": "refund"}, target_agent_id=callback.assigned_agent_id)
    assert repo.create_interaction(interaction, "Callback scheduled by Alice")
    assert not repo.create_interaction(interaction, "again")
    stored = interactions.get(callback.id)
    assert stored is not None and stored.channel is Channel.CALLBACK
    assert stored.target_agent_id == callback.assigned_agent_id
    assert stored.contact_name == "Jordan Lee"
    [line] = interactions.messages(callback.id)
    assert (line.party, line.text) == (Party.SYSTEM, "Callback scheduled by Alice")
    alice = agent_id(seeded, "alice")
    offer = interactions.create_offer(callback.id, alice, T0, T0 + timedelta(seconds=30), False)
    assert offer is not None
    settled = repo.withdraw_interaction(callback.id, T0)
    assert settled is not None and [o.id for o in settled] == [offer.id]
    assert interactions.get(callback.id) is None
    assert interactions.offer(offer.id) is None
    assert repo.withdraw_interaction(callback.id, T0) == []  # already gone
    # created again after a reschedule, with the same id
    assert repo.create_interaction(interaction, "Callback scheduled by Alice")


def test_an_accepted_interaction_is_not_withdrawn(seeded: Database) -> None:
    repo = CallbackRepo(seeded)
    interactions = InteractionRepo(seeded)
    callback = repo.add(new_callback(seeded))
    repo.create_interaction(Interaction(
        id=callback.id, channel=Channel.CALLBACK, direction=Direction.OUTBOUND, mode=Mode.PAGE,
        state=State.QUEUED, contact_number=JORDAN, centre_number="+12125550101", queue_id=None,
        created_at=T0, queued_at=T0), "line")
    alice = agent_id(seeded, "alice")
    offer = interactions.create_offer(callback.id, alice, T0, T0 + timedelta(seconds=30), False)
    assert offer is not None
    interactions.decide(offer.id, OfferOutcome.ACCEPTED, T0)
    assert repo.withdraw_interaction(callback.id, T0) is None
    assert interactions.get(callback.id).state is State.ACTIVE  # type: ignore[union-attr]


def test_service_fires_a_due_callback_to_its_agent_through_real_storage(
    seeded: Database,
) -> None:
    clock = FakeClock(T0)
    bus = EventBus()
    agents, directory, interactions = AgentRepo(seeded), DirectoryRepo(seeded), \
        InteractionRepo(seeded)
    scheduler = Scheduler(DeadlineRepo(seeded), clock)
    routing = RoutingService(interactions, agents, directory, scheduler, bus, clock)
    service = CallbackService(CallbackRepo(seeded), interactions, agents, directory, scheduler,
                              bus, clock, routing.route)
    routing.on_accept(service.accepted)
    alice, bob = agent_id(seeded, "alice"), agent_id(seeded, "bob")
    presence = PresenceRepo(seeded)
    presence.set(bob, Status.READY, None, T0)
    presence.set(alice, Status.READY, None, T0 + timedelta(seconds=1))
    callback = service.schedule(alice, "415 555 0123", "2026-03-02T10:00", "refund")
    clock.advance(3600)
    assert scheduler.run_due() == 1
    [offer] = interactions.pending_offers()
    assert (offer.agent_id, offer.interaction_id) == (alice, callback.id)  # not bob
    routing.accept(offer.id, alice)
    assert service.get(callback.id, alice).state is CallbackState.ACTIVE
