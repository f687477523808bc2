"""Contact validation, search queries and outbound SMS rules (pure domain, no storage)."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.agents import Agent, AgentOptions, Role
from domain.clock import FakeClock
from domain.contact_directory import (
    ContactError,
    ContactService,
    Match,
    contact_terms,
    normalise_email,
    normalise_phone,
    parse_query,
    validate_contact,
)
from domain.contacts import Contact, ContactPhone
from domain.events import EventBus, InteractionDone, SmsDelivered
from domain.gateway import DeliveredPart
from domain.handling import HandlingError
from domain.interactions import Channel, Direction, Interaction, Message, Party, State
from domain.outbound import OutboundService
from domain.queues import CentreNumber, Mode


@pytest.mark.parametrize("typed", ["(415) 555-0123", "415.555.0123", "+1 415 555 0123",
                                   "1-415-555-0123", "4155550123"])
def test_phone_numbers_in_common_formats_become_e164(typed: str) -> None:
    assert normalise_phone(typed, "US") == "+14155550123"


def test_default_region_decides_numbers_without_plus() -> None:
    assert normalise_phone("020 7183 8750", "GB") == "+442071838750"
    assert normalise_phone("12345", "US") == "12345"  # a short code stays
    for bad in ("", "abc", "12", "+1 415", "555-0123-99999999999"):
        with pytest.raises(ContactError):
            normalise_phone(bad, "US")


def test_emails_are_checked_and_domains_normalised() -> None:
    assert normalise_email(" Ana@Example.ORG ") == "Ana@example.org"
    for bad in ("ana", "ana@", "@example.com", "ana@example", "a b@example.com"):
        with pytest.raises(ContactError):
            normalise_email(bad)


def test_validate_reports_every_problem_and_drops_empty_rows() -> None:
    with pytest.raises(ContactError) as caught:
        validate_contact("", [("bad", "m"), ("+14155550123", "m"), ("415 555 0123", "x")],
                         [("x@", "w")])
    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0] == "The contact needs a name."
    draft = validate_contact("A", [("", ""), ("4155550123", "")], [("", "")])
    assert draft.phones == (ContactPhone("+14155550123", "mobile"),) and draft.emails == ()
    with pytest.raises(ContactError, match="longer than 32"):
        validate_contact("A", [("4155550123", "x" * 33)], [])


def test_terms_and_queries() -> None:
    terms = contact_terms("Zoë O'Brien-Smith", ["+14155550123"], ["Zoe@Example.com"])
    assert {"zoe", "o", "brien", "smith", "zoe@example.com", "+14155550123",
            "4155550123"} == terms
    assert parse_query("  ", "US") == []
    assert parse_query("Zoë smi", "US") == [(Match("zoe"),), (Match("smi"),)]
    phone = parse_query("(415) 555-0123", "US")[0]
    assert Match("4155550123") in phone and Match("+14155550123", prefix=False) in phone
    assert parse_query("+44 20", "US") == [(Match("+4420"),)]


class Agents:
    def __init__(self, *agents: Agent) -> None:
        self.by_id = {a.id: a for a in agents}

    def get(self, agent_id: int) -> Agent | None:
        return self.by_id.get(agent_id)


class Repo:
    def __init__(self) -> None:
        self.recorded: list[tuple] = []

    def get(self, contact_id: int) -> Contact | None:
        return Contact(1, "Jordan Lee", (ContactPhone("+14155550123"),)) if contact_id == 1 \
            else None

    def record_outbound(self, agent_id, contact_id, to, centre, queue_id, text, system, at):  # type: ignore[no-untyped-def]
        self.recorded.append((agent_id, contact_id, to, centre, text))
        interaction = Interaction("o1", Channel.SMS, Direction.OUTBOUND, Mode.PAGE, State.DONE,
                                  to, centre, queue_id, at, owner_id=agent_id)
        return interaction, Message(7, "o1", Party.AGENT, text, at, agent_id)


class Directory:
    def centre_numbers(self) -> list[CentreNumber]:
        return [CentreNumber("+12125550100", Mode.SESSION, 1, "Support"),
                CentreNumber("+12125550101", Mode.PAGE, 2, "Sales")]


class Gateway:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple] = []
        self.fail = fail

    def send(self, to: str, sender: str, parts: list[str], encoding: str,
             at: datetime) -> list[DeliveredPart]:
        if self.fail:
            raise RuntimeError("gateway down")
        self.sent.append((to, sender, parts))
        return []


ALICE = Agent(1, "alice", "Alice Anders", Role.AGENT)
NOSMS = Agent(2, "nosms", "No Sms", Role.AGENT, AgentOptions(may_send_sms=False))


def outbound(gateway: Gateway | None = None) -> tuple[OutboundService, Repo, Gateway, list]:
    bus = EventBus()
    seen: list = []
    bus.subscribe(seen.append)
    repo, gateway = Repo(), gateway or Gateway()
    service = OutboundService(repo, Agents(ALICE, NOSMS), Directory(), gateway, bus,
                              FakeClock(), max_parts=2)
    return service, repo, gateway, seen


def test_outbound_sends_records_done_and_publishes() -> None:
    service, repo, gateway, seen = outbound()
    result = service.send(1, 1, "(415) 555-0123", "+12125550100", "Hello there  ", "r1")
    assert gateway.sent == [("+14155550123", "+12125550100", ["Hello there"])]
    assert repo.recorded == [(1, 1, "+14155550123", "+12125550100", "Hello there")]
    assert result.send.closed and result.interaction.mode is Mode.PAGE
    assert any(isinstance(e, SmsDelivered) for e in seen)
    assert any(isinstance(e, InteractionDone) for e in seen)
    with pytest.raises(HandlingError, match="already sent"):  # the same view twice
        service.send(1, 1, "+14155550123", "+12125550100", "Hello there", "r1")
    assert len(gateway.sent) == 1


def test_outbound_is_refused_without_permission_and_on_bad_input() -> None:
    service, repo, gateway, _ = outbound()
    assert not service.may_send(2) and service.may_send(1)
    cases = [
        ((2, 1, "+14155550123", "+12125550101", "Hi"), "role does not allow"),
        ((1, 1, "+14155550188", "+12125550101", "Hi"), "not one of Jordan Lee's numbers"),
        ((1, 9, "+14155550123", "+12125550101", "Hi"), "no longer exists"),
        ((1, None, "nope", "+12125550101", "Hi"), "not a phone number"),
        ((1, 1, "+14155550123", "+19995550000", "Hi"), "centre number"),
        ((1, 1, "+14155550123", "+12125550101", "   "), "Type a message"),
        ((1, 1, "+14155550123", "+12125550101", "x" * 400), "at most 2"),
    ]
    for args, reason in cases:
        with pytest.raises(HandlingError, match=reason):
            service.send(*args)
    assert gateway.sent == [] and repo.recorded == []


def test_a_failed_delivery_stores_nothing_and_may_be_retried() -> None:
    service, repo, gateway, _ = outbound(Gateway(fail=True))
    with pytest.raises(RuntimeError):
        service.send(1, None, "+14155550199", "+12125550101", "Hi", "r2")
    assert repo.recorded == []
    gateway.fail = False
    service.send(1, None, "+14155550199", "+12125550101", "Hi", "r2")
    assert len(repo.recorded) == 1


class OwnedNumbers(Repo):
    def owners(self, numbers, addresses):  # type: ignore[no-untyped-def]
        return {n: "Jordan Lee" for n in numbers if n == "+14155550123"}


@pytest.mark.parametrize(
    ("state", "number", "contact_id", "training", "shown"),
    [
        (State.DONE, "+14155550123", None, False, True),  # from one of Jordan's numbers
        (State.DONE, "+14155550999", 1, False, True),  # assigned to a contact
        (State.DONE, "+14155550999", None, False, False),  # nobody's number
        (State.ACTIVE, "+14155550123", 1, False, False),  # in progress: its owner's
        (State.DONE, "+14155550123", 1, True, False),  # a lesson's
    ],
)
def test_who_reads_an_interaction_in_the_history(
    state: State, number: str, contact_id: int | None, training: bool, shown: bool
) -> None:
    service = ContactService(OwnedNumbers(), EventBus(), FakeClock(datetime(2026, 1, 5)))
    interaction = Interaction("i1", Channel.MMS, Direction.INBOUND, Mode.PAGE, state, number,
                              "+12125550101", 2, datetime(2026, 1, 5), contact_id=contact_id,
                              training=training)
    assert service.in_history(interaction, 42) is shown
