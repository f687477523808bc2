"""Demo data: ``seed_demo`` creates what ``assets/demo/demo.toml`` lists, once."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import SQLModel, select

from domain.agents import AgentOptions, AutoAnswer, Role
from domain.auth import AuthService, default_hasher
from domain.case_data import FieldKind
from domain.clock import FakeClock
from domain.queues import Mode, TargetKind
from storage.db import Database
from storage.demo import seed_demo
from storage.repositories import (
    AgentRepo,
    DirectoryRepo,
    LoginAttemptRepo,
    SessionRepo,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the demo history is dated from it


def _row_counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            name: s.exec(select(func.count()).select_from(table)).one()
            for name, table in SQLModel.metadata.tables.items()
        }


def test_seed_creates_the_demo_agents(
    db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]
) -> None:
    assert seed_demo(db, demo_toml, cheap_hash, NOW) is True
    agents = AgentRepo(db)
    assert [a.username for a in agents.list()] == ["alice", "bob", "carol", "sam", "tina"]

    alice = agents.by_username("alice")
    assert alice is not None and alice.display_name == "Alice Anders"
    assert alice.role is Role.AGENT
    assert alice.options.auto_answer is AutoAnswer.MANUAL
    assert alice.options.may_save_images is True
    assert alice.options.spelling_warning is True
    assert alice.options.disposition_required is False

    bob = agents.by_username("bob")
    assert bob is not None and bob.role is Role.AGENT
    assert bob.options.auto_answer is AutoAnswer.MANUAL
    assert bob.options.disposition_required is True
    assert bob.options.may_save_images is False

    carol = agents.by_username("carol")
    assert carol is not None and carol.role is Role.AGENT
    assert carol.options.auto_answer is AutoAnswer.AUTO_PREVIEW
    assert carol.options.auto_answer_seconds == 10
    assert carol.options.may_reject is True

    sam, tina = agents.by_username("sam"), agents.by_username("tina")
    assert sam is not None and sam.role is Role.SUPERVISOR and sam.is_supervisor
    assert tina is not None and tina.role is Role.TRAINER and tina.is_trainer

    # Options the file does not mention keep the defaults.
    defaults = AgentOptions()
    for agent in (alice, bob, carol, sam, tina):
        assert agent.options.sms_capacity == defaults.sms_capacity
        assert agent.options.zoom == defaults.zoom
        assert agent.options.may_send_sms is defaults.may_send_sms
        # Every demo password is "demo", hashed by the function given.
        assert agents.password_hash(agent.username) == (agent, "xdemo")


def test_seed_creates_numbers_queues_and_contacts(
    db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]
) -> None:
    seed_demo(db, demo_toml, cheap_hash, NOW)
    directory = DirectoryRepo(db)

    queues = {q.name: q for q in directory.queues()}
    assert set(queues) == {"Support SMS", "Sales SMS", "Billing", "After Hours"}
    assert queues["After Hours"].kind is TargetKind.ROUTING_POINT
    assert queues["Billing"].kind is TargetKind.QUEUE
    queue_names = {q.id: q.name for q in queues.values()}

    numbers = {n.number: n for n in directory.centre_numbers()}
    assert set(numbers) == {"+12125550100", "+12125550101"}
    support, sales = numbers["+12125550100"], numbers["+12125550101"]
    assert support.mode is Mode.SESSION and queue_names[support.queue_id] == "Support SMS"
    assert sales.mode is Mode.PAGE and queue_names[sales.queue_id] == "Sales SMS"

    jordan = directory.contact_by_phone("+14155550123")
    assert jordan is not None and jordan.name == "Jordan Lee"
    assert [p.number for p in jordan.phones] == ["+14155550123"]
    assert [e.address for e in jordan.emails] == ["jordan.lee@example.com"]


def test_seed_matches_the_file(
    db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]
) -> None:
    data = tomllib.loads(demo_toml.read_text(encoding="utf-8"))
    seed_demo(db, demo_toml, cheap_hash, NOW)
    directory = DirectoryRepo(db)

    assert sorted(a.username for a in AgentRepo(db).list()) == sorted(
        a["username"] for a in data["agents"]
    )
    assert sorted((q.name, q.kind.value) for q in directory.queues()) == sorted(
        (q["name"], q["kind"]) for q in data["queues"]
    )
    contacts = directory.contacts()
    assert sorted(c.name for c in contacts) == sorted(c["name"] for c in data["contacts"])
    for spec in data["contacts"]:
        contact = next(c for c in contacts if c.name == spec["name"])
        assert [(p.number, p.label) for p in contact.phones] == [
            (p["number"], p["label"]) for p in spec["phones"]
        ]
        assert [(e.address, e.label) for e in contact.emails] == [
            (e["address"], e["label"]) for e in spec["emails"]
        ]
    # Disposition codes and case-data fields keep the file's order.
    assert [(d.code, d.label) for d in directory.disposition_codes()] == [
        (d["code"], d["label"]) for d in data["disposition_codes"]
    ]
    assert [(f.key, f.label, f.editable, f.kind.value) for f in directory.case_data_fields()] == [
        (f["key"], f["label"], f["editable"], f["kind"]) for f in data["case_data_fields"]
    ]
    assert any(f.kind is FieldKind.URL for f in directory.case_data_fields())
    assert sorted((r.shortcut, r.text) for r in directory.standard_responses()) == sorted(
        (r["shortcut"], r["text"]) for r in data["standard_responses"]
    )


def test_seeding_twice_duplicates_nothing(
    db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]
) -> None:
    assert seed_demo(db, demo_toml, cheap_hash, NOW) is True
    counts = _row_counts(db)
    assert counts["agent"] == 5 and counts["meta"] == 1

    assert seed_demo(db, demo_toml, cheap_hash, NOW) is False
    assert _row_counts(db) == counts


def test_no_demo_data_mixed_into_a_real_installation(
    db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]
) -> None:
    AgentRepo(db).add("ops", "Operations", Role.ADMIN, "hash")
    assert seed_demo(db, demo_toml, cheap_hash, NOW) is False
    counts = _row_counts(db)
    assert counts["agent"] == 1
    assert counts["queue"] == counts["contact"] == counts["centre_number"] == 0


def test_demo_password_with_the_real_hasher(db: Database, demo_toml: Path) -> None:
    hasher = default_hasher()
    seed_demo(db, demo_toml, hasher.hash, NOW)
    found = AgentRepo(db).password_hash("alice")
    assert found is not None
    stored = found[1]
    assert stored.startswith("$argon2") and "demo" not in stored
    assert hasher.verify("demo", stored)
    assert not hasher.verify("Demo", stored)

    auth = AuthService(AgentRepo(db), LoginAttemptRepo(db), SessionRepo(db), FakeClock(), hasher)
    result = auth.login("tina", "demo")
    assert result.ok and result.agent is not None and result.agent.role is Role.TRAINER


def test_jordan_lee_has_some_history(db, demo_toml, cheap_hash) -> None:  # type: ignore[no-untyped-def]
    from storage.interactions import InteractionRepo

    seed_demo(db, demo_toml, cheap_hash, NOW)
    repo = InteractionRepo(db)
    past = repo.contact_interactions("+14155550123", None, NOW - timedelta(days=60))
    assert len(past) == 2
    assert all(i.state.value == "done" and i.contact_name == "Jordan Lee" for i in past)
    assert {i.disposition for i in past} == {"resolved", "follow_up"}
    assert [m.party.value for m in repo.messages(past[0].id)][:2] == ["contact", "agent"]
    assert repo.notes(past[0].id)
