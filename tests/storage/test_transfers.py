"""Instant transfer, queue transfer, IM consultation and the Team Communicator: every rule,
on the real services and SQLite storage, with a fake clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import main
from domain.clock import FakeClock
from domain.events import (
    ConsultationChanged,
    Event,
    InteractionAccepted,
    InteractionTransferred,
    InvitationFailed,
)
from domain.inbound import parse_inbound
from domain.interactions import Interaction, OfferKind, OfferOutcome, Party, State
from domain.presence import Status
from domain.routing import RoutingError
from domain.settings import load_settings
from domain.system import Services
from domain.transfers import TransferError

SESSION = "+12125550100"
JORDAN = "+14155550123"
CODE = "resolved"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo data, built once and copied per test."""
    folder = tmp_path_factory.mktemp("template")
    main.build_services(load_settings({"PARLEY_DATA_DIR": str(folder), "PARLEY_DEMO": "1"}))
    return folder / "parley.db"


@dataclass
class World:
    services: Services
    clock: FakeClock
    events: list[Event]
    ids: dict[str, int]

    def agent(self, name: str) -> int:
        return self.ids[name]

    def ready(self, *names: str) -> None:
        for name in names:
            self.services.presence.log_in(self.agent(name))
            self.services.presence.set_ready(self.agent(name))

    def inbound(self, text: str = "Hello", sender: str = JORDAN, n: list[int] = [0]) -> str:  # noqa: B006
        n[0] += 1
        return self.services.inbound.receive(parse_inbound({
            "message_id": f"m-{id(self)}-{n[0]}", "from": sender, "to": SESSION,
            "text": text})).interaction_id

    def owned_by(self, name: str, text: str = "Hello", sender: str = JORDAN) -> Interaction:
        """``name`` (Ready, nobody else Ready) accepts a new session text."""
        interaction_id = self.inbound(text, sender)
        agent = self.agent(name)
        preview = next(p for p in self.services.routing.previews(agent)
                       if p.interaction.id == interaction_id)
        self.services.routing.accept(preview.offer.id, agent)
        return self.services.handling.owned(interaction_id, agent)

    def invitation(self, name: str, kind: OfferKind) -> Any:
        previews = [p for p in self.services.routing.previews(self.agent(name))
                    if p.offer.kind is kind]
        assert len(previews) == 1, previews
        return previews[0]

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def lines(self, interaction_id: str, party: Party = Party.SYSTEM) -> list[str]:
        owner = self.services.routing._repo.get(interaction_id).owner_id  # type: ignore[attr-defined]
        messages = self.services.routing._repo.messages(interaction_id)  # type: ignore[attr-defined]
        assert owner is None or messages is not None
        return [m.text for m in messages if m.party is party]


def build(template: Path, tmp_path: Path, **config: Any) -> World:
    shutil.copy(template, tmp_path / "parley.db")
    settings = load_settings({"PARLEY_DATA_DIR": str(tmp_path), "PARLEY_DEMO": "1"})
    settings.config.setdefault("transfers", {}).update(config)
    clock = FakeClock()
    services = main.build_services(settings, clock=clock)
    events: list[Event] = []
    services.bus.subscribe(events.append)
    ids = {a.username: a.id for a in services.agents.list()}
    return World(services, clock, events, ids)


@pytest.fixture
def world(template: Path, tmp_path: Path) -> Iterator[World]:
    yield build(template, tmp_path)


# -- transfer to an agent ----------------------------------------------------------------

