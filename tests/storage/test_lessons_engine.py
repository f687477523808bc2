"""The lesson engine on the real services (SQLite), with a fake clock: runs advance on
the trainee's own events only, colleagues answer, traffic stays training."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import main
from domain.clock import FakeClock
from domain.events import PresenceChanged
from domain.interactions import State
from domain.lessons import RunStatus
from domain.settings import load_settings
from domain.transfers import TransferError

LESSONS = Path(__file__).resolve().parents[2] / "assets" / "lessons"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLEY_DEMO", "1")
    clock = FakeClock()
    services = main.build_services(load_settings(), clock=clock)
    services.lessons._submit = lambda fn: fn()  # events handled at once, in order
    return services, clock


def agent(services, name):
    return next(a for a in services.agents.list() if a.username == name)


def accept_offer(services, agent_id):
    previews = services.routing.previews(agent_id)
    assert previews, "nothing offered"
    services.routing.accept(previews[0].offer.id, agent_id)
    return previews[0]


def test_inbound_page_lesson_runs_on_the_trainees_events(env):
    services, clock = env
    engine = services.lessons
    alice, bob = agent(services, "alice"), agent(services, "bob")
    for a in (alice, bob):
        services.presence.log_in(a.id)
    services.presence.set_ready(bob.id)
    run = engine.start(alice.id, "inbound-sms-page")
    assert run.step == 0
    # someone else going Ready does not complete the trainee's step
    engine._handle(PresenceChanged(bob.id, "ready", None, clock.now()))
    assert engine.current(alice.id).step == 0
    services.presence.set_ready(alice.id)
    run = engine.current(alice.id)
    assert run.step == 1 and len(run.interactions) == 1
    interaction = services.routing._repo.get(run.interactions[0])
    assert interaction.training and interaction.target_agent_id == alice.id
    assert not services.routing.previews(bob.id)  # bob is Ready but gets no lesson traffic
    # a wrong action counts as a retry; the SMS comes back to the trainee
    services.routing.reject(services.routing.previews(alice.id)[0].offer.id, alice.id)
    run = engine.current(alice.id)
    assert run.step == 1 and run.retries == 1 and "Accept" in run.last_hint
    accept_offer(services, alice.id)
    assert engine.current(alice.id).step == 2
    clock.advance(30)
    services.handling.send(run.interactions[0], alice.id, "It left today.")
    assert engine.current(alice.id) is None
    done = engine.runs()[0]
    assert done.status is RunStatus.COMPLETED and done.retries == 1
    assert done.duration_seconds == 30
    csv_text = engine.records_csv()
    assert "alice" in csv_text and "inbound-sms-page" in csv_text and ",30,1" in csv_text
    # lesson traffic stays out of the contact's history
    since = clock.now() - timedelta(days=1)
    assert services.routing._repo.contact_interactions(
        interaction.contact_number, None, since) == []


def test_real_traffic_waits_while_the_trainee_is_in_a_lesson(env):
    services, _clock = env
    engine = services.lessons
    alice = agent(services, "alice")
    services.presence.log_in(alice.id)
    services.presence.set_ready(alice.id)
    engine.start(alice.id, "transfer-to-queue")
    run = engine.current(alice.id)
    assert run.step == 1  # Ready already: the first step is done by itself
    from domain.inbound import InboundRequest
    real = services.inbound.receive(InboundRequest("real-1", "+14155550123", "+12125550101",
                                                   "real one"))
    lesson_offer = services.routing.previews(alice.id)
    assert [p.interaction.id for p in lesson_offer] == [run.interactions[0]]
    assert services.routing._repo.get(real.interaction_id).state is State.QUEUED
    engine.quit(alice.id)
    closed = services.routing._repo.get(run.interactions[0])
    assert closed.state is State.DONE
    services.routing.route_waiting()
    assert [p.interaction.id for p in services.routing.previews(alice.id)] == [
        real.interaction_id]


def test_instant_transfer_with_a_colleague_who_first_declines(env):
    services, clock = env
    engine = services.lessons
    alice = agent(services, "alice")
    services.presence.log_in(alice.id)
    services.presence.set_ready(alice.id)
    run = engine.start(alice.id, "instant-transfer")
    bot = run.bot_agent_id
    assert bot is not None and engine.is_bot(bot)
    # the colleague shows in the Team Communicator of this trainee only
    assert any(t.id == bot for t in services.team.targets(alice.id))
    bob = agent(services, "bob")
    assert not any(t.id == bot for t in services.team.targets(bob.id))
    accept_offer(services, alice.id)
    iid = engine.current(alice.id).interactions[0]
    # lesson traffic never reaches a real colleague (nor real traffic the lesson's bot)
    services.presence.log_in(bob.id)
    services.presence.set_ready(bob.id)
    with pytest.raises(TransferError, match="lesson traffic"):
        services.transfers.transfer_to_agent(iid, alice.id, bob.id)
    with pytest.raises(TransferError, match="lesson traffic"):
        services.transfers.consult(iid, alice.id, bob.id)
    services.transfers.transfer_to_agent(iid, alice.id, bot)
    assert engine.current(alice.id).step == 3
    clock.advance(3)
    services.scheduler.run_due()  # the colleague declines
    assert engine.current(alice.id).step == 4
    services.transfers.transfer_to_agent(iid, alice.id, bot)
    clock.advance(3)
    services.scheduler.run_due()  # ... and accepts the second time
    assert engine.current(alice.id) is None
    assert engine.runs()[0].status is RunStatus.COMPLETED
    assert services.presence.get(bot).status.value == "logged_out"
    assert services.routing._repo.get(iid).state is State.DONE  # no open work left behind


def test_receive_transfer_and_consult_lessons(env):
    services, clock = env
    engine = services.lessons
    alice = agent(services, "alice")
    services.presence.log_in(alice.id)
    services.presence.set_ready(alice.id)
    run = engine.start(alice.id, "receive-transfer")
    assert run.step == 1
    clock.advance(3)
    services.scheduler.run_due()  # the colleague transfers to the trainee
    preview = accept_offer(services, alice.id)
    assert preview.kind == "transfer"
    iid = engine.current(alice.id).interactions[0]
    services.handling.send(iid, alice.id, "I can help.")
    assert engine.runs()[0].status is RunStatus.COMPLETED

    run = engine.start(alice.id, "consult-colleague")
    accept_offer(services, alice.id)
    iid = engine.current(alice.id).interactions[0]
    services.transfers.consult(iid, alice.id, run.bot_agent_id)
    clock.advance(3)
    services.scheduler.run_due()
    assert engine.current(alice.id).step == 3
    services.handling.post_internal(iid, alice.id, "Is shipping free over $50?")
    clock.advance(3)
    services.scheduler.run_due()  # Casey answers
    assert engine.current(alice.id).step == 5
    consultation = services.transfers.consultation_of(iid)
    services.transfers.end_consultation(consultation.id, alice.id)
    services.handling.send(iid, alice.id, "Refund on its way.")
    services.handling.done(iid, alice.id)
    assert engine.runs()[0].status is RunStatus.COMPLETED


def test_assignments_need_a_trainer(env):
    services, _clock = env
    engine = services.lessons
    alice, tina = agent(services, "alice"), agent(services, "tina")
    with pytest.raises(Exception, match="trainers"):
        engine.assign(alice, alice.id, "inbound-mms")
    engine.assign(tina, alice.id, "inbound-mms")
    assert [a.lesson_id for a in engine.assignments(alice.id)] == ["inbound-mms"]
