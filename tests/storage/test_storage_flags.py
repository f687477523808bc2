"""Supervisor flags: every rule of domain/flags.py on the real services and repositories,
on SQLite and on PostgreSQL, with a clock that only moves when told to."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

import main
from domain.clock import FakeClock
from domain.events import Event, FlagChanged, InternalMessagePosted
from domain.flags import MAX_FLAG_MESSAGE, FlagError
from domain.handling import HandlingError
from domain.interactions import Interaction, Party, State
from domain.settings import Settings
from domain.system import Services
from storage.db import Database
from storage.flags import FlagRepo
from tests.ui.desk import own_interaction

CONTACT = "+14155550123"


class System:
    def __init__(self, services: Services, clock: FakeClock) -> None:
        self.services = services
        self.clock = clock
        self.events: list[Event] = []
        services.bus.subscribe(self.events.append)
        self.ids = {a.username: a.id for a in services.agents.list()}

    def flag_events(self) -> list[FlagChanged]:
        return [e for e in self.events if isinstance(e, FlagChanged)]

    def lines(self, interaction_id: str, party: Party) -> list[str]:
        """The transcript as its owner (alice) reads it."""
        return [m.text for m in self.services.handling.transcript(interaction_id,
                                                                  self.ids["alice"])
                if m.party is party]


@pytest.fixture
def system(db: Database, tmp_path: Path) -> System:
    clock = FakeClock()
    settings = Settings(
        data_dir=tmp_path, database_url=db.engine.url.render_as_string(hide_password=False),
        host="127.0.0.1", port=8080, api_token="t", demo=True, test_mode=False,
        config_file=None, storage_secret="s",
    )
    return System(main.build_services(settings, clock=clock), clock)


def alice_owns(system: System, text: str = "My parcel is late", mid: str = "f-1",
               contact: str = CONTACT) -> Interaction:
    return own_interaction(system.services, "alice", contact, text, mid)


def test_the_owner_raises_a_flag_and_the_transcript_says_so(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice = system.services.flags, system.ids["alice"]

    flag = flags.raise_flag(interaction.id, alice, "  Customer asks for a refund\nover $500 ")

    assert flag.raised and flag.message == "Customer asks for a refund over $500"
    assert flag.agent_id == alice and flag.raised_at == system.clock.now()
    assert flags.flag_for(interaction.id) == flag
    assert system.flag_events() == [FlagChanged(flag.id, interaction.id, alice, raised=True)]
    assert ("Alice Anders raised a flag: Customer asks for a refund over $500"
            in system.lines(interaction.id, Party.SYSTEM))


@pytest.mark.parametrize("message, error", [
    ("", "Type a message for your supervisor"),
    ("   \n ", "Type a message for your supervisor"),
    ("x" * (MAX_FLAG_MESSAGE + 1), "at most 500 characters"),
])
def test_a_flag_needs_a_short_message(system: System, message: str, error: str) -> None:
    interaction = alice_owns(system)
    with pytest.raises(FlagError, match=error):
        system.services.flags.raise_flag(interaction.id, system.ids["alice"], message)
    assert system.services.flags.flag_for(interaction.id) is None
    assert system.flag_events() == []


def test_exactly_500_characters_is_fine(system: System) -> None:
    interaction = alice_owns(system)
    flag = system.services.flags.raise_flag(interaction.id, system.ids["alice"],
                                            "y" * MAX_FLAG_MESSAGE)
    assert len(flag.message) == MAX_FLAG_MESSAGE


def test_only_the_owner_of_an_open_interaction_raises_a_flag(system: System) -> None:
    interaction = alice_owns(system)
    flags = system.services.flags
    for name in ("bob", "sam"):
        with pytest.raises(HandlingError, match="not yours"):
            flags.raise_flag(interaction.id, system.ids[name], "help")
    with pytest.raises(HandlingError, match="not yours"):
        flags.raise_flag("no-such-interaction", system.ids["alice"], "help")
    system.services.handling.done(interaction.id, system.ids["alice"])
    with pytest.raises(FlagError, match="closed"):
        flags.raise_flag(interaction.id, system.ids["alice"], "help")
    assert flags.history(interaction.id) == []


def test_an_expired_session_can_still_be_flagged(system: System) -> None:
    interaction = alice_owns(system)
    system.clock.advance(3600)
    system.services.scheduler.run_due()
    assert system.services.handling.owned(interaction.id, system.ids["alice"]).state \
        is State.EXPIRED
    flag = system.services.flags.raise_flag(interaction.id, system.ids["alice"], "Gone quiet")
    assert flag.raised


def test_one_raised_flag_at_a_time(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice = system.services.flags, system.ids["alice"]
    first = flags.raise_flag(interaction.id, alice, "first")
    with pytest.raises(FlagError, match="already raised"):
        flags.raise_flag(interaction.id, alice, "second")
    assert flags.flag_for(interaction.id) == first
    flags.lower(interaction.id, alice)
    system.clock.advance(60)
    again = flags.raise_flag(interaction.id, alice, "again")
    assert again.id != first.id
    assert [f.message for f in flags.history(interaction.id)] == ["first", "again"]


def test_two_raising_at_once_make_one_flag(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice = system.services.flags, system.ids["alice"]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            flags.raise_flag(interaction.id, alice, f"tab {i}")
            outcomes.append("raised")
        except FlagError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["raised"] + ["refused"] * 5
    assert len(flags.history(interaction.id)) == 1


def test_supervisors_see_raised_flags_and_may_view_them(system: System) -> None:
    first = alice_owns(system)
    second = alice_owns(system, "Another question", "f-2", "+14155550188")
    flags, handling = system.services.flags, system.services.handling
    alice, sam, bob = system.ids["alice"], system.ids["sam"], system.ids["bob"]
    assert flags.open_flags(sam) == []
    assert not handling.can_view(first.id, sam)

    flags.raise_flag(first.id, alice, "refund?")
    system.clock.advance(30)
    flags.raise_flag(second.id, alice, "angry customer")

    listed = flags.open_flags(sam)
    assert [(v.interaction.id, v.agent_name, v.flag.message) for v in listed] == [
        (first.id, "Alice Anders", "refund?"), (second.id, "Alice Anders", "angry customer")]
    assert listed[0].interaction.contact_name == "Jordan Lee"
    assert listed[1].flag.raised_at - listed[0].flag.raised_at == timedelta(seconds=30)
    assert not listed[0].closed
    assert handling.can_view(first.id, sam)
    assert [m.text for m in handling.transcript(first.id, sam)
            if m.party is Party.CONTACT] == ["My parcel is late"]
    assert flags.view(first.id, sam).flag.message == "refund?"
    # agents are not supervisors: no list, no view
    with pytest.raises(FlagError, match="Only supervisors"):
        flags.open_flags(bob)
    with pytest.raises(FlagError, match="Only supervisors"):
        flags.view(first.id, bob)
    assert not handling.can_view(first.id, bob)
    # once lowered, the supervisor's view ends
    flags.lower(first.id, alice)
    assert not handling.can_view(first.id, sam)
    with pytest.raises(FlagError, match="lowered"):
        flags.view(first.id, sam)
    assert [v.interaction.id for v in flags.open_flags(sam)] == [second.id]


def test_internal_messages_reach_the_transcript_and_never_the_contact(system: System) -> None:
    interaction = alice_owns(system)
    flags, services = system.services.flags, system.services
    alice, sam, bob = system.ids["alice"], system.ids["sam"], system.ids["bob"]
    with pytest.raises(FlagError, match="No flag"):
        flags.post(interaction.id, alice, "anyone?")
    flags.raise_flag(interaction.id, alice, "refund?")

    from_sam = flags.post(interaction.id, sam, "Offer a voucher instead.")
    from_alice = flags.post(interaction.id, alice, "Thanks, will do.")

    internal = [(m.text, m.agent_id) for m in services.handling.transcript(interaction.id, alice)
                if m.party is Party.INTERNAL]
    assert internal == [("Offer a voucher instead.", sam), ("Thanks, will do.", alice)]
    posted = [e for e in system.events if isinstance(e, InternalMessagePosted)]
    assert [(e.message_id, e.agent_id) for e in posted] == [(from_sam.id, sam),
                                                           (from_alice.id, alice)]
    assert services.outbox.delivered(to=CONTACT) == []
    with pytest.raises(HandlingError, match="not yours"):
        flags.post(interaction.id, bob, "let me in")
    with pytest.raises(HandlingError, match="Type a message"):
        flags.post(interaction.id, sam, "  ")


def test_the_owner_or_a_supervisor_lowers_it_and_who_is_recorded(system: System) -> None:
    interaction = alice_owns(system)
    flags = system.services.flags
    alice, sam, bob = system.ids["alice"], system.ids["sam"], system.ids["bob"]
    raised = flags.raise_flag(interaction.id, alice, "refund?")
    with pytest.raises(FlagError, match="Only the agent handling"):
        flags.lower(interaction.id, bob)
    system.clock.advance(90)

    lowered = flags.lower(interaction.id, sam)

    assert lowered.id == raised.id and not lowered.raised
    assert lowered.lowered_by == sam and lowered.lowered_at == system.clock.now()
    assert flags.flag_for(interaction.id) is None
    assert system.flag_events()[-1] == FlagChanged(raised.id, interaction.id, sam, raised=False)
    assert "Flag lowered by Sam Supervisor." in system.lines(interaction.id, Party.SYSTEM)
    with pytest.raises(FlagError, match="No flag"):
        flags.lower(interaction.id, alice)
    # the history keeps it
    assert flags.history(interaction.id) == [lowered]


def test_the_owner_lowers_her_own_flag(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice = system.services.flags, system.ids["alice"]
    flags.raise_flag(interaction.id, alice, "never mind")
    assert flags.lower(interaction.id, alice).lowered_by == alice
    assert "Flag lowered by Alice Anders." in system.lines(interaction.id, Party.SYSTEM)


def test_done_lowers_a_raised_flag(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice, sam = system.services.flags, system.ids["alice"], system.ids["sam"]
    flags.raise_flag(interaction.id, alice, "refund?")

    system.services.handling.done(interaction.id, alice)

    assert flags.flag_for(interaction.id) is None
    assert flags.open_flags(sam) == []
    [flag] = flags.history(interaction.id)
    assert flag.lowered_by == alice
    assert system.flag_events()[-1].raised is False
    assert "Flag lowered: the interaction was closed." in system.lines(interaction.id,
                                                                       Party.SYSTEM)


def test_a_flag_on_an_interaction_nobody_handles_is_marked_closed(system: System) -> None:
    interaction = alice_owns(system)
    flags, alice, sam = system.services.flags, system.ids["alice"], system.ids["sam"]
    flags.raise_flag(interaction.id, alice, "refund?")
    # e.g. transferred back to a queue: the interaction waits with no owner
    system.services.handling._repo.set_state(interaction.id, State.QUEUED, [State.ACTIVE])
    [view] = flags.open_flags(sam)
    assert view.closed
    with pytest.raises(HandlingError, match="closed"):
        flags.post(interaction.id, sam, "hello?")
    assert flags.lower(interaction.id, sam).lowered_by == sam


def test_repository_lower_is_once_only(db: Database, system: System) -> None:
    interaction = alice_owns(system)
    flag = system.services.flags.raise_flag(interaction.id, system.ids["alice"], "x")
    repo = FlagRepo(db)
    assert repo.lower(flag.id, system.ids["sam"], system.clock.now()) is not None
    assert repo.lower(flag.id, system.ids["alice"], system.clock.now()) is None
    assert repo.history(interaction.id)[0].lowered_by == system.ids["sam"]
