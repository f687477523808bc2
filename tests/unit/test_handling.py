"""domain.handling.HandlingService: replies, page and session modes, expiry, Done,
dispositions, notes, case data, drafts, contact activity and media authorization.

Everything runs on the in-memory fakes, a FakeClock and the real Scheduler.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from domain.agents import Agent
from domain.case_data import CaseDataField, FieldKind
from domain.clock import FakeClock
from domain.contacts import Contact, ContactPhone
from domain.desktop import NotificationService
from domain.dispositions import DispositionCode
from domain.events import (
    InteractionDone,
    InteractionExpired,
    InteractionUpdated,
    MessageSent,
)
from domain.handling import (
    MAX_CASE_VALUE,
    MAX_NOTE,
    SESSION_EXPIRY,
    Elapsed,
    HandlingError,
    HandlingService,
    is_web_address,
)
from domain.interactions import (
    Channel,
    Direction,
    Interaction,
    MediaItem,
    Party,
    State,
)
from domain.notifications import Level
from domain.queues import Mode
from domain.scheduler import Scheduler

from .fakes import (
    FakeAgentRepository,
    FakeDeadlineStore,
    FakeDirectoryRepository,
    FakeGateway,
    FakeInteractionRepo,
    FakeNotificationRepository,
    FakePresenceRepository,
    RecordingBus,
)

CENTRE = "+12125550100"
JORDAN = "+14155550123"
JORDAN_WORK = "+14155550188"
STRANGER = "+14155550999"
TIMEOUT = 900  # seconds of silence before a session expires

FIELDS = (
    CaseDataField("segment", "Customer segment", editable=False, position=1),
    CaseDataField("order", "Order number", editable=True, position=2),
    CaseDataField("crm", "CRM page", editable=True, kind=FieldKind.URL, position=3),
    CaseDataField("source", "Source", editable=False, kind=FieldKind.URL, position=4),
)
CODES = (DispositionCode("resolved", "Resolved"), DispositionCode("callback", "Call back"))


class World:
    def __init__(self, *, max_parts: int = 10, gateway: bool = True) -> None:
        self.clock = FakeClock()
        self.start = self.clock.now()
        self.agents = FakeAgentRepository()
        self.alice = self.agents.add("alice", "x", display_name="Alice Smith")
        self.bob = self.agents.add("bob", "x", display_name="Bob Jones")
        self.bob = self.agents.update_options(self.bob.id, disposition_required=True)
        self.carol = self.agents.add("carol", "x", display_name="Carol King")
        self.alice = self.agents.update_options(self.alice.id, may_save_images=True)
        self.directory = FakeDirectoryRepository(
            contacts=[Contact(7, "Jordan Lee", (ContactPhone(JORDAN),
                                                 ContactPhone(JORDAN_WORK, "work")))],
            case_data_fields=FIELDS,
            disposition_codes=CODES,
        )
        self.repo = FakeInteractionRepo(FakePresenceRepository(), self.agents, self.directory)
        self.gateway = FakeGateway()
        self.bus = RecordingBus()
        self.deadlines = FakeDeadlineStore()
        self.scheduler = Scheduler(self.deadlines, self.clock)
        self.done_calls: list[Interaction] = []
        self.notifications = NotificationService(FakeNotificationRepository(), self.bus,
                                                 self.clock)
        self.service = HandlingService(
            self.repo, self.bus, self.clock,
            gateway=self.gateway if gateway else None,
            agents=self.agents, reference=self.directory, scheduler=self.scheduler,
            session_timeout_seconds=TIMEOUT, max_parts=max_parts, recent_days=7,
            notifications=self.notifications,
        )
        self.service.on_done(self.done_calls.append)

    def interaction(
        self, *, mode: Mode = Mode.PAGE, owner: Agent | None = None,
        state: State = State.ACTIVE, number: str = JORDAN, contact_id: int | None = 7,
        created: datetime | None = None, text: str = "Hi, where is my order?",
        channel: Channel = Channel.SMS, case_data: dict[str, str] | None = None,
    ) -> Interaction:
        owner = self.alice if owner is None and state is not State.QUEUED else owner
        created = created or self.clock.now()
        interaction = self.repo.put(Interaction(
            id=uuid.uuid4().hex, channel=channel, direction=Direction.INBOUND, mode=mode,
            state=state, contact_number=number, centre_number=CENTRE, queue_id=1,
            created_at=created, queued_at=created, contact_id=contact_id,
            owner_id=owner.id if owner else None,
            accepted_at=created if owner else None,
            last_activity_at=created if owner else None,
            case_data=dict(case_data or {"segment": "Retail"}),
        ))
        self.repo.put_message(interaction.id, Party.CONTACT, text, created)
        return interaction

    def accepted(self, mode: Mode = Mode.PAGE, owner: Agent | None = None) -> Interaction:
        """An interaction just accepted: the service hears of it through started()."""
        interaction = self.interaction(mode=mode, owner=owner)
        self.service.started(interaction.id, interaction.owner_id or 0)
        return interaction

    def state(self, interaction: Interaction) -> State:
        found = self.repo.get(interaction.id)
        assert found is not None
        return found.state

    def lines(self, interaction: Interaction, party: Party | None = None) -> list[str]:
        return [m.text for m in self.repo.messages(interaction.id)
                if party is None or m.party is party]

    def expiry_deadlines(self, interaction: Interaction) -> list[datetime]:
        return [d.due_at for d in self.scheduler.pending(SESSION_EXPIRY)
                if d.ref == interaction.id]

    def advance(self, seconds: float) -> int:
        self.clock.advance(seconds)
        return self.scheduler.run_due()


@pytest.fixture
def world() -> World:
    return World()


# -- started ----------------------------------------------------------------------------------


def test_started_adds_a_joined_line_with_the_agent_name(world: World) -> None:
    interaction = world.accepted()
    assert world.lines(interaction, Party.SYSTEM) == ["Alice Smith joined."]
    assert world.expiry_deadlines(interaction) == []  # page mode: no silence timer


def test_started_in_session_mode_starts_the_silence_timer(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    assert world.expiry_deadlines(interaction) == [world.start + timedelta(seconds=TIMEOUT)]


def test_started_for_an_unknown_interaction_does_nothing(world: World) -> None:
    world.service.started("nope", world.alice.id)
    assert world.repo.all_messages() == []


# -- page mode --------------------------------------------------------------------------------


def test_page_reply_of_200_gsm_chars_goes_out_in_2_parts_and_closes(world: World) -> None:
    interaction = world.accepted()
    text = ("Thanks for writing! " * 10)[:199] + "!"
    result = world.service.send(interaction.id, world.alice.id, text)

    assert result.split.encoding == "GSM-7" and result.split.count == 2
    assert result.closed and not result.wrap_up
    parts = world.gateway.delivered(JORDAN)
    assert [(p.part, p.parts) for p in parts] == [(1, 2), (2, 2)]
    assert [len(p.text) for p in parts] == [153, 47]
    assert "".join(p.text for p in parts) == text
    assert all(p.sender == CENTRE and p.encoding == "GSM-7" for p in parts)
    assert world.gateway.sends == 1

    assert world.state(interaction) is State.DONE
    assert world.lines(interaction, Party.AGENT) == [text]
    assert world.lines(interaction, Party.SYSTEM)[-1] == "Alice Smith left."
    agent_line = next(m for m in world.repo.messages(interaction.id) if m.party is Party.AGENT)
    assert agent_line.agent_id == world.alice.id
    assert world.bus.of(MessageSent) == [MessageSent(interaction.id, world.alice.id,
                                                     agent_line.id)]
    assert world.bus.of(InteractionDone) == [
        InteractionDone(interaction.id, world.alice.id, interaction.contact_number)]
    assert [i.id for i in world.done_calls] == [interaction.id]
    assert world.done_calls[0].state is State.DONE
    assert world.done_calls[0].ended_at == world.start


def test_page_reply_in_ucs2_is_split_67_per_part(world: World) -> None:
    interaction = world.accepted()
    world.service.send(interaction.id, world.alice.id, "ж" * 71)
    parts = world.gateway.delivered(JORDAN)
    assert [len(p.text) for p in parts] == [67, 4]
    assert {p.encoding for p in parts} == {"UCS-2"}


def test_page_reply_after_done_is_refused(world: World) -> None:
    interaction = world.accepted()
    world.service.send(interaction.id, world.alice.id, "First and only reply.")
    with pytest.raises(HandlingError, match="no longer takes replies"):
        world.service.send(interaction.id, world.alice.id, "Another one")
    assert world.gateway.sends == 1


def test_page_reply_with_disposition_required_waits_in_wrap_up(world: World) -> None:
    interaction = world.accepted(owner=world.bob)
    result = world.service.send(interaction.id, world.bob.id, "Your order ships today.")
    assert result.wrap_up and not result.closed
    assert len(world.gateway.delivered(JORDAN)) == 1
    assert world.state(interaction) is State.WRAP_UP
    assert InteractionUpdated(interaction.id, world.bob.id, "wrap_up") in world.bus.events
    assert world.bus.of(InteractionDone) == [] and world.done_calls == []

    with pytest.raises(HandlingError, match="Set a disposition code before clicking Done"):
        world.service.done(interaction.id, world.bob.id)
    assert world.state(interaction) is State.WRAP_UP
    with pytest.raises(HandlingError, match="no longer takes replies"):
        world.service.send(interaction.id, world.bob.id, "one more")

    world.service.set_disposition(interaction.id, world.bob.id, "resolved")
    assert InteractionUpdated(interaction.id, world.bob.id, "disposition") in world.bus.events
    finished = world.service.done(interaction.id, world.bob.id)
    assert finished.state is State.DONE and finished.disposition == "resolved"
    assert world.bus.of(InteractionDone) == [
        InteractionDone(interaction.id, world.bob.id, interaction.contact_number)]
    assert [i.id for i in world.done_calls] == [interaction.id]


def test_page_reply_closes_at_once_when_the_disposition_is_already_set(world: World) -> None:
    interaction = world.accepted(owner=world.bob)
    world.service.set_disposition(interaction.id, world.bob.id, "resolved")
    result = world.service.send(interaction.id, world.bob.id, "Done for you.")
    assert result.closed and not result.wrap_up
    assert world.state(interaction) is State.DONE


def test_done_without_a_reply_closes_a_page_interaction(world: World) -> None:
    interaction = world.accepted()
    finished = world.service.done(interaction.id, world.alice.id)
    assert finished.state is State.DONE
    assert world.gateway.sends == 0
    assert world.lines(interaction, Party.SYSTEM) == ["Alice Smith joined.", "Alice Smith left."]
    with pytest.raises(HandlingError, match="already closed"):
        world.service.done(interaction.id, world.alice.id)
    assert len(world.done_calls) == 1


def test_done_requires_a_disposition_for_bob_even_without_a_reply(world: World) -> None:
    interaction = world.accepted(owner=world.bob)
    with pytest.raises(HandlingError, match="disposition"):
        world.service.done(interaction.id, world.bob.id)
    world.service.set_disposition(interaction.id, world.bob.id, "callback")
    assert world.service.done(interaction.id, world.bob.id).state is State.DONE


def test_clearing_the_disposition_makes_done_refuse_again(world: World) -> None:
    interaction = world.accepted(owner=world.bob)
    world.service.set_disposition(interaction.id, world.bob.id, "resolved")
    world.service.set_disposition(interaction.id, world.bob.id, None)
    with pytest.raises(HandlingError, match="disposition"):
        world.service.done(interaction.id, world.bob.id)


def test_unknown_disposition_code_is_refused(world: World) -> None:
    interaction = world.accepted(owner=world.bob)
    with pytest.raises(HandlingError, match="'nope' is not a disposition code"):
        world.service.set_disposition(interaction.id, world.bob.id, "nope")
    assert world.repo.get(interaction.id).disposition is None  # type: ignore[union-attr]


def test_disposition_codes_come_from_the_reference(world: World) -> None:
    assert [d.code for d in world.service.disposition_codes()] == ["resolved", "callback"]


# -- session mode ------------------------------------------------------------------------------


def test_session_reply_keeps_it_active_and_restarts_the_timer(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.clock.advance(60)
    result = world.service.send(interaction.id, world.alice.id, "Let me check that.")
    assert not result.closed and not result.wrap_up
    assert world.state(interaction) is State.ACTIVE
    assert world.bus.of(InteractionDone) == []
    assert world.expiry_deadlines(interaction) == [
        world.start + timedelta(seconds=60 + TIMEOUT)
    ]
    assert world.repo.get(interaction.id).last_activity_at == world.clock.now()  # type: ignore[union-attr]
    # and another reply is fine
    world.service.send(interaction.id, world.alice.id, "Found it.")
    assert len(world.gateway.delivered(JORDAN)) == 2


def test_contact_message_pushes_the_expiry_out(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.advance(TIMEOUT - 10)
    world.repo.put_message(interaction.id, Party.CONTACT, "Still there?", world.clock.now())
    world.service.note_activity(interaction.id)  # what inbound's on_joined calls
    assert world.expiry_deadlines(interaction) == [world.clock.now() + timedelta(seconds=TIMEOUT)]
    world.advance(10)  # the first deadline would have been now
    assert world.state(interaction) is State.ACTIVE
    world.advance(TIMEOUT - 11)
    assert world.state(interaction) is State.ACTIVE
    world.advance(1)
    assert world.state(interaction) is State.EXPIRED


def test_session_expires_after_the_configured_silence(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    assert world.advance(TIMEOUT - 1) == 0
    assert world.state(interaction) is State.ACTIVE
    assert world.advance(1) == 1
    assert world.state(interaction) is State.EXPIRED
    system = world.lines(interaction, Party.SYSTEM)
    assert system[-1] == (
        "The session expired after no messages were exchanged. Click Done to close it."
    )
    assert world.bus.of(InteractionExpired) == [InteractionExpired(interaction.id,
                                                                   world.alice.id)]
    assert world.done_calls == []  # still the agent's until Done


def test_expiry_tells_the_owner_in_my_messages_naming_the_contact(world: World) -> None:
    """Issue 12, defect 4: an expired session shows wherever the interaction shows."""
    interaction = world.accepted(Mode.SESSION)
    world.advance(TIMEOUT)
    notes = world.notifications.recent(world.alice.id)
    assert [(n.text, n.level) for n in notes] == [
        ("Your session with Jordan Lee expired after 15 minutes without a message. "
         "Click Done to close it.", Level.WARNING)]
    expired = world.repo.get(interaction.id)
    assert expired is not None
    assert notes[0].text.startswith(world.service.expiry_text(expired))


def test_an_unknown_senders_expiry_names_the_number(world: World) -> None:
    interaction = world.interaction(mode=Mode.SESSION, number=STRANGER, contact_id=None)
    world.service.started(interaction.id, world.alice.id)
    world.advance(TIMEOUT)
    assert world.notifications.recent(world.alice.id)[0].text.startswith(
        f"Your session with {STRANGER} expired after 15 minutes")


def test_elapsed_time_runs_while_handled_and_stops_at_expiry(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.clock.advance(125)
    assert world.service.elapsed(world.repo.get(interaction.id)) == Elapsed(125, True)  # type: ignore[arg-type]
    world.service.note_activity(interaction.id)  # a reply at 125 s restarts the silence
    world.advance(TIMEOUT)
    expired = world.repo.get(interaction.id)
    assert expired is not None and expired.state is State.EXPIRED
    stopped = Elapsed(125 + TIMEOUT, False)
    assert world.service.elapsed(expired) == stopped
    world.clock.advance(3600)  # it does not count on
    assert world.service.elapsed(expired) == stopped


def test_send_after_expiry_is_refused_with_a_clear_message(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.advance(TIMEOUT)
    with pytest.raises(HandlingError, match="This session has expired: click Done to close it."):
        world.service.send(interaction.id, world.alice.id, "Hello?")
    assert world.gateway.sends == 0
    finished = world.service.done(interaction.id, world.alice.id)
    assert finished.state is State.DONE
    assert [i.id for i in world.done_calls] == [interaction.id]


def test_expired_session_still_needs_bobs_disposition(world: World) -> None:
    interaction = world.accepted(Mode.SESSION, owner=world.bob)
    world.advance(TIMEOUT)
    with pytest.raises(HandlingError, match="disposition"):
        world.service.done(interaction.id, world.bob.id)
    world.service.set_disposition(interaction.id, world.bob.id, "resolved")
    assert world.service.done(interaction.id, world.bob.id).state is State.DONE


def test_done_cancels_the_silence_timer(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.service.done(interaction.id, world.alice.id)
    assert world.expiry_deadlines(interaction) == []
    world.advance(TIMEOUT * 2)
    assert world.state(interaction) is State.DONE
    assert world.bus.of(InteractionExpired) == []


def test_stale_deadline_without_rescheduling_does_not_expire_a_busy_session(
    world: World,
) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.clock.advance(300)
    world.repo.touch(interaction.id, world.clock.now())  # activity recorded elsewhere
    world.advance(TIMEOUT - 300)  # the old deadline fires, the session was busy since
    assert world.state(interaction) is State.ACTIVE


def test_expiry_of_a_session_already_done_does_nothing(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.repo.finish(interaction.id, world.alice.id, world.clock.now())  # bypass cancel
    world.advance(TIMEOUT)
    assert world.state(interaction) is State.DONE
    assert world.bus.of(InteractionExpired) == []


def test_without_a_scheduler_sessions_never_expire() -> None:
    world = World()
    service = HandlingService(world.repo, world.bus, world.clock, world.gateway, world.agents,
                              world.directory, scheduler=None)
    interaction = world.interaction(mode=Mode.SESSION)
    service.started(interaction.id, world.alice.id)
    service.send(interaction.id, world.alice.id, "hi")
    assert world.scheduler.pending() == []


# -- what a send refuses --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u3000"])
def test_empty_or_blank_send_is_refused(world: World, text: str) -> None:
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="Type a message before sending."):
        world.service.send(interaction.id, world.alice.id, text)
    assert world.gateway.sends == 0
    assert world.state(interaction) is State.ACTIVE
    assert world.lines(interaction, Party.AGENT) == []


def test_too_many_parts_is_refused_and_nothing_is_delivered() -> None:
    world = World(max_parts=2)
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="needs 3 SMS; at most 2 may be sent"):
        world.service.send(interaction.id, world.alice.id, "a" * 307)
    assert world.gateway.parts == [] and world.gateway.sends == 0
    assert world.lines(interaction, Party.AGENT) == []
    assert world.state(interaction) is State.ACTIVE
    assert world.bus.of(MessageSent) == []
    world.service.send(interaction.id, world.alice.id, "a" * 306)  # exactly 2 parts: fine
    assert len(world.gateway.parts) == 2


def test_without_a_gateway_send_is_refused() -> None:
    world = World(gateway=False)
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="No SMS gateway"):
        world.service.send(interaction.id, world.alice.id, "hi")
    assert world.state(interaction) is State.ACTIVE


@pytest.mark.parametrize("state", [State.QUEUED, State.OFFERED, State.WRAP_UP, State.DONE])
def test_send_in_a_state_without_replies_is_refused(world: World, state: State) -> None:
    interaction = world.interaction(state=state, owner=world.alice)
    with pytest.raises(HandlingError, match="no longer takes replies"):
        world.service.send(interaction.id, world.alice.id, "hi")
    assert world.gateway.sends == 0


# -- only the owner -------------------------------------------------------------------------------


NOT_YOURS = "This interaction is not yours."


def owner_actions(world: World, interaction_id: str, agent_id: int) -> dict[str, object]:
    s = world.service
    return {
        "owned": lambda: s.owned(interaction_id, agent_id),
        "transcript": lambda: s.transcript(interaction_id, agent_id),
        "notes": lambda: s.notes(interaction_id, agent_id),
        "contact_activity": lambda: s.contact_activity(interaction_id, agent_id),
        "send": lambda: s.send(interaction_id, agent_id, "hello"),
        "set_disposition": lambda: s.set_disposition(interaction_id, agent_id, "resolved"),
        "add_note": lambda: s.add_note(interaction_id, agent_id, "a note"),
        "set_case_value": lambda: s.set_case_value(interaction_id, agent_id, "order", "A-1"),
        "save_draft": lambda: s.save_draft(interaction_id, agent_id, "draft"),
        "draft": lambda: s.draft(interaction_id, agent_id),
        "done": lambda: s.done(interaction_id, agent_id),
    }


@pytest.mark.parametrize(
    "action",
    ["owned", "transcript", "notes", "contact_activity", "send", "set_disposition",
     "add_note", "set_case_value", "save_draft", "draft", "done"],
)
def test_not_owner_is_refused_for_every_action(world: World, action: str) -> None:
    interaction = world.accepted(Mode.SESSION)
    before = (list(world.repo.all_messages()), world.repo.get(interaction.id))
    call = owner_actions(world, interaction.id, world.carol.id)[action]
    with pytest.raises(HandlingError, match=NOT_YOURS):
        call()  # type: ignore[operator]
    assert (list(world.repo.all_messages()), world.repo.get(interaction.id)) == before
    assert world.gateway.sends == 0
    assert world.repo.notes(interaction.id) == []
    assert world.repo.draft(interaction.id, world.carol.id) == ""
    assert not world.service.can_view(interaction.id, world.carol.id)


@pytest.mark.parametrize(
    "action",
    ["owned", "transcript", "send", "set_disposition", "add_note", "set_case_value",
     "save_draft", "done"],
)
def test_unknown_interaction_is_refused_like_a_foreign_one(world: World, action: str) -> None:
    call = owner_actions(world, "no-such-id", world.alice.id)[action]
    with pytest.raises(HandlingError, match=NOT_YOURS):
        call()  # type: ignore[operator]


def test_queued_interaction_without_owner_is_nobodys(world: World) -> None:
    interaction = world.interaction(state=State.QUEUED, owner=None)
    for agent in (world.alice, world.bob):
        with pytest.raises(HandlingError, match=NOT_YOURS):
            world.service.transcript(interaction.id, agent.id)


def test_transcript_of_the_owner(world: World) -> None:
    interaction = world.accepted()
    lines = world.service.transcript(interaction.id, world.alice.id)
    assert [(m.party, m.text) for m in lines] == [
        (Party.CONTACT, "Hi, where is my order?"), (Party.SYSTEM, "Alice Smith joined.")
    ]


# -- case data ------------------------------------------------------------------------------------


def test_case_value_of_an_editable_field_is_stored_trimmed(world: World) -> None:
    interaction = world.accepted()
    data = world.service.set_case_value(interaction.id, world.alice.id, "order", "  A-123 ")
    assert data == {"segment": "Retail", "order": "A-123"}
    assert world.repo.get(interaction.id).case_data["order"] == "A-123"  # type: ignore[union-attr]
    assert InteractionUpdated(interaction.id, world.alice.id, "case_data") in world.bus.events


def test_read_only_case_field_is_refused(world: World) -> None:
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="Customer segment cannot be edited."):
        world.service.set_case_value(interaction.id, world.alice.id, "segment", "VIP")
    with pytest.raises(HandlingError, match="Source cannot be edited."):
        world.service.set_case_value(interaction.id, world.alice.id, "source", "https://x.com")
    assert world.repo.get(interaction.id).case_data == {"segment": "Retail"}  # type: ignore[union-attr]


def test_unknown_case_field_is_refused(world: World) -> None:
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="'secret' is not a case data field."):
        world.service.set_case_value(interaction.id, world.alice.id, "secret", "x")


@pytest.mark.parametrize(
    "value",
    ["https://crm.example.com/contacts/7", "http://crm.example.com", "HTTPS://CRM.EXAMPLE.COM/x",
     ""],
)
def test_url_case_field_takes_http_addresses(world: World, value: str) -> None:
    interaction = world.accepted()
    data = world.service.set_case_value(interaction.id, world.alice.id, "crm", value)
    assert data["crm"] == value


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "ftp://x.com/",
     "crm.example.com", "https://", "https:///path", "https://crm.example.com/a b",
     "//crm.example.com", "mailto:bob@example.com", " javascript:alert(1)",
     "https://exa\tmple.com"],
)
def test_url_case_field_refuses_anything_else(world: World, value: str) -> None:
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="CRM page must be an http or https address."):
        world.service.set_case_value(interaction.id, world.alice.id, "crm", value)
    assert "crm" not in world.repo.get(interaction.id).case_data  # type: ignore[union-attr]


def test_case_value_too_long_is_refused(world: World) -> None:
    interaction = world.accepted()
    world.service.set_case_value(interaction.id, world.alice.id, "order", "x" * MAX_CASE_VALUE)
    with pytest.raises(HandlingError, match=f"at most {MAX_CASE_VALUE} characters"):
        world.service.set_case_value(interaction.id, world.alice.id, "order",
                                     "x" * (MAX_CASE_VALUE + 1))


def test_is_web_address() -> None:
    assert is_web_address("https://example.com")
    assert not is_web_address("https://")
    assert not is_web_address("javascript:alert(1)")
    assert not is_web_address("https://a.com/\nx")


def test_case_fields_come_from_the_reference(world: World) -> None:
    assert [f.key for f in world.service.case_fields()] == ["segment", "order", "crm", "source"]


# -- notes ---------------------------------------------------------------------------------------


def test_note_is_added_trimmed(world: World) -> None:
    interaction = world.accepted()
    note = world.service.add_note(interaction.id, world.alice.id, "  Customer was polite. \n")
    assert note.text == "Customer was polite."
    assert note.agent_id == world.alice.id and note.created_at == world.start
    assert world.service.notes(interaction.id, world.alice.id) == [note]
    assert InteractionUpdated(interaction.id, world.alice.id, "notes") in world.bus.events


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_note_is_refused(world: World, text: str) -> None:
    interaction = world.accepted()
    with pytest.raises(HandlingError, match="Type a note before adding it."):
        world.service.add_note(interaction.id, world.alice.id, text)
    assert world.repo.notes(interaction.id) == []


def test_note_length_limit(world: World) -> None:
    interaction = world.accepted()
    world.service.add_note(interaction.id, world.alice.id, "n" * MAX_NOTE)
    with pytest.raises(HandlingError, match="at most 4,000 characters"):
        world.service.add_note(interaction.id, world.alice.id, "n" * (MAX_NOTE + 1))
    assert len(world.repo.notes(interaction.id)) == 1


def test_notes_keep_their_order(world: World) -> None:
    interaction = world.accepted()
    world.service.add_note(interaction.id, world.alice.id, "first")
    world.clock.advance(5)
    world.service.add_note(interaction.id, world.alice.id, "second")
    assert [n.text for n in world.service.notes(interaction.id, world.alice.id)] == [
        "first", "second"]


# -- drafts --------------------------------------------------------------------------------------


def test_draft_is_saved_and_read_back(world: World) -> None:
    interaction = world.accepted()
    assert world.service.draft(interaction.id, world.alice.id) == ""
    world.service.save_draft(interaction.id, world.alice.id, "Half a thought")
    assert world.service.draft(interaction.id, world.alice.id) == "Half a thought"


def test_draft_is_cleared_by_a_send(world: World) -> None:
    interaction = world.accepted(Mode.SESSION)
    world.service.save_draft(interaction.id, world.alice.id, "Your order ships")
    world.service.send(interaction.id, world.alice.id, "Your order ships today.")
    assert world.service.draft(interaction.id, world.alice.id) == ""


def test_draft_is_kept_when_a_send_is_refused() -> None:
    world = World(max_parts=1)
    interaction = world.accepted()
    world.service.save_draft(interaction.id, world.alice.id, "a" * 200)
    with pytest.raises(HandlingError):
        world.service.send(interaction.id, world.alice.id, "a" * 200)
    assert world.service.draft(interaction.id, world.alice.id) == "a" * 200


def test_drafts_are_per_interaction(world: World) -> None:
    one, two = world.accepted(Mode.SESSION), world.accepted(Mode.SESSION)
    world.service.save_draft(one.id, world.alice.id, "for one")
    world.service.save_draft(two.id, world.alice.id, "for two")
    assert world.service.draft(one.id, world.alice.id) == "for one"
    assert world.service.draft(two.id, world.alice.id) == "for two"


def test_huge_draft_is_capped(world: World) -> None:
    interaction = world.accepted()
    world.service.save_draft(interaction.id, world.alice.id, "x" * 50_000)
    assert len(world.service.draft(interaction.id, world.alice.id)) == 20_000


# -- contact activity ---------------------------------------------------------------------------


def test_contact_activity_splits_in_progress_and_recent(world: World) -> None:
    current = world.accepted(Mode.SESSION)
    open_other = world.interaction(state=State.QUEUED, owner=None, text="another")
    with_bob = world.interaction(owner=world.bob, number=JORDAN_WORK)  # the contact's work phone
    done_recent = world.interaction(state=State.DONE, created=world.start - timedelta(days=2))
    done_old = world.interaction(state=State.DONE, created=world.start - timedelta(days=30))
    stranger = world.interaction(number=STRANGER, contact_id=None)
    activity = world.service.contact_activity(current.id, world.alice.id)
    assert {i.id for i in activity.in_progress} == {open_other.id, with_bob.id}
    assert {i.id for i in activity.recent} == {done_recent.id}
    every = {i.id for i in activity.in_progress + activity.recent}
    assert current.id not in every and done_old.id not in every and stranger.id not in every


def test_contact_activity_for_an_unknown_sender_uses_the_number(world: World) -> None:
    current = world.interaction(number=STRANGER, contact_id=None)
    earlier = world.interaction(number=STRANGER, contact_id=None, state=State.DONE,
                                created=world.start - timedelta(days=1))
    world.interaction()  # Jordan's: not this sender
    activity = world.service.contact_activity(current.id, world.alice.id)
    assert activity.in_progress == ()
    assert [i.id for i in activity.recent] == [earlier.id]


def test_recent_days_is_configurable() -> None:
    world = World()
    world.service.recent_days = 1
    current = world.accepted()
    world.interaction(state=State.DONE, created=world.start - timedelta(days=2))
    assert world.service.contact_activity(current.id, world.alice.id).recent == ()


# -- media ---------------------------------------------------------------------------------------


def mms(world: World, owner: Agent) -> tuple[Interaction, MediaItem]:
    interaction = world.interaction(owner=owner, channel=Channel.MMS, text="")
    item = MediaItem("m-" + uuid.uuid4().hex, "image/jpeg", "photo.jpg", 1234)
    world.repo.put_message(interaction.id, Party.CONTACT, "look", world.clock.now(), [item])
    return interaction, item


def test_owner_may_view_media(world: World) -> None:
    _, item = mms(world, world.alice)
    assert world.service.media_for(item.id, world.alice.id) == item


def test_others_may_not_view_media_and_cannot_probe_ids(world: World) -> None:
    _, item = mms(world, world.alice)
    with pytest.raises(HandlingError) as foreign:
        world.service.media_for(item.id, world.carol.id)
    with pytest.raises(HandlingError) as missing:
        world.service.media_for("no-such-media", world.carol.id)
    assert str(foreign.value) == str(missing.value) == "No such image."


def test_saving_media_needs_the_permission(world: World) -> None:
    _, item = mms(world, world.alice)
    assert world.service.media_for(item.id, world.alice.id, save=True) == item
    _, bobs = mms(world, world.bob)  # bob may not save images (demo data)
    assert world.service.media_for(bobs.id, world.bob.id) == bobs
    with pytest.raises(HandlingError, match="You may not save images."):
        world.service.media_for(bobs.id, world.bob.id, save=True)


def test_non_owner_with_save_permission_still_cannot_save(world: World) -> None:
    _, bobs = mms(world, world.bob)
    with pytest.raises(HandlingError, match="No such image."):
        world.service.media_for(bobs.id, world.alice.id, save=True)


def test_save_is_refused_without_an_agent_directory(world: World) -> None:
    service = HandlingService(world.repo, world.bus, world.clock, world.gateway, agents=None)
    _, item = mms(world, world.alice)
    assert service.media_for(item.id, world.alice.id) == item
    with pytest.raises(HandlingError, match="may not save"):
        service.media_for(item.id, world.alice.id, save=True)


# -- the split preview ---------------------------------------------------------------------------


def test_preview_split_is_the_counter(world: World) -> None:
    assert world.service.preview_split("a" * 43).counter == "43/160 · 1 SMS"
    assert world.service.preview_split("a" * 200).counter == "200/306 · 2 SMS"


# -- fixed bugs: double send, changes after Done --------------------------------------


def test_concurrent_page_sends_deliver_only_once(world: World) -> None:
    interaction = world.accepted()
    inner_errors: list[Exception] = []

    class ReentrantGateway(FakeGateway):
        """A second Send arrives while the first is being delivered (a double click)."""

        def send(self, to, sender, parts, encoding, at):  # type: ignore[no-untyped-def]
            delivered = super().send(to, sender, parts, encoding, at)
            if self.sends == 1:
                try:
                    world.service.send(interaction.id, world.alice.id, "Second click")
                except HandlingError as exc:
                    inner_errors.append(exc)
            return delivered

    world.service._gateway = ReentrantGateway()  # noqa: SLF001 - test hook
    try:
        world.service.send(interaction.id, world.alice.id, "First click")
    except HandlingError:
        pass
    assert world.service._gateway.sends == 1  # type: ignore[union-attr]  # noqa: SLF001


def test_nothing_changes_after_done(world: World) -> None:
    interaction = world.accepted()
    world.service.done(interaction.id, world.alice.id)
    refused = 0
    for change in (
        lambda: world.service.set_disposition(interaction.id, world.alice.id, "resolved"),
        lambda: world.service.set_case_value(interaction.id, world.alice.id, "order", "X"),
    ):
        try:
            change()
        except HandlingError:
            refused += 1
    assert refused == 2
    assert world.repo.get(interaction.id).disposition is None  # type: ignore[union-attr]


def test_trailing_blanks_are_not_sent(world: World) -> None:
    interaction = world.accepted()
    world.service.send(interaction.id, world.alice.id, "See you soon.  \n\n")
    assert [p.text for p in world.gateway.delivered(JORDAN)] == ["See you soon."]


def test_an_image_viewer_rule_admits_to_images_only(world: World) -> None:
    """The contact history's rule: carol may see the images, not the interaction."""
    interaction, item = mms(world, world.alice)
    world.service.add_image_viewer_rule(lambda i, agent_id: agent_id == world.carol.id)
    assert world.service.media_for(item.id, world.carol.id) == item
    assert not world.service.can_view(interaction.id, world.carol.id)
    with pytest.raises(HandlingError):
        world.service.transcript(interaction.id, world.carol.id)
    with pytest.raises(HandlingError, match="No such image."):
        world.service.media_for(item.id, world.bob.id)
