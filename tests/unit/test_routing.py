"""Routing rules on the domain, with in-memory storage, a fake clock and the real scheduler.

Offers go to one Ready agent at a time with free capacity, longest idle first; deadlines
fire through ``Scheduler.run_due`` after the clock moves, exactly as in the running app.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.agents import Agent, AutoAnswer
from domain.case_data import CaseDataField, FieldKind
from domain.clock import FakeClock
from domain.contacts import Contact, ContactPhone
from domain.desktop import PresenceService
from domain.events import InteractionAccepted, OfferEnded, OfferMade
from domain.inbound import NewInbound
from domain.interactions import Channel, MediaItem, Offer, OfferOutcome, State
from domain.presence import Status
from domain.queues import CentreNumber, Mode
from domain.routing import OFFER_DEADLINE, RoutingError, RoutingService
from domain.scheduler import Scheduler

from .fakes import (
    FakeAgentRepository,
    FakeDeadlineStore,
    FakeDirectoryRepository,
    FakeInteractionRepo,
    FakePresenceRepository,
    RecordingBus,
)

SESSION_NUMBER = "+12125550100"
PAGE_NUMBER = "+12125550101"
JORDAN = "+14155550123"


class World:
    """Everything routing needs, wired like ``main.build_services``."""

    def __init__(self, **routing_options: Any) -> None:
        self.clock = FakeClock()
        self.bus = RecordingBus()
        self.agents = FakeAgentRepository()
        self.presence_repo = FakePresenceRepository()
        self.directory = FakeDirectoryRepository(
            centre_numbers=[
                CentreNumber(SESSION_NUMBER, Mode.SESSION, 1, "Support"),
                CentreNumber(PAGE_NUMBER, Mode.PAGE, 2, "Sales"),
            ],
            contacts=[Contact(1, "Jordan Lee", (ContactPhone(JORDAN),))],
            case_data_fields=[
                CaseDataField("customer_segment", "Customer segment", position=0),
                CaseDataField("order_number", "Order number", editable=True, position=1),
                CaseDataField("account_page", "Account page", kind=FieldKind.URL, position=2),
                CaseDataField("subject", "Subject", editable=True, position=3),
            ],
        )
        self.repo = FakeInteractionRepo(self.presence_repo, self.agents, self.directory)
        self.store = FakeDeadlineStore()
        self.presence = PresenceService(self.presence_repo, self.bus, self.clock, ["Lunch"])
        self.routing_options = routing_options
        self.scheduler, self.routing = self.start()
        self._message_ids = 0

    def start(self) -> tuple[Scheduler, RoutingService]:
        """A (re)started process: a new scheduler and routing service over the same storage."""
        scheduler = Scheduler(self.store, self.clock)
        routing = RoutingService(
            self.repo, self.agents, self.directory, scheduler, self.bus, self.clock,
            **self.routing_options,
        )
        self.presence.on_change(routing.on_presence)
        return scheduler, routing

    def restart(self) -> None:
        # The old service stays subscribed to presence in this process; a real restart
        # drops it. Give presence a fresh listener list so only the new service reacts.
        self.presence = PresenceService(self.presence_repo, self.bus, self.clock, ["Lunch"])
        self.scheduler, self.routing = self.start()

    def agent(self, name: str, *, ready: bool = True, **options: Any) -> Agent:
        agent = self.agents.add(name, "x")
        if options:
            agent = self.agents.update_options(agent.id, **options)
        if ready:
            self.presence.log_in(agent.id)
            self.presence.set_ready(agent.id)
        return agent

    def store_inbound(
        self,
        text: str = "Hello",
        *,
        sender: str = "+14155550999",
        to: str = PAGE_NUMBER,
        mode: Mode = Mode.PAGE,
        channel: Channel = Channel.SMS,
        contact_id: int | None = None,
        case_data: dict[str, Any] | None = None,
        media: tuple[MediaItem, ...] = (),
    ) -> str:
        self._message_ids += 1
        stored = self.repo.add_inbound(
            NewInbound(
                provider_message_id=f"m{self._message_ids}", sender=sender, centre_number=to,
                text=text, channel=channel, mode=mode, queue_id=1, contact_id=contact_id,
                received_at=self.clock.now(), media=media, case_data=case_data or {},
            )
        )
        return stored.interaction_id

    def arrive(self, text: str = "Hello", **kwargs: Any) -> str:
        """A new inbound interaction, routed as InboundService does."""
        interaction_id = self.store_inbound(text, **kwargs)
        self.routing.route(interaction_id)
        return interaction_id

    def pending(self, agent: Agent | None = None) -> list[Offer]:
        return self.repo.pending_offers(agent.id if agent else None)

    def only_pending(self, agent: Agent) -> Offer:
        offers = self.pending(agent)
        assert len(offers) == 1, offers
        return offers[0]

    def state(self, interaction_id: str) -> State:
        found = self.repo.get(interaction_id)
        assert found is not None
        return found.state

    def tick(self, seconds: float) -> int:
        """Move the clock and fire what fell due, like POST /api/v1/test/clock."""
        self.clock.advance(seconds)
        return self.scheduler.run_due()

    def ended(self) -> list[tuple[int, str, str]]:
        return [(e.agent_id, e.interaction_id, e.outcome) for e in self.bus.of(OfferEnded)]

    def made(self) -> list[tuple[int, str]]:
        return [(e.agent_id, e.interaction_id) for e in self.bus.of(OfferMade)]


@pytest.fixture
def w() -> World:
    return World()


def ready_in_order(w: World, *names: str, gap: float = 5, **options: Any) -> list[Agent]:
    """Agents made Ready one after the other, ``gap`` seconds apart (first = idle longest)."""
    agents = []
    for name in names:
        agents.append(w.agent(name, **options))
        w.clock.advance(gap)
    return agents


# -- who gets an offer --------------------------------------------------------------------


def test_an_interaction_is_offered_to_one_ready_agent_only(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")

    interaction_id = w.arrive()

    assert w.state(interaction_id) is State.OFFERED
    offer = w.only_pending(alice)
    assert w.pending(bob) == []
    assert offer.interaction_id == interaction_id
    assert offer.offered_at == w.clock.now()
    assert offer.deadline == w.clock.now() + timedelta(seconds=30)
    assert not offer.auto_answer
    assert w.made() == [(alice.id, interaction_id)]
    assert [(d.ref, d.due_at) for d in w.scheduler.pending(OFFER_DEADLINE)] == [
        (str(offer.id), offer.deadline)
    ]


def test_agents_not_ready_or_logged_out_are_offered_nothing(w: World) -> None:
    w.agent("never_logged_in", ready=False)
    not_ready = w.agent("not_ready", ready=False)
    w.presence.log_in(not_ready.id)
    lunch = w.agent("lunch")
    w.presence.set_not_ready(lunch.id, "Lunch")
    gone = w.agent("gone")
    w.presence.log_out(gone.id)

    interaction_id = w.arrive()

    assert w.routing.route(interaction_id) is None
    assert w.state(interaction_id) is State.QUEUED
    assert w.pending() == []
    assert w.made() == []
    assert w.scheduler.pending() == []


def test_an_agent_at_capacity_gets_no_further_offer(w: World) -> None:
    alice = w.agent("alice", sms_capacity=1)
    first = w.arrive("first")
    w.routing.accept(w.only_pending(alice).id, alice.id)

    second = w.arrive("second")

    assert w.state(second) is State.QUEUED
    assert w.pending() == []
    assert [i.id for i in w.routing.owned(alice.id)] == [first]
    # Someone with room takes it as soon as they are Ready.
    bob = w.agent("bob")
    assert w.only_pending(bob).interaction_id == second


def test_pending_offers_count_toward_capacity(w: World) -> None:
    alice = w.agent("alice", sms_capacity=2)
    first, second, third = w.arrive("1"), w.arrive("2"), w.arrive("3")

    assert [o.interaction_id for o in w.pending(alice)] == [first, second]
    assert w.state(third) is State.QUEUED

    # Accepting one keeps the load at two (one active, one pending): still no room.
    w.routing.accept(w.pending(alice)[0].id, alice.id)
    assert w.routing.route_waiting() == 0
    assert w.state(third) is State.QUEUED


def test_finishing_work_frees_capacity_for_the_queue(w: World) -> None:
    alice = w.agent("alice", sms_capacity=1)
    first = w.arrive("first")
    w.routing.accept(w.only_pending(alice).id, alice.id)
    second = w.arrive("second")
    assert w.state(second) is State.QUEUED

    w.clock.advance(60)
    assert w.repo.finish(first, alice.id, w.clock.now()) is not None
    assert w.routing.route_waiting() == 1  # main.py: handling.on_done -> route_waiting

    assert w.only_pending(alice).interaction_id == second


# -- longest idle first -------------------------------------------------------------------


def test_the_agent_ready_longest_gets_the_offer(w: World) -> None:
    bob, alice = ready_in_order(w, "bob", "alice")  # bob Ready first

    w.arrive()

    assert w.pending(alice) == []
    assert len(w.pending(bob)) == 1


def test_after_accepting_work_the_other_agent_is_idle_longer(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    w.arrive("first")
    w.clock.advance(3)
    w.routing.accept(w.only_pending(alice).id, alice.id)  # alice's idle time restarts now

    w.clock.advance(10)
    second = w.arrive("second")

    assert w.only_pending(bob).interaction_id == second
    assert w.pending(alice) == []


def test_after_finishing_work_the_agent_idle_longer_goes_first(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    first = w.arrive("first")
    w.routing.accept(w.only_pending(alice).id, alice.id)  # alice busy since t
    w.clock.advance(5)
    w.arrive("second")
    w.routing.accept(w.only_pending(bob).id, bob.id)  # bob busy since t+5
    w.clock.advance(5)
    w.repo.finish(first, alice.id, w.clock.now())  # alice free again at t+10

    w.clock.advance(5)
    third = w.arrive("third")

    # Alice accepted earlier, but finished after bob took his: bob has been idle longer.
    assert w.only_pending(bob).interaction_id == third
    assert w.pending(alice) == []


def test_a_burst_is_spread_over_idle_agents_not_piled_on_the_first(w: World) -> None:
    """An agent with a preview waiting is no longer idle: the next interaction goes to the
    agent who is, rather than stacking a second preview on the first agent."""
    alice, bob = ready_in_order(w, "alice", "bob")

    first = w.arrive("first")
    w.clock.advance(1)
    second = w.arrive("second")

    assert [o.interaction_id for o in w.pending(alice)] == [first]
    assert [o.interaction_id for o in w.pending(bob)] == [second]

    # With everyone holding an offer, spare capacity is still used: the agent whose
    # offer is older has been waiting on it longer.
    w.clock.advance(1)
    third = w.arrive("third")
    assert [o.interaction_id for o in w.pending(alice)] == [first, third]


# -- the offer deadline -------------------------------------------------------------------


def test_no_answer_by_the_deadline_moves_the_offer_to_the_next_agent(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)

    assert w.tick(29.9) == 0
    assert w.only_pending(alice) == offer
    assert w.ended() == []

    assert w.tick(0.1) == 1

    timed_out = w.repo.offer(offer.id)
    assert timed_out is not None
    assert timed_out.outcome is OfferOutcome.TIMEOUT
    assert timed_out.decided_at == offer.deadline
    assert w.ended() == [(alice.id, interaction_id, "timeout")]
    assert w.pending(alice) == []
    next_offer = w.only_pending(bob)
    assert next_offer.interaction_id == interaction_id
    assert next_offer.deadline == w.clock.now() + timedelta(seconds=30)
    assert w.made() == [(alice.id, interaction_id), (bob.id, interaction_id)]
    assert w.state(interaction_id) is State.OFFERED


def test_the_offer_timeout_is_configurable() -> None:
    w = World(offer_timeout_seconds=5)
    alice, bob = ready_in_order(w, "alice", "bob")
    w.arrive()

    assert w.only_pending(alice).deadline == w.clock.now() + timedelta(seconds=5)
    assert w.tick(5) == 1
    assert len(w.pending(bob)) == 1


def test_a_timeout_with_nobody_else_offers_it_again_to_the_same_agent(w: World) -> None:
    alice = w.agent("alice")
    interaction_id = w.arrive()
    first = w.only_pending(alice)

    w.tick(30)

    again = w.only_pending(alice)
    assert again.id != first.id
    assert again.interaction_id == interaction_id
    assert w.ended() == [(alice.id, interaction_id, "timeout")]


# -- rejecting ----------------------------------------------------------------------------


def test_reject_moves_the_offer_to_the_next_agent_at_once(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)

    rejected = w.routing.reject(offer.id, alice.id)

    assert rejected.outcome is OfferOutcome.REJECTED
    assert rejected.decided_at == w.clock.now()
    assert w.ended() == [(alice.id, interaction_id, "rejected")]
    assert w.only_pending(bob).interaction_id == interaction_id
    # The rejected offer's deadline is gone: nothing fires for it later.
    assert [d.ref for d in w.scheduler.pending(OFFER_DEADLINE)] == [
        str(w.only_pending(bob).id)
    ]


def test_a_refusing_agent_is_skipped_while_someone_else_can_take_it(w: World) -> None:
    alice, bob, carol = ready_in_order(w, "alice", "bob", "carol")
    interaction_id = w.arrive()
    w.routing.reject(w.only_pending(alice).id, alice.id)
    assert w.only_pending(bob).interaction_id == interaction_id  # not alice, idle longest

    # Bob goes to lunch: his offer is withdrawn. Alice refused it a moment ago: carol.
    w.clock.advance(10)
    w.presence.set_not_ready(bob.id, "Lunch")
    assert w.pending(alice) == []
    assert w.only_pending(carol).interaction_id == interaction_id

    # Carol lets it time out. Nobody but refusers is left: it goes back to alice.
    w.tick(30)
    assert w.only_pending(alice).interaction_id == interaction_id
    assert w.pending(carol) == []
    assert w.ended() == [
        (alice.id, interaction_id, "rejected"),
        (bob.id, interaction_id, "withdrawn"),
        (carol.id, interaction_id, "timeout"),
    ]


def test_a_rejecting_agent_is_offered_it_again_if_nobody_else_can(w: World) -> None:
    alice = w.agent("alice")
    interaction_id = w.arrive()
    first = w.only_pending(alice)

    w.routing.reject(first.id, alice.id)

    again = w.only_pending(alice)
    assert again.id != first.id and again.interaction_id == interaction_id


def test_the_reject_cooldown_ends() -> None:
    w = World(reject_cooldown_seconds=10)
    alice, bob, carol = ready_in_order(w, "alice", "bob", "carol")
    interaction_id = w.arrive()
    w.routing.reject(w.only_pending(alice).id, alice.id)
    assert w.only_pending(bob).interaction_id == interaction_id

    w.tick(30)  # bob times out; alice's refusal is 30 s old, past the 10 s cooldown

    assert w.only_pending(alice).interaction_id == interaction_id
    assert w.pending(carol) == []


def test_within_the_default_cooldown_the_refuser_is_still_skipped(w: World) -> None:
    alice, bob, carol = ready_in_order(w, "alice", "bob", "carol")
    interaction_id = w.arrive()
    w.routing.reject(w.only_pending(alice).id, alice.id)

    w.tick(30)  # bob times out; alice refused 30 s ago, well within 120 s

    assert w.only_pending(carol).interaction_id == interaction_id
    assert w.pending(alice) == []


# -- nobody Ready, Not Ready and log out ----------------------------------------------------


def test_with_nobody_ready_it_waits_and_goes_to_the_first_agent_to_become_ready(
    w: World,
) -> None:
    alice = w.agent("alice", ready=False)
    interaction_id = w.arrive()
    assert w.state(interaction_id) is State.QUEUED

    w.presence.log_in(alice.id)  # Not Ready after log-in: still waiting
    assert w.state(interaction_id) is State.QUEUED
    assert w.pending() == []

    w.clock.advance(42)
    w.presence.set_ready(alice.id)  # presence.on_change(routing.on_presence)

    offer = w.only_pending(alice)
    assert offer.interaction_id == interaction_id
    assert offer.offered_at == w.clock.now()
    interaction = w.repo.get(interaction_id)
    assert interaction is not None
    assert interaction.queued_at == w.clock.now() - timedelta(seconds=42)  # time in queue


def test_going_not_ready_withdraws_the_pending_offer_and_reroutes_it(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)

    w.presence.set_not_ready(alice.id, "Lunch")

    withdrawn = w.repo.offer(offer.id)
    assert withdrawn is not None and withdrawn.outcome is OfferOutcome.WITHDRAWN
    assert w.ended() == [(alice.id, interaction_id, "withdrawn")]
    assert w.only_pending(bob).interaction_id == interaction_id
    # Alice's deadline no longer exists: the clock passing it changes nothing.
    w.tick(29)
    assert w.ended() == [(alice.id, interaction_id, "withdrawn")]


def test_logging_out_withdraws_the_pending_offer_and_reroutes_it(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)

    w.presence.log_out(alice.id)

    withdrawn = w.repo.offer(offer.id)
    assert withdrawn is not None and withdrawn.outcome is OfferOutcome.WITHDRAWN
    assert w.only_pending(bob).interaction_id == interaction_id


def test_withdrawn_with_nobody_else_ready_it_waits_in_the_queue(w: World) -> None:
    alice = w.agent("alice")
    interaction_id = w.arrive()

    w.presence.set_not_ready(alice.id)

    assert w.state(interaction_id) is State.QUEUED
    assert w.pending() == []
    assert w.scheduler.pending(OFFER_DEADLINE) == []
    # A withdrawal is not a refusal: back to Ready, she gets it again.
    w.presence.set_ready(alice.id)
    assert w.only_pending(alice).interaction_id == interaction_id


def test_going_not_ready_only_withdraws_that_agents_offers(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    first, second = w.arrive("1"), w.arrive("2")
    assert {o.interaction_id for o in w.pending()} == {first, second}
    bobs = w.only_pending(bob)

    w.presence.set_not_ready(alice.id, "Lunch")

    assert w.pending(alice) == []
    assert bobs in w.pending(bob)
    assert len(w.pending(bob)) == 2  # alice's went to bob, who has room


# -- accepting ----------------------------------------------------------------------------


def test_accept_makes_the_agent_the_owner(w: World) -> None:
    alice = w.agent("alice")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)
    w.clock.advance(4)
    w.bus.events.clear()

    accepted = w.routing.accept(offer.id, alice.id)

    assert accepted.outcome is OfferOutcome.ACCEPTED
    assert accepted.decided_at == w.clock.now()
    interaction = w.repo.get(interaction_id)
    assert interaction is not None
    assert interaction.state is State.ACTIVE
    assert interaction.owner_id == alice.id
    assert interaction.accepted_at == w.clock.now()
    assert w.bus.events == [
        OfferEnded(offer.id, alice.id, interaction_id, "accepted"),
        InteractionAccepted(interaction_id, alice.id),
    ]
    assert [i.id for i in w.routing.owned(alice.id)] == [interaction_id]
    assert w.routing.previews(alice.id) == []
    assert w.scheduler.pending(OFFER_DEADLINE) == []
    assert w.tick(60) == 0  # no deadline left to time it out


def test_accepting_twice_is_refused(w: World) -> None:
    alice = w.agent("alice")
    w.arrive()
    offer = w.only_pending(alice)
    w.routing.accept(offer.id, alice.id)
    w.bus.events.clear()

    with pytest.raises(RoutingError, match="no longer offered to you"):
        w.routing.accept(offer.id, alice.id)
    with pytest.raises(RoutingError, match="no longer offered to you"):
        w.routing.reject(offer.id, alice.id)
    assert w.bus.events == []


def test_accepting_someone_elses_offer_is_refused(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)

    with pytest.raises(RoutingError, match="not offered to you"):
        w.routing.accept(offer.id, bob.id)
    with pytest.raises(RoutingError, match="not offered to you"):
        w.routing.reject(offer.id, bob.id)
    with pytest.raises(RoutingError, match="not offered to you"):
        w.routing.accept(9999, alice.id)

    assert w.only_pending(alice) == offer
    assert w.state(interaction_id) is State.OFFERED


def test_accepting_after_the_timeout_is_refused(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)
    w.tick(30)

    with pytest.raises(RoutingError, match="no longer offered to you"):
        w.routing.accept(offer.id, alice.id)

    interaction = w.repo.get(interaction_id)
    assert interaction is not None and interaction.owner_id is None
    assert len(w.pending(bob)) == 1


def test_of_two_settlements_of_one_offer_only_the_first_counts(w: World) -> None:
    """The deadline firing right after an accept changes nothing (settled once)."""
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()
    offer = w.only_pending(alice)
    w.routing.accept(offer.id, alice.id)

    # Put a stale deadline back, as if the timer had already been claimed by a worker.
    w.scheduler.schedule(OFFER_DEADLINE, str(offer.id), w.clock.now())
    assert w.tick(0) == 1

    interaction = w.repo.get(interaction_id)
    assert interaction is not None
    assert interaction.owner_id == alice.id and interaction.state is State.ACTIVE
    assert w.ended() == [(alice.id, interaction_id, "accepted")]
    assert w.pending(bob) == []


# -- auto-answer --------------------------------------------------------------------------


def test_auto_answer_opens_the_interaction_at_once(w: World) -> None:
    dave = w.agent("dave", auto_answer=AutoAnswer.AUTO)

    interaction_id = w.arrive()

    assert w.pending() == []
    assert w.routing.previews(dave.id) == []
    interaction = w.repo.get(interaction_id)
    assert interaction is not None
    assert interaction.state is State.ACTIVE and interaction.owner_id == dave.id
    assert w.scheduler.pending() == []
    assert [type(e) for e in w.bus.events[-3:]] == [OfferMade, OfferEnded, InteractionAccepted]
    assert w.ended() == [(dave.id, interaction_id, "accepted")]


def test_an_auto_answer_interrupted_by_a_stop_opens_after_the_restart(w: World) -> None:
    dave = w.agent("dave", auto_answer=AutoAnswer.AUTO)

    def stopped(*_args: Any) -> None:
        raise RuntimeError("the process stopped here")

    w.repo.decide = stopped  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        w.arrive()
    del w.repo.decide
    [offer] = w.pending(dave)  # offered, never accepted
    w.restart()

    assert w.routing.resume() == 0
    assert w.tick(0) == 1

    settled = w.repo.offer(offer.id)
    assert settled is not None and settled.outcome is OfferOutcome.ACCEPTED
    assert [i.id for i in w.routing.owned(dave.id)] == [offer.interaction_id]


def test_auto_answer_with_preview_opens_at_the_deadline(w: World) -> None:
    carol = w.agent("carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=10)
    interaction_id = w.arrive()
    offer = w.only_pending(carol)
    assert offer.auto_answer
    assert offer.deadline == w.clock.now() + timedelta(seconds=10)

    assert w.tick(9.9) == 0
    assert w.state(interaction_id) is State.OFFERED

    assert w.tick(0.1) == 1

    settled = w.repo.offer(offer.id)
    assert settled is not None and settled.outcome is OfferOutcome.ACCEPTED
    interaction = w.repo.get(interaction_id)
    assert interaction is not None
    assert interaction.state is State.ACTIVE and interaction.owner_id == carol.id
    assert w.ended() == [(carol.id, interaction_id, "accepted")]
    assert w.bus.of(InteractionAccepted) == [InteractionAccepted(interaction_id, carol.id)]


def test_auto_answer_with_preview_can_be_accepted_before_the_countdown_ends(w: World) -> None:
    carol = w.agent("carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=10)
    interaction_id = w.arrive()
    w.clock.advance(2)

    w.routing.accept(w.only_pending(carol).id, carol.id)

    assert w.tick(20) == 0
    assert w.ended() == [(carol.id, interaction_id, "accepted")]


def test_auto_answer_countdown_follows_the_agents_setting(w: World) -> None:
    carol = w.agent("carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=3)
    w.arrive()

    assert w.only_pending(carol).deadline == w.clock.now() + timedelta(seconds=3)


def test_rejecting_an_auto_preview_offer_is_refused_when_not_allowed(w: World) -> None:
    carol = w.agent(
        "carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=10, may_reject=False
    )
    w.clock.advance(1)
    w.agent("bob")
    interaction_id = w.arrive()
    offer = w.only_pending(carol)

    with pytest.raises(RoutingError, match="may not reject"):
        w.routing.reject(offer.id, carol.id)

    assert w.only_pending(carol) == offer
    assert w.state(interaction_id) is State.OFFERED
    preview = w.routing.previews(carol.id)[0]
    assert preview.may_reject is False
    w.tick(10)  # and it still opens at the deadline
    assert w.routing.owned(carol.id)[0].id == interaction_id


def test_rejecting_an_auto_preview_offer_is_allowed_when_permitted(w: World) -> None:
    carol = w.agent(
        "carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=10, may_reject=True
    )
    w.clock.advance(1)
    bob = w.agent("bob")
    interaction_id = w.arrive()
    offer = w.only_pending(carol)
    assert w.routing.previews(carol.id)[0].may_reject is True

    w.routing.reject(offer.id, carol.id)

    assert w.ended() == [(carol.id, interaction_id, "rejected")]
    assert w.only_pending(bob).interaction_id == interaction_id


def test_a_manual_offer_can_always_be_rejected(w: World) -> None:
    alice = w.agent("alice", may_reject=False)
    interaction_id = w.arrive()

    preview = w.routing.previews(alice.id)[0]
    assert preview.may_reject is True
    w.routing.reject(preview.offer.id, alice.id)
    assert w.ended() == [(alice.id, interaction_id, "rejected")]


# -- what the preview shows ---------------------------------------------------------------


def test_previews_list_pending_offers_with_case_data_and_first_text(w: World) -> None:
    alice = w.agent("alice")
    first = w.arrive(
        "Where is my order?\nIt is late.",
        sender=JORDAN,
        contact_id=1,
        case_data={
            "subject": "Where is my order?",
            "account_page": "https://crm.example.com/contacts/1",
            "customer_segment": "Retail",
            "not_a_field": "hidden",
        },
    )
    w.clock.advance(1)
    second = w.arrive("Second one", case_data={"subject": "Second one"})

    previews = w.routing.previews(alice.id)

    assert [p.interaction.id for p in previews] == [first, second]  # oldest first
    top = previews[0]
    assert top.offer == w.pending(alice)[0]
    assert top.interaction.contact_label == "Jordan Lee"
    assert top.first_text == "Where is my order?\nIt is late."
    assert top.may_reject is True
    # Configured fields only, in their configured order, with their kind.
    assert top.case_fields == (
        ("customer_segment", "Customer segment", "Retail", "text"),
        ("account_page", "Account page", "https://crm.example.com/contacts/1", "url"),
        ("subject", "Subject", "Where is my order?", "text"),
    )
    assert previews[1].interaction.contact_label == "+14155550999"
    assert previews[1].case_fields == (("subject", "Subject", "Second one", "text"),)


def test_previews_belong_to_the_agent_offered(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    w.arrive()

    assert len(w.routing.previews(alice.id)) == 1
    assert w.routing.previews(bob.id) == []
    offer = w.only_pending(alice)
    w.routing.reject(offer.id, alice.id)
    assert w.routing.preview(offer.id) is None
    assert w.routing.previews(alice.id) == []
    assert len(w.routing.previews(bob.id)) == 1


def test_preview_of_a_joined_session_shows_the_first_message(w: World) -> None:
    alice = w.agent("alice")
    interaction_id = w.arrive("first", to=SESSION_NUMBER, mode=Mode.SESSION)
    w.clock.advance(1)
    again = w.store_inbound("second", to=SESSION_NUMBER, mode=Mode.SESSION)
    assert again == interaction_id

    preview = w.routing.previews(alice.id)[0]
    assert preview.first_text == "first"
    assert preview.interaction.mode is Mode.SESSION


def test_preview_of_an_mms_without_text(w: World) -> None:
    alice = w.agent("alice")
    image = MediaItem("media-1", "image/png", "cat.png", 120)
    w.arrive("", channel=Channel.MMS, media=(image,))

    preview = w.routing.previews(alice.id)[0]
    assert preview.first_text == ""
    assert preview.interaction.channel is Channel.MMS


# -- restart ------------------------------------------------------------------------------


def test_after_a_restart_queued_work_is_routed_and_pending_offers_still_time_out(
    w: World,
) -> None:
    alice = w.agent("alice", sms_capacity=1)
    offered = w.arrive("offered before the restart")
    w.clock.advance(1)
    waiting = w.arrive("still waiting")
    alices_offer = w.only_pending(alice)
    assert w.state(waiting) is State.QUEUED

    # Bob's Ready status was stored just before the process went down.
    bob = w.agents.add("bob", "x")
    w.presence_repo.set(bob.id, Status.READY, None, w.clock.now())
    w.clock.advance(10)
    w.restart()

    assert w.routing.resume() == 1
    assert w.only_pending(bob).interaction_id == waiting
    assert w.only_pending(alice) == alices_offer  # untouched by the restart

    w.tick(19)  # alice's stored deadline: 30 s after her offer

    settled = w.repo.offer(alices_offer.id)
    assert settled is not None and settled.outcome is OfferOutcome.TIMEOUT
    assert [o.interaction_id for o in w.pending(bob)] == [waiting, offered]


def test_after_a_restart_an_auto_preview_countdown_still_opens_it(w: World) -> None:
    carol = w.agent("carol", auto_answer=AutoAnswer.AUTO_PREVIEW, auto_answer_seconds=10)
    interaction_id = w.arrive()
    w.clock.advance(4)
    w.restart()

    assert w.routing.resume() == 0
    assert w.tick(6) == 1
    assert w.routing.owned(carol.id)[0].id == interaction_id


# -- the transcript -----------------------------------------------------------------------


def test_only_the_owner_reads_the_transcript(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive("first", to=SESSION_NUMBER, mode=Mode.SESSION)
    w.clock.advance(1)
    w.store_inbound("second", to=SESSION_NUMBER, mode=Mode.SESSION)

    with pytest.raises(RoutingError, match="not yours"):
        w.routing.transcript(interaction_id, alice.id)  # offered is not owned

    w.routing.accept(w.only_pending(alice).id, alice.id)

    assert [m.text for m in w.routing.transcript(interaction_id, alice.id)] == [
        "first", "second"
    ]
    with pytest.raises(RoutingError, match="not yours"):
        w.routing.transcript(interaction_id, bob.id)
    with pytest.raises(RoutingError, match="not yours"):
        w.routing.transcript("no-such-interaction", alice.id)


# -- the queue ----------------------------------------------------------------------------


def test_waiting_interactions_are_offered_oldest_first_until_nobody_has_room(
    w: World,
) -> None:
    alice = w.agent("alice", ready=False, sms_capacity=2)
    bob = w.agent("bob", ready=False, sms_capacity=1)
    ids = []
    for n in range(5):
        ids.append(w.arrive(f"message {n}"))
        w.clock.advance(1)
    assert all(w.state(i) is State.QUEUED for i in ids)

    routed: list[str] = []
    real_route = w.routing.route

    def spy(interaction_id: str) -> Offer | None:
        routed.append(interaction_id)
        return real_route(interaction_id)

    w.routing.route = spy  # type: ignore[method-assign]
    w.presence.log_in(alice.id)
    w.presence.set_ready(alice.id)

    assert [o.interaction_id for o in w.pending(alice)] == ids[:2]
    # It stopped at the first interaction nobody could take, not trying the rest.
    assert routed == ids[:3]
    assert [i.id for i in w.repo.queued()] == ids[2:]

    routed.clear()
    w.presence.log_in(bob.id)
    w.presence.set_ready(bob.id)
    assert [o.interaction_id for o in w.pending(bob)] == [ids[2]]
    assert [i.id for i in w.repo.queued()] == ids[3:]


def test_a_rerouted_interaction_keeps_its_place_in_the_queue(w: World) -> None:
    alice = w.agent("alice", sms_capacity=1)
    older = w.arrive("older")
    w.clock.advance(1)
    newer = w.arrive("newer")
    assert w.state(newer) is State.QUEUED

    w.presence.set_not_ready(alice.id)  # older goes back to the queue
    assert [i.id for i in w.repo.queued()] == [older, newer]

    w.presence.set_ready(alice.id)
    assert w.only_pending(alice).interaction_id == older


def test_route_ignores_interactions_that_are_not_queued(w: World) -> None:
    alice, bob = ready_in_order(w, "alice", "bob")
    interaction_id = w.arrive()

    assert w.routing.route(interaction_id) is None  # already offered
    assert w.routing.route("missing") is None
    assert len(w.pending()) == 1
