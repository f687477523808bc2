"""Scheduled callbacks on the domain: in-memory storage, a fake clock, the real scheduler,
routing and handling, wired like ``main.build_services``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.agents import Agent
from domain.callbacks import (
    CALLBACK_DEADLINE,
    Callback,
    CallbackError,
    CallbackService,
    CallbackState,
    default_due,
    describe,
    normalise_number,
    parse_local,
)
from domain.clock import FakeClock
from domain.contacts import Contact, ContactPhone
from domain.desktop import PresenceService
from domain.events import CallbackChanged, OfferEnded
from domain.handling import HandlingService
from domain.inbound import NewInbound
from domain.interactions import (
    Channel,
    Direction,
    Interaction,
    Offer,
    OfferOutcome,
    Party,
    State,
)
from domain.queues import CentreNumber, Mode, Queue, TargetKind
from domain.routing import RoutingService
from domain.scheduler import Scheduler

from .fakes import (
    FakeAgentRepository,
    FakeDeadlineStore,
    FakeDirectoryRepository,
    FakeGateway,
    FakeInteractionRepo,
    FakePresenceRepository,
    RecordingBus,
)

SESSION_NUMBER = "+12125550100"
PAGE_NUMBER = "+12125550101"
JORDAN = "+14155550123"
T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)  # 09:00 in New York (EST)


class FakeCallbackRepo:
    """Callbacks in a dict; the interaction side works on the fake interaction repo."""

    def __init__(self, interactions: FakeInteractionRepo,
                 directory: FakeDirectoryRepository) -> None:
        self.rows: dict[str, Callback] = {}
        self.interactions = interactions
        self.directory = directory

    def _named(self, callback: Callback) -> Callback:
        contact = self.directory.contact(callback.contact_id) if callback.contact_id else None
        return replace(callback, contact_name=contact.name if contact else None)

    def add(self, callback: Callback) -> Callback:
        self.rows[callback.id] = callback
        return self._named(callback)

    def get(self, callback_id: str) -> Callback | None:
        found = self.rows.get(callback_id)
        return self._named(found) if found else None

    def update(self, callback_id: str, expect: tuple[CallbackState, ...], **changes: Any
               ) -> Callback | None:
        found = self.rows.get(callback_id)
        if found is None or found.state not in expect:
            return None
        self.rows[callback_id] = replace(found, **changes)
        return self.get(callback_id)

    def visible_to(self, agent_id: int, since: datetime) -> list[Callback]:
        open_states = (CallbackState.SCHEDULED, CallbackState.DUE, CallbackState.ACTIVE)
        return [self._named(c) for c in self.rows.values()
                if (agent_id in (c.assigned_agent_id, c.created_by) or c.assigned_agent_id is None)
                and (c.state in open_states or c.updated_at >= since)]

    def create_interaction(self, interaction: Interaction, first_line: str) -> bool:
        if self.interactions.get(interaction.id) is not None:
            return False
        self.interactions.put(interaction)
        self.interactions.put_message(interaction.id, Party.SYSTEM, first_line,
                                      interaction.created_at)
        return True

    def withdraw_interaction(self, interaction_id: str, at: datetime) -> list[Offer] | None:
        repo = self.interactions
        found = repo._interactions.get(interaction_id)
        if found is None:
            return []
        if found.state not in (State.QUEUED, State.OFFERED):
            return None
        settled = [replace(o, outcome=OfferOutcome.WITHDRAWN, decided_at=at)
                   for o in repo._offers.values()
                   if o.interaction_id == interaction_id and o.pending]
        repo._offers = {k: o for k, o in repo._offers.items()
                        if o.interaction_id != interaction_id}
        repo._messages = [m for m in repo._messages if m.interaction_id != interaction_id]
        del repo._interactions[interaction_id]
        return settled


class World:
    def __init__(self) -> None:
        self.clock = FakeClock(T0)
        self.bus = RecordingBus()
        self.agents = FakeAgentRepository()
        self.presence_repo = FakePresenceRepository()
        self.directory = FakeDirectoryRepository(
            queues=[Queue(1, "Support SMS"), Queue(2, "Sales SMS"), Queue(3, "Billing"),
                    Queue(4, "After Hours", TargetKind.ROUTING_POINT)],
            centre_numbers=[CentreNumber(SESSION_NUMBER, Mode.SESSION, 1, "Support"),
                            CentreNumber(PAGE_NUMBER, Mode.PAGE, 2, "Sales")],
            contacts=[Contact(1, "Jordan Lee", (ContactPhone(JORDAN),))],
        )
        self.repo = FakeInteractionRepo(self.presence_repo, self.agents, self.directory)
        self.store = FakeDeadlineStore()
        self.presence = PresenceService(self.presence_repo, self.bus, self.clock, ["Lunch"])
        self.scheduler = Scheduler(self.store, self.clock)
        self.routing = RoutingService(self.repo, self.agents, self.directory, self.scheduler,
                                      self.bus, self.clock)
        self.presence.on_change(self.routing.on_presence)
        self.gateway = FakeGateway()
        self.handling = HandlingService(self.repo, self.bus, self.clock, gateway=self.gateway,
                                        agents=self.agents, reference=self.directory,
                                        scheduler=self.scheduler)
        self.handling.on_done(lambda _i: self.routing.route_waiting())
        self.routing.on_accept(lambda o: self.handling.started(o.interaction_id, o.agent_id))
        self.callback_repo = FakeCallbackRepo(self.repo, self.directory)
        self.callbacks = CallbackService(
            self.callback_repo, self.repo, self.agents, self.directory, self.scheduler,
            self.bus, self.clock, self.routing.route)
        self.routing.on_accept(self.callbacks.accepted)
        self.handling.on_done(self.callbacks.finished)
        self.alice = self.agent("alice", time_zone="America/New_York")
        self.bob = self.agent("bob")
        self.carol = self.agent("carol")

    def agent(self, name: str, **options: Any) -> Agent:
        agent = self.agents.add(name, "x", display_name=f"{name.title()} Anders")
        return self.agents.update_options(agent.id, **options) if options else agent

    def ready(self, agent: Agent) -> None:
        self.presence.log_in(agent.id)
        self.presence.set_ready(agent.id)

    def owned_sms(self, agent: Agent, sender: str = JORDAN) -> str:
        """An inbound page-mode SMS accepted by ``agent``."""
        stored = self.repo.add_inbound(NewInbound(
            provider_message_id=f"m{len(self.repo.all_messages())}", sender=sender,
            centre_number=PAGE_NUMBER, text="Call me later please", channel=Channel.SMS,
            mode=Mode.PAGE, queue_id=2, contact_id=1, received_at=self.clock.now(),
            media=(), case_data={"subject": "parcel"}))
        found = self.repo.get(stored.interaction_id)
        assert found is not None
        self.repo.put(replace(found, state=State.ACTIVE, owner_id=agent.id,
                              accepted_at=self.clock.now()))
        return stored.interaction_id

    def tick(self, seconds: float) -> int:
        self.clock.advance(seconds)
        return self.scheduler.run_due()

    def changes(self) -> list[tuple[str, str]]:
        return [(e.callback_id, e.what) for e in self.bus.of(CallbackChanged)]  # type: ignore[attr-defined]


@pytest.fixture
def world() -> World:
    return World()


# -- rules on their own -------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("+14155550123", "+14155550123"),
    ("(415) 555-0123", "+14155550123"),
    ("415.555.0123", "+14155550123"),
    ("+44 20 7183 8750", "+442071838750"),
    ("12345", "12345"),
    (" 555 ", "555"),
])
def test_numbers_are_normalised_to_e164_or_short_codes(typed: str, expected: str) -> None:
    assert normalise_number(typed, "US") == expected


@pytest.mark.parametrize("typed", ["", "   ", "12", "123456789", "+1 415 555", "call me",
                                   "+999 1234 5678"])
def test_bad_numbers_get_a_clear_message(typed: str) -> None:
    with pytest.raises(CallbackError) as error:
        normalise_number(typed, "US")
    assert "phone number" in str(error.value)


def test_local_time_is_read_in_the_agents_time_zone() -> None:
    assert parse_local("2026-01-05T10:00", "America/New_York") == datetime(
        2026, 1, 5, 15, 0, tzinfo=UTC)
    assert parse_local("2026-07-05 10:00", "America/New_York") == datetime(
        2026, 7, 5, 14, 0, tzinfo=UTC)  # summer time: UTC-4
    assert parse_local("2026-01-05T10:00:30", "UTC") == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert parse_local("2026-01-05T10:00", "Asia/Kolkata") == datetime(
        2026, 1, 5, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["", "tomorrow", "2026-13-01T10:00", "2026-02-30T10:00",
                                   "2026-01-05T25:00", "05/01/2026 10:00"])
def test_unreadable_times_are_refused(typed: str) -> None:
    with pytest.raises(CallbackError):
        parse_local(typed, "UTC")


def test_a_time_skipped_by_the_clock_change_is_refused() -> None:
    with pytest.raises(CallbackError, match="does not exist"):
        parse_local("2026-03-08T02:30", "America/New_York")


def test_default_is_the_next_full_hour_at_least_30_minutes_ahead() -> None:
    assert default_due(datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).hour == 10
    assert default_due(datetime(2026, 1, 5, 9, 30, tzinfo=UTC)) == datetime(
        2026, 1, 5, 10, 0, tzinfo=UTC)
    assert default_due(datetime(2026, 1, 5, 9, 31, tzinfo=UTC)) == datetime(
        2026, 1, 5, 11, 0, tzinfo=UTC)
    assert default_due(datetime(2026, 1, 5, 23, 45, tzinfo=UTC)) == datetime(
        2026, 1, 6, 1, 0, tzinfo=UTC)


def test_draft_prefills_the_contact_number_and_a_local_default(world: World) -> None:
    source = world.owned_sms(world.alice)
    draft = world.callbacks.draft(world.alice.id, source)
    assert draft.contact_number == JORDAN
    assert draft.when_local == "2026-01-05T10:00"  # 09:00 in New York -> 10:00
    assert draft.time_zone == "America/New_York"
    assert draft.queue_id == 2
    with pytest.raises(CallbackError):
        world.callbacks.draft(world.bob.id, source)  # not bob's interaction


# -- scheduling ---------------------------------------------------------------------------

def test_schedule_for_me_stores_it_with_a_deadline(world: World) -> None:
    source = world.owned_sms(world.alice)
    callback = world.callbacks.schedule(world.alice.id, "(415) 555-0123", "2026-01-05T10:30",
                                        "  Wants a refund  ", interaction_id=source)
    assert callback.contact_number == JORDAN
    assert callback.contact_name == "Jordan Lee"
    assert callback.due_at == datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
    assert callback.notes == "Wants a refund"
    assert callback.assigned_agent_id == world.alice.id and callback.queue_id is None
    assert callback.centre_number == PAGE_NUMBER
    assert callback.state is CallbackState.SCHEDULED
    [deadline] = world.scheduler.pending(CALLBACK_DEADLINE)
    assert (deadline.ref, deadline.due_at) == (callback.id, callback.due_at)
    assert world.changes() == [(callback.id, "scheduled")]


@pytest.mark.parametrize("when, message", [
    ("2026-01-05T09:00", "future"),  # now, in New York
    ("2026-01-05T08:59", "future"),
    ("2027-02-01T10:00", "a year"),
])
def test_the_time_must_be_ahead(world: World, when: str, message: str) -> None:
    with pytest.raises(CallbackError, match=message):
        world.callbacks.schedule(world.alice.id, JORDAN, when)
    assert world.callback_repo.rows == {} and world.scheduler.pending() == []


def test_notes_are_limited_to_2000_characters(world: World) -> None:
    world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", "x" * 2000)
    with pytest.raises(CallbackError, match="2,000"):
        world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", "x" * 2001)


def test_only_real_queues_can_be_chosen(world: World) -> None:
    assert [name for _id, name in world.callbacks.queues()] == [
        "Support SMS", "Sales SMS", "Billing"]
    with pytest.raises(CallbackError, match="queues"):
        world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", queue_id=4)
    with pytest.raises(CallbackError, match="queues"):
        world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", queue_id=99)


def test_scheduling_from_someone_elses_interaction_is_refused(world: World) -> None:
    source = world.owned_sms(world.alice)
    with pytest.raises(CallbackError, match="your own"):
        world.callbacks.schedule(world.bob.id, JORDAN, "2026-01-05T10:00", interaction_id=source)


# -- falling due --------------------------------------------------------------------------

def test_due_callback_for_me_is_offered_to_me_only(world: World) -> None:
    source = world.owned_sms(world.alice)
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00",
                                        "Wants a refund", interaction_id=source)
    world.ready(world.bob)
    world.ready(world.carol)
    assert world.tick(59 * 60) == 0  # 09:59: not yet
    assert world.repo.get(callback.id) is None
    world.tick(60)
    interaction = world.repo.get(callback.id)
    assert interaction is not None
    assert interaction.channel is Channel.CALLBACK and interaction.direction is Direction.OUTBOUND
    assert interaction.mode is Mode.PAGE and interaction.target_agent_id == world.alice.id
    assert interaction.queue_id == 2 and interaction.centre_number == PAGE_NUMBER
    assert interaction.contact_name == "Jordan Lee"
    assert interaction.case_data["callback_notes"] == "Wants a refund"
    assert interaction.case_data["subject"] == "parcel"  # the source's case data comes along
    [line] = world.repo.messages(callback.id)
    assert line.party is Party.SYSTEM
    assert line.text == ("Callback scheduled by Alice Anders for Mon 5 Jan 2026, 10:00 EST: "
                         "Wants a refund")
    assert world.callback_repo.get(callback.id).state is CallbackState.DUE  # type: ignore[union-attr]
    assert world.repo.pending_offers() == []  # bob and carol are Ready: not theirs
    # Alice has her SMS still open (capacity 3): she goes Ready and gets it.
    world.ready(world.alice)
    [offer] = world.repo.pending_offers()
    assert offer.agent_id == world.alice.id and offer.interaction_id == callback.id
    preview = world.routing.preview(offer.id)
    assert preview is not None and preview.kind == "callback"
    assert preview.interaction.id == callback.id
    assert "Callback scheduled by Alice Anders" in preview.first_text


def test_queue_callback_goes_to_whoever_serves_the_queue(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, "+442071838750", "2026-01-05T09:45",
                                        "Billing question", queue_id=3)
    assert callback.assigned_agent_id is None and callback.queue_id == 3
    world.ready(world.bob)
    world.tick(45 * 60)
    interaction = world.repo.get(callback.id)
    assert interaction is not None and interaction.queue_id == 3
    assert interaction.target_agent_id is None
    assert interaction.centre_number == PAGE_NUMBER  # no source: the page-mode number
    [offer] = world.repo.pending_offers()
    assert offer.agent_id == world.bob.id


def test_accept_then_done_keeps_the_callback_state_in_step(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    world.ready(world.alice)
    world.tick(3600)
    [offer] = world.repo.pending_offers()
    world.routing.accept(offer.id, world.alice.id)
    assert world.callback_repo.get(callback.id).state is CallbackState.ACTIVE  # type: ignore[union-attr]
    with pytest.raises(CallbackError, match="active"):
        world.callbacks.cancel(callback.id, world.alice.id)
    result = world.handling.send(callback.id, world.alice.id, "Hi Jordan, calling you back")
    assert result.closed
    assert world.gateway.parts[-1].to == JORDAN and world.gateway.parts[-1].sender == PAGE_NUMBER
    assert world.callback_repo.get(callback.id).state is CallbackState.DONE  # type: ignore[union-attr]
    assert [w for _id, w in world.changes()] == ["scheduled", "due", "active", "done"]


def test_an_ordinary_interaction_done_leaves_callbacks_alone(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    source = world.owned_sms(world.alice)
    world.handling.done(source, world.alice.id)
    assert world.callback_repo.get(callback.id).state is CallbackState.SCHEDULED  # type: ignore[union-attr]


# -- edit, reschedule, cancel -------------------------------------------------------------

def test_reschedule_moves_the_stored_deadline(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    moved = world.callbacks.reschedule(callback.id, world.alice.id, "2026-01-05T11:15")
    assert moved.due_at == datetime(2026, 1, 5, 16, 15, tzinfo=UTC)
    [deadline] = world.scheduler.pending(CALLBACK_DEADLINE)
    assert deadline.due_at == moved.due_at
    world.ready(world.alice)
    world.tick(3600)  # the old time passes: nothing
    assert world.repo.get(callback.id) is None
    world.tick(75 * 60)
    assert world.repo.get(callback.id) is not None


def test_edit_changes_number_notes_and_assignment(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", "first")
    edited = world.callbacks.update(callback.id, world.alice.id, "+1 415 555 0188",
                                    "2026-01-05T12:00", "second", queue_id=1)
    assert (edited.contact_number, edited.notes, edited.queue_id) == ("+14155550188", "second", 1)
    assert edited.assigned_agent_id is None
    assert (callback.id, "updated") in world.changes()
    with pytest.raises(CallbackError):
        world.callbacks.update(callback.id, world.alice.id, "nope", "2026-01-05T12:00")
    assert world.callback_repo.get(callback.id).notes == "second"  # type: ignore[union-attr]


def test_cancel_removes_the_deadline(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    world.callbacks.cancel(callback.id, world.alice.id)
    assert world.scheduler.pending(CALLBACK_DEADLINE) == []
    assert world.callback_repo.get(callback.id).state is CallbackState.CANCELLED  # type: ignore[union-attr]
    world.ready(world.alice)
    world.tick(2 * 3600)
    assert world.repo.get(callback.id) is None
    with pytest.raises(CallbackError, match="cancelled"):
        world.callbacks.cancel(callback.id, world.alice.id)


def test_cancel_when_due_withdraws_the_offer_cleanly(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", queue_id=2)
    world.ready(world.bob)
    world.tick(3600)
    [offer] = world.repo.pending_offers()
    world.callbacks.cancel(callback.id, world.alice.id)
    assert world.repo.get(callback.id) is None
    assert world.repo.pending_offers() == []
    ended = [e for e in world.bus.of(OfferEnded) if e.offer_id == offer.id]  # type: ignore[attr-defined]
    assert ended and ended[0].outcome == "withdrawn"  # type: ignore[attr-defined]
    assert world.callback_repo.get(callback.id).state is CallbackState.CANCELLED  # type: ignore[union-attr]


def test_rescheduling_a_due_callback_takes_it_back_until_the_new_time(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    world.tick(3600)  # due; alice is not Ready, so it waits
    assert world.repo.get(callback.id) is not None
    world.callbacks.reschedule(callback.id, world.alice.id, "2026-01-05T12:00")
    assert world.repo.get(callback.id) is None
    assert world.callback_repo.get(callback.id).state is CallbackState.SCHEDULED  # type: ignore[union-attr]
    world.tick(2 * 3600)
    assert world.repo.get(callback.id) is not None  # created again with the same id


# -- who may do what ----------------------------------------------------------------------

def test_a_personal_callback_is_changed_only_by_its_creator_or_assignee(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    with pytest.raises(CallbackError, match="No such callback"):
        world.callbacks.cancel(callback.id, world.bob.id)
    with pytest.raises(CallbackError):
        world.callbacks.reschedule(callback.id, world.bob.id, "2026-01-05T11:00")
    assert world.callbacks.listing(world.bob.id).upcoming == ()
    assert [c.id for c in world.callbacks.listing(world.alice.id).upcoming] == [callback.id]


def test_anyone_may_change_a_queue_callback(world: World) -> None:
    callback = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00", queue_id=1)
    assert [c.id for c in world.callbacks.listing(world.bob.id).upcoming] == [callback.id]
    # bob works in UTC: 16:00 for him is 11:00 in New York
    taken = world.callbacks.update(callback.id, world.bob.id, JORDAN, "2026-01-05T16:00", "mine")
    assert taken.assigned_agent_id == world.bob.id  # bob took it for himself
    assert taken.due_at == datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    world.callbacks.cancel(callback.id, world.bob.id)  # assignee
    assert world.callback_repo.get(callback.id).state is CallbackState.CANCELLED  # type: ignore[union-attr]


def test_listing_splits_overdue_upcoming_and_recent(world: World) -> None:
    late = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T10:00")
    soon = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T12:00")
    gone = world.callbacks.schedule(world.alice.id, JORDAN, "2026-01-05T13:00")
    world.callbacks.cancel(gone.id, world.alice.id)
    world.tick(90 * 60)  # 10:30: the first is due (alice not Ready: nobody took it)
    listing = world.callbacks.listing(world.alice.id)
    assert [c.id for c in listing.overdue] == [late.id]
    assert listing.overdue[0].state is CallbackState.DUE
    assert [c.id for c in listing.upcoming] == [soon.id]
    assert [c.id for c in listing.recent] == [gone.id]
    world.tick(25 * 3600)
    assert world.callbacks.listing(world.alice.id).recent == ()  # cancelled long ago


def test_describe_shows_the_local_zone() -> None:
    assert describe(datetime(2026, 1, 5, 15, 0, tzinfo=UTC), "America/New_York") == \
        "Mon 5 Jan 2026, 10:00 EST"
    assert describe(T0 + timedelta(hours=1), "nowhere/unknown").endswith("UTC")