def test_accepted_transfer_moves_the_interaction_with_its_history(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice", "My order is late")
    s = world.services
    s.handling.add_note(interaction.id, world.agent("alice"), "Asked for the order number")
    s.handling.set_case_value(interaction.id, world.agent("alice"), "order_number", "A-17")
    world.ready("bob")
    s.transfers.transfer_to_agent(interaction.id, world.agent("alice"), world.agent("bob"))
    preview = world.invitation("bob", OfferKind.TRANSFER)
    assert preview.kind == "transfer" and preview.from_name == "Alice Anders"
    assert preview.interaction.id == interaction.id
    # the owner keeps it while the invitation waits
    assert s.handling.owned(interaction.id, world.agent("alice"))
    s.routing.accept(preview.offer.id, world.agent("bob"))
    moved = s.handling.owned(interaction.id, world.agent("bob"))
    assert moved.state is State.ACTIVE
    with pytest.raises(Exception, match="not yours"):
        s.handling.owned(interaction.id, world.agent("alice"))
    texts = [m.text for m in s.handling.transcript(interaction.id, world.agent("bob"))]
    assert "My order is late" in texts
    assert "Alice Anders transferred the interaction to Bob Brooks." in texts
    assert [n.text for n in s.handling.notes(interaction.id, world.agent("bob"))] == [
        "Asked for the order number"]
    assert moved.case_data["order_number"] == "A-17"
    transferred = world.of(InteractionTransferred)[-1]
    assert (transferred.from_agent_id, transferred.to_agent_id) == (
        world.agent("alice"), world.agent("bob"))
    assert world.of(InteractionAccepted)[-1].agent_id == world.agent("bob")
    notes = s.notifications.recent(world.agent("alice"))
    assert any("Bob Brooks accepted the transfer" in n.text for n in notes)


@pytest.mark.parametrize("how", ["reject", "timeout", "not_ready", "logout"])
def test_a_failed_transfer_leaves_it_with_the_sender_and_says_why(world: World, how: str) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    s.transfers.transfer_to_agent(interaction.id, alice, bob)
    preview = world.invitation("bob", OfferKind.TRANSFER)
    if how == "reject":
        s.routing.reject(preview.offer.id, bob)
        expected = "Bob Brooks declined the transfer of Jordan Lee."
    elif how == "timeout":
        world.clock.advance(31)
        s.scheduler.run_due()
        expected = "Bob Brooks did not answer the transfer of Jordan Lee in time."
    elif how == "not_ready":
        s.presence.set_not_ready(bob, "Lunch")
        expected = "Bob Brooks is no longer available: the transfer of Jordan Lee was cancelled."
    else:
        s.log_out(bob)
        expected = "Bob Brooks is no longer available: the transfer of Jordan Lee was cancelled."
    assert s.handling.owned(interaction.id, alice).state is State.ACTIVE
    failed = world.of(InvitationFailed)[-1]
    assert failed.reason == expected and failed.from_agent_id == alice
    assert s.notifications.recent(alice)[0].text == expected
    assert s.routing.previews(bob) == []
    assert s.transfers.pending_transfer(interaction.id) is None
    # and it can be tried again
    if how in ("reject", "timeout"):
        s.transfers.transfer_to_agent(interaction.id, alice, bob)


def test_transfer_rules_refuse_clearly(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice, bob, carol = (world.services, world.agent("alice"), world.agent("bob"),
                            world.agent("carol"))
    with pytest.raises(TransferError, match="yourself"):
        s.transfers.transfer_to_agent(interaction.id, alice, alice)
    with pytest.raises(TransferError, match="Bob Brooks is logged out"):
        s.transfers.transfer_to_agent(interaction.id, alice, bob)
    s.presence.log_in(bob)
    with pytest.raises(TransferError, match="not Ready"):
        s.transfers.transfer_to_agent(interaction.id, alice, bob)
    world.ready("bob", "carol")
    with pytest.raises(TransferError, match="not yours"):
        s.transfers.transfer_to_agent(interaction.id, bob, carol)  # only the owner
    s.transfers.transfer_to_agent(interaction.id, alice, bob)
    with pytest.raises(TransferError, match="already waiting"):
        s.transfers.transfer_to_agent(interaction.id, alice, carol)  # one at a time
    with pytest.raises(TransferError, match="no such agent"):
        s.transfers.transfer_to_agent(interaction.id, alice, 9999)


def test_the_sender_can_cancel_a_waiting_transfer(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    s.transfers.transfer_to_agent(interaction.id, alice, bob)
    s.transfers.cancel_transfer(interaction.id, alice)
    assert s.routing.previews(bob) == []
    assert "Alice Anders cancelled the transfer to Bob Brooks." in world.lines(interaction.id)
    assert world.of(InvitationFailed) == []


def test_done_while_a_transfer_waits_takes_the_invitation_back(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    offer = s.transfers.transfer_to_agent(interaction.id, alice, bob)
    s.handling.done(interaction.id, alice)
    assert s.routing.previews(bob) == []
    with pytest.raises(RoutingError):
        s.routing.accept(offer.id, bob)


def test_a_full_target_gets_the_transfer_when_room_frees(world: World) -> None:
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    world.ready("bob")
    bobs = [world.owned_by("bob", f"mine {i}", sender=f"+1415555020{i}") for i in range(3)]
    world.ready("alice")
    interaction = world.owned_by("alice", sender="+14155550301")
    offer = s.transfers.transfer_to_agent(interaction.id, alice, bob)
    assert offer.waiting
    assert s.routing.previews(bob) == []  # nothing shown while Bob is full
    assert "Transfer to Bob Brooks is waiting for room." in world.lines(interaction.id)
    s.handling.set_disposition(bobs[0].id, bob, CODE)
    s.handling.done(bobs[0].id, bob)
    preview = world.invitation("bob", OfferKind.TRANSFER)
    s.routing.accept(preview.offer.id, bob)
    assert s.handling.owned(interaction.id, bob)


def test_a_full_target_refuses_when_so_configured(template: Path, tmp_path: Path) -> None:
    world = build(template, tmp_path, when_full="refuse")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    world.ready("bob")
    for i in range(3):
        world.owned_by("bob", f"mine {i}", sender=f"+1415555020{i}")
    world.ready("alice")
    interaction = world.owned_by("alice", sender="+14155550301")
    with pytest.raises(TransferError, match=r"no room for another interaction \(3 of 3\)"):
        s.transfers.transfer_to_agent(interaction.id, alice, bob)


def test_without_decline_the_transfer_completes_at_once(template: Path, tmp_path: Path) -> None:
    world = build(template, tmp_path, may_decline=False)
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s.transfers.transfer_to_agent(interaction.id, alice, bob)
    assert s.handling.owned(interaction.id, bob)
    assert any("transferred Jordan Lee to you" in n.text
               for n in s.notifications.recent(bob))


def test_transfer_accepted_after_the_sender_closed_it_fails_cleanly(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    offer = s.transfers.transfer_to_agent(interaction.id, alice, bob)
    # the sender's Done races the accept: the repository refuses the move
    repo = s.transfers._repo  # type: ignore[attr-defined]
    repo.finish(interaction.id, alice, world.clock.now())
    with pytest.raises(RoutingError, match="no longer"):
        s.routing.accept(offer.id, bob)
    assert repo.get(interaction.id).owner_id == alice


# -- transfer to a queue or routing point ------------------------------------------------

def test_queue_transfer_goes_back_to_routing_and_not_straight_back(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    billing = next(q for q in s.directory.queues() if q.name == "Billing")
    world.ready("bob")
    s.transfers.transfer_to_queue(interaction.id, alice, billing.id)
    assert "Alice Anders transferred the interaction to the queue Billing." in world.lines(
        interaction.id)
    assert world.of(InteractionTransferred)[-1].to_queue_id == billing.id
    # Bob (not the sender) gets it, although Alice is Ready and idle longer
    offered = [p for p in s.routing.previews(bob) if p.interaction.id == interaction.id]
    assert offered and offered[0].kind == "sms"
    assert offered[0].interaction.queue_id == billing.id
    # the offer says where it comes from, and the sender is told in My Messages
    assert (offered[0].transferred_by, offered[0].transferred_to) == ("Alice Anders", "Billing")
    assert offered[0].transfer_text == "Transferred by Alice Anders to Billing"
    assert s.notifications.recent(alice)[0].text == (
        "You transferred Jordan Lee to the queue Billing.")
    assert not [p for p in s.routing.previews(alice) if p.interaction.id == interaction.id]
    with pytest.raises(TransferError, match="not yours"):
        s.transfers.cancel_transfer(interaction.id, alice)  # cannot be taken back


def test_an_ordinary_offer_carries_no_transfer_context(world: World) -> None:
    world.ready("bob")
    interaction_id = world.inbound("Straight from the contact")
    preview = next(p for p in world.services.routing.previews(world.agent("bob"))
                   if p.interaction.id == interaction_id)
    assert (preview.transferred_by, preview.transferred_to, preview.transfer_text) == (
        None, None, None)


def test_queue_transfer_to_a_routing_point_and_bad_targets(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice = world.services, world.agent("alice")
    with pytest.raises(TransferError, match="no such queue"):
        s.transfers.transfer_to_queue(interaction.id, alice, 9999)
    point = next(q for q in s.directory.queues() if q.name == "After Hours")
    s.transfers.transfer_to_queue(interaction.id, alice, point.id)
    assert "to the routing point After Hours." in world.lines(interaction.id)[-1]
    assert s.notifications.recent(alice)[0].text == (
        "You transferred Jordan Lee to the routing point After Hours.")
    # nobody else Ready: it waits in the queue, and may go back to Alice after all
    assert s.routing._repo.get(interaction.id).state in (State.QUEUED, State.OFFERED)  # type: ignore[attr-defined]


# -- consultation ------------------------------------------------------------------------

def test_consultation_both_ways_stays_internal(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    s.presence.log_in(bob)  # Not Ready is fine for a consultation
    consultation = s.transfers.consult(interaction.id, alice, bob)
    preview = world.invitation("bob", OfferKind.CONSULT)
    assert preview.kind == "consult" and preview.interaction.id == interaction.id
    with pytest.raises(Exception, match="not yours"):
        s.handling.transcript(interaction.id, bob)  # not before accepting
    s.routing.accept(preview.offer.id, bob)
    assert world.of(ConsultationChanged)[-1].active
    s.handling.post_internal(interaction.id, alice, "Can we refund this?")
    s.handling.post_internal(interaction.id, bob, "Yes, up to $50.")
    internal = world.lines(interaction.id, Party.INTERNAL)
    assert internal == ["Can we refund this?", "Yes, up to $50."]
    assert [m.text for m in s.handling.transcript(interaction.id, bob)][0] == "Hello"
    sent = s.outbox.delivered(JORDAN)
    assert not any("refund" in part.text or "$50" in part.text for part in sent)
    with pytest.raises(Exception, match="not yours"):
        s.handling.send(interaction.id, bob, "hi")  # read-only for the consultant
    s.transfers.end_consultation(consultation.id, bob)
    assert not world.of(ConsultationChanged)[-1].active
    with pytest.raises(Exception, match="not yours"):
        s.handling.post_internal(interaction.id, bob, "more")


def test_an_ended_consultation_says_who_ended_it_or_why(world: World) -> None:
    """The consultant's view closes on ConsultationChanged(active=False) and shows its
    reason (issue 12, defect 1)."""
    world.ready("bob")
    interaction = world.owned_by("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    s.presence.log_in(alice)
    consultation = s.transfers.consult(interaction.id, bob, alice)
    s.routing.accept(world.invitation("alice", OfferKind.CONSULT).offer.id, alice)
    s.transfers.end_consultation(consultation.id, bob)
    ended = world.of(ConsultationChanged)[-1]
    assert (ended.active, ended.consultant_id, ended.reason) == (
        False, alice, "Bob Brooks ended the consultation.")
    # the owner clicks Done while a consultation is open
    s.transfers.consult(interaction.id, bob, alice)
    s.routing.accept(world.invitation("alice", OfferKind.CONSULT).offer.id, alice)
    s.handling.set_disposition(interaction.id, bob, CODE)
    s.handling.done(interaction.id, bob)
    ended = world.of(ConsultationChanged)[-1]
    assert (ended.active, ended.reason) == (
        False, "The interaction was closed; the consultation ended.")


def test_consultation_rules(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice, bob, carol = (world.services, world.agent("alice"), world.agent("bob"),
                            world.agent("carol"))
    with pytest.raises(TransferError, match="yourself"):
        s.transfers.consult(interaction.id, alice, alice)
    with pytest.raises(TransferError, match="logged out"):
        s.transfers.consult(interaction.id, alice, bob)
    s.presence.log_in(bob)
    s.presence.log_in(carol)
    s.transfers.consult(interaction.id, alice, bob)
    with pytest.raises(TransferError, match="already open"):
        s.transfers.consult(interaction.id, alice, carol)
    preview = world.invitation("bob", OfferKind.CONSULT)
    s.routing.reject(preview.offer.id, bob)
    assert world.of(InvitationFailed)[-1].reason == (
        "Bob Brooks declined the consultation about Jordan Lee.")
    s.transfers.consult(interaction.id, alice, carol)  # free again


def test_consultation_turns_into_a_transfer_to_the_consultant(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    world.ready("bob")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    consultation = s.transfers.consult(interaction.id, alice, bob)
    s.routing.accept(world.invitation("bob", OfferKind.CONSULT).offer.id, bob)
    s.transfers.consult_to_transfer(consultation.id, alice)
    s.routing.accept(world.invitation("bob", OfferKind.TRANSFER).offer.id, bob)
    assert s.handling.owned(interaction.id, bob)
    assert s.transfers.consultation_of(interaction.id) is None  # ended by the transfer


def test_a_consultation_takes_no_capacity_and_ends_with_the_interaction(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice, bob = world.services, world.agent("alice"), world.agent("bob")
    s.presence.log_in(bob)
    s.transfers.consult(interaction.id, alice, bob)
    assert s.transfers._repo.load(bob) == 0  # type: ignore[attr-defined]
    s.presence.set_not_ready(bob, "Lunch")  # does not withdraw a consultation invite
    offer = world.invitation("bob", OfferKind.CONSULT).offer
    s.routing.accept(offer.id, bob)
    s.handling.done(interaction.id, alice)
    assert s.transfers.consultation_of(interaction.id) is None
    assert s.transfers._repo.offer(offer.id).outcome is OfferOutcome.ACCEPTED  # type: ignore[attr-defined]


# -- Team Communicator --------------------------------------------------------------------

def test_team_communicator_lists_agents_with_capacity_and_queues(world: World) -> None:
    world.ready("bob")
    world.owned_by("bob")
    s, alice = world.services, world.agent("alice")
    targets = s.team.targets(alice)
    names = [t.name for t in targets]
    assert "Alice Anders" not in names and "Tina Trainer" not in names
    bob = next(t for t in targets if t.name == "Bob Brooks")
    assert (bob.status, bob.capacity_text, bob.ready) == ("Ready", "1 of 3 · 33%", True)
    assert bob.phone == "+12125550142"  # Call: a telephone hand-off
    assert names[0] == "Bob Brooks"  # Ready agents first
    kinds = {t.name: t.kind for t in targets}
    assert kinds["Billing"] == "queue" and kinds["After Hours"] == "routing_point"
    assert [t.name for t in s.team.search(alice, "bill")] == ["Billing"]
    assert [t.name for t in s.team.search(alice, "routing")] == ["After Hours"]
    assert s.team.search(alice, "zzz") == []


def test_recent_targets_come_first(world: World) -> None:
    world.ready("alice")
    interaction = world.owned_by("alice")
    s, alice = world.services, world.agent("alice")
    billing = next(q for q in s.directory.queues() if q.name == "Billing")
    s.transfers.transfer_to_queue(interaction.id, alice, billing.id)
    first = s.team.targets(alice)[0]
    assert (first.name, first.recent) == ("Billing", True)


def test_queue_wait_shows_only_with_enough_recent_answers(world: World) -> None:
    s = world.services
    world.ready("bob")
    support = next(q for q in s.directory.queues() if q.name == "Support SMS")
    for i in range(10):
        interaction_id = world.inbound(f"hi {i}", sender=f"+1415555{i:04d}")
        world.clock.advance(30)
        preview = next(p for p in s.routing.previews(world.agent("bob"))
                       if p.interaction.id == interaction_id)
        s.routing.accept(preview.offer.id, world.agent("bob"))
        if i < 9:
            wait = next(t for t in s.team.targets(world.agent("alice"))
                        if t.id == support.id and t.kind == "queue")
            assert wait.wait_seconds is None  # fewer than 10 answers: no estimate
        s.handling.set_disposition(interaction_id, world.agent("bob"), CODE)
        s.handling.done(interaction_id, world.agent("bob"))
    support_target = next(t for t in s.team.targets(world.agent("alice"))
                          if t.id == support.id and t.kind == "queue")
    assert support_target.wait_seconds == pytest.approx(30)
    assert support_target.wait_text == "Estimated wait 30 s"
    world.clock.advance(11 * 60)
    later = next(t for t in s.team.targets(world.agent("alice")) if t.id == support.id)
    assert later.wait_seconds is None


def test_presence_status_text_for_targets(world: World) -> None:
    s = world.services
    s.presence.log_in(world.agent("bob"))
    s.presence.set_not_ready(world.agent("bob"), "Lunch")
    bob = next(t for t in s.team.targets(world.agent("alice")) if t.name == "Bob Brooks")
    assert bob.status == "Not Ready - Lunch" and not bob.ready
    carol = next(t for t in s.team.targets(world.agent("alice")) if t.name == "Carol Chen")
    assert carol.status == "Logged out"
    assert Status.READY.value == "ready"
