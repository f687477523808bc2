"""Inbound storage and routing decisions on real databases, races included."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.inbound import NewInbound
from domain.interactions import Channel, OfferOutcome, State
from domain.presence import Status
from domain.queues import Mode
from storage.db import Database
from storage.demo import seed_demo
from storage.interactions import InteractionRepo
from storage.repositories import AgentRepo, DirectoryRepo, PresenceRepo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]) -> Database:
    seed_demo(db, demo_toml, cheap_hash, T0)
    return db


def inbound(db: Database, message_id: str, sender: str = "+14155550123",
            centre: str = "+12125550101", mode: Mode = Mode.PAGE,
            at: datetime = T0) -> NewInbound:
    queue_id = next(c.queue_id for c in DirectoryRepo(db).centre_numbers() if c.number == centre)
    return NewInbound(
        provider_message_id=message_id, sender=sender, centre_number=centre, text="hello",
        channel=Channel.SMS, mode=mode, queue_id=queue_id, contact_id=None, received_at=at,
        media=(), case_data={"subject": "hello"},
    )


def agent_id(db: Database, name: str) -> int:
    agent = AgentRepo(db).by_username(name)
    assert agent is not None
    return agent.id


def race(workers: int, action: Callable[[int], object]) -> list[object]:
    """Run ``action(i)`` in ``workers`` threads released at the same moment."""
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(i: int) -> None:
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_many_concurrent_accepts_leave_one_owner(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    stored = repo.add_inbound(inbound(seeded, "race-accept"))
    alice = agent_id(seeded, "alice")
    offer = repo.create_offer(stored.interaction_id, alice, T0, T0 + timedelta(seconds=30), False)
    assert offer is not None

    results = race(12, lambda i: repo.decide(offer.id, OfferOutcome.ACCEPTED, T0))

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    interaction = repo.get(stored.interaction_id)
    assert interaction is not None
    assert interaction.state is State.ACTIVE and interaction.owner_id == alice


def test_accept_racing_a_timeout_has_one_outcome(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    stored = repo.add_inbound(inbound(seeded, "race-timeout"))
    bob = agent_id(seeded, "bob")
    offer = repo.create_offer(stored.interaction_id, bob, T0, T0, False)
    assert offer is not None
    outcomes = [OfferOutcome.ACCEPTED, OfferOutcome.TIMEOUT] * 5

    results = race(len(outcomes), lambda i: repo.decide(offer.id, outcomes[i], T0))

    settled = [r for r in results if r is not None]
    assert len(settled) == 1
    interaction = repo.get(stored.interaction_id)
    assert interaction is not None
    if settled[0].outcome is OfferOutcome.ACCEPTED:  # type: ignore[union-attr]
        assert interaction.state is State.ACTIVE and interaction.owner_id == bob
    else:
        assert interaction.state is State.QUEUED and interaction.owner_id is None


def test_only_one_offer_at_a_time(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    stored = repo.add_inbound(inbound(seeded, "race-offer"))
    ids = [agent_id(seeded, n) for n in ("alice", "bob", "carol")]

    results = race(9, lambda i: repo.create_offer(
        stored.interaction_id, ids[i % 3], T0, T0 + timedelta(seconds=30), False))

    assert len([r for r in results if r is not None]) == 1
    assert len(repo.pending_offers()) == 1


def test_the_same_provider_message_is_stored_once(seeded: Database) -> None:
    repo = InteractionRepo(seeded)

    results = race(8, lambda i: repo.add_inbound(inbound(seeded, "race-dup")))

    fresh = [r for r in results if not r.duplicate]  # type: ignore[union-attr]
    assert len(fresh) == 1
    assert {r.interaction_id for r in results} == {fresh[0].interaction_id}  # type: ignore[union-attr]
    assert len(repo.messages(fresh[0].interaction_id)) == 1  # type: ignore[union-attr]


def test_session_texts_join_the_open_session(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    first = repo.add_inbound(inbound(seeded, "s1", centre="+12125550100", mode=Mode.SESSION))
    second = repo.add_inbound(inbound(seeded, "s2", centre="+12125550100", mode=Mode.SESSION,
                                      at=T0 + timedelta(seconds=5)))
    page = repo.add_inbound(inbound(seeded, "p1"))

    assert second.joined and second.interaction_id == first.interaction_id
    assert not page.joined and page.interaction_id != first.interaction_id
    assert [m.text for m in repo.messages(first.interaction_id)] == ["hello", "hello"]


def test_capacity_and_readiness_decide_candidates(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    presence = PresenceRepo(seeded)
    alice, bob = agent_id(seeded, "alice"), agent_id(seeded, "bob")
    assert repo.candidates() == []
    presence.set(alice, Status.READY, None, T0)
    presence.set(bob, Status.NOT_READY, "Lunch", T0)
    AgentRepo(seeded).update_options(alice, sms_capacity=1)
    assert [c.agent.id for c in repo.candidates()] == [alice]

    stored = repo.add_inbound(inbound(seeded, "cap"))
    offer = repo.create_offer(stored.interaction_id, alice, T0, T0 + timedelta(seconds=30), False)
    assert offer is not None
    assert repo.candidates() == []  # a pending offer uses her only slot
    repo.decide(offer.id, OfferOutcome.ACCEPTED, T0)
    assert repo.candidates() == []  # and so does the interaction she owns
    assert repo.finish(stored.interaction_id, alice, T0 + timedelta(minutes=1)) is not None
    assert [c.agent.id for c in repo.candidates()] == [alice]


def test_queue_and_pending_offers_survive_a_restart(
    seeded: Database, reopen: Callable[[Database], Database]
) -> None:
    repo = InteractionRepo(seeded)
    waiting = repo.add_inbound(inbound(seeded, "r1"))
    offered = repo.add_inbound(inbound(seeded, "r2", at=T0 + timedelta(seconds=1)))
    alice = agent_id(seeded, "alice")
    offer = repo.create_offer(offered.interaction_id, alice, T0, T0 + timedelta(seconds=30),
                              False)
    assert offer is not None

    again = InteractionRepo(reopen(seeded))

    assert [i.id for i in again.queued()] == [waiting.interaction_id]
    assert [o.id for o in again.pending_offers(alice)] == [offer.id]
    assert again.pending_offers(alice)[0].deadline == T0 + timedelta(seconds=30)


def test_a_text_after_the_session_expired_starts_a_new_interaction(seeded: Database) -> None:
    repo = InteractionRepo(seeded)
    first = repo.add_inbound(inbound(seeded, "e1", centre="+12125550100", mode=Mode.SESSION))
    alice = agent_id(seeded, "alice")
    offer = repo.create_offer(first.interaction_id, alice, T0, T0 + timedelta(seconds=30), False)
    assert offer is not None and repo.decide(offer.id, OfferOutcome.ACCEPTED, T0)
    assert repo.set_state(first.interaction_id, State.EXPIRED, [State.ACTIVE]) is not None

    later = repo.add_inbound(inbound(seeded, "e2", centre="+12125550100", mode=Mode.SESSION,
                                     at=T0 + timedelta(hours=1)))

    assert not later.joined and later.interaction_id != first.interaction_id
