"""DirectoryRepo: queues, centre numbers, contacts and the configured reference lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from domain.case_data import CaseDataField, FieldKind
from domain.contacts import Contact, ContactEmail, ContactPhone
from domain.dispositions import DispositionCode
from domain.queues import Mode, TargetKind
from storage.db import Database
from storage.demo import seed_demo
from storage.repositories import DirectoryRepo
from storage.tables import (
    ContactEmailRow,
    ContactPhoneRow,
    ContactRow,
    DispositionCodeRow,
    QueueRow,
    StandardResponseRow,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the demo history is dated from it


@pytest.fixture
def directory(db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]) -> DirectoryRepo:
    seed_demo(db, demo_toml, cheap_hash, NOW)
    return DirectoryRepo(db)


def test_empty_directory(db: Database) -> None:
    directory = DirectoryRepo(db)
    assert directory.queues() == []
    assert directory.centre_numbers() == []
    assert directory.contacts() == []
    assert directory.contact_by_phone("+14155550123") is None
    assert directory.disposition_codes() == []
    assert directory.standard_responses() == []
    assert directory.case_data_fields() == []


def test_queues_sorted_by_name(directory: DirectoryRepo) -> None:
    queues = directory.queues()
    assert [q.name for q in queues] == ["After Hours", "Billing", "Sales SMS", "Support SMS"]
    assert [q.kind for q in queues] == [
        TargetKind.ROUTING_POINT, TargetKind.QUEUE, TargetKind.QUEUE, TargetKind.QUEUE,
    ]
    assert len({q.id for q in queues}) == 4 and all(q.id > 0 for q in queues)


def test_centre_numbers(directory: DirectoryRepo) -> None:
    by_id = {q.id: q.name for q in directory.queues()}
    numbers = directory.centre_numbers()
    assert [(n.number, n.mode, by_id[n.queue_id], n.label) for n in numbers] == [
        ("+12125550100", Mode.SESSION, "Support SMS", "Support"),
        ("+12125550101", Mode.PAGE, "Sales SMS", "Sales"),
    ]


def test_contact_by_phone(directory: DirectoryRepo) -> None:
    jordan = directory.contact_by_phone("+14155550123")
    assert jordan == Contact(
        jordan.id if jordan else 0,
        "Jordan Lee",
        (ContactPhone("+14155550123", "mobile"),),
        (ContactEmail("jordan.lee@example.com", "work"),),
    )
    # Any of a contact's numbers finds the whole contact, numbers in their stored order.
    priya = directory.contact_by_phone("+14155550189")
    assert priya is not None and priya.name == "Priya Patel"
    assert priya.phones == (
        ContactPhone("+14155550188", "mobile"), ContactPhone("+14155550189", "home"),
    )
    assert priya.emails == (
        ContactEmail("priya.patel@example.org", "home"), ContactEmail("ppatel@example.com", "work"),
    )
    assert directory.contact_by_phone("+14155550188") == priya
    sofia = directory.contact_by_phone("+393123456789")
    assert sofia is not None and sofia.emails == ()
    assert directory.contact_by_phone("+19999999999") is None
    assert directory.contact_by_phone("14155550123") is None  # exact match only


def test_shared_number_finds_the_oldest_contact(db: Database) -> None:
    with db.session() as s:
        for name in ("Zed Older", "Amy Newer"):
            contact = ContactRow(name=name)
            s.add(contact)
            s.flush()
            assert contact.id is not None
            s.add(ContactPhoneRow(contact_id=contact.id, number="+15550001111"))
        s.commit()
    found = DirectoryRepo(db).contact_by_phone("+15550001111")
    assert found is not None and found.name == "Zed Older"


def test_contacts_sorted_by_name_with_limit(directory: DirectoryRepo) -> None:
    contacts = directory.contacts()
    assert [c.name for c in contacts] == [
        "Jordan Lee", "Marcus Okafor", "Priya Patel", "Sofia Rossi",
    ]
    assert [len(c.phones) for c in contacts] == [1, 1, 2, 1]
    assert [len(c.emails) for c in contacts] == [1, 1, 2, 0]
    assert [c.name for c in directory.contacts(limit=2)] == ["Jordan Lee", "Marcus Okafor"]


def test_contact_numbers_and_addresses_keep_insertion_order(db: Database) -> None:
    # Rows of several contacts interleave, as they do once people edit contacts.
    with db.session() as s:
        a, b = ContactRow(name="A"), ContactRow(name="B")
        s.add_all([a, b])
        s.flush()
        assert a.id is not None and b.id is not None
        for i in range(6):
            owner = a.id if i % 2 == 0 else b.id
            s.add(ContactPhoneRow(contact_id=owner, number=f"+1555000{9 - i}", label=f"p{i}"))
            s.add(ContactEmailRow(contact_id=owner, address=f"{9 - i}@example.com", label=f"e{i}"))
            s.flush()
        s.commit()
    # Editing a row must not move it to the end (PostgreSQL writes a new row version).
    with db.session() as s:
        phone = s.exec(select(ContactPhoneRow).where(ContactPhoneRow.label == "p0")).one()
        email = s.exec(select(ContactEmailRow).where(ContactEmailRow.label == "e0")).one()
        phone.label, email.label = "p0 edited", "e0 edited"
        s.add_all([phone, email])
        s.commit()
    first = DirectoryRepo(db).contacts()[0]
    assert [p.label for p in first.phones] == ["p0 edited", "p2", "p4"]
    assert [e.label for e in first.emails] == ["e0 edited", "e2", "e4"]
    assert DirectoryRepo(db).contact_by_phone("+15550009") == first


def test_disposition_codes_in_configured_order(directory: DirectoryRepo, db: Database) -> None:
    assert directory.disposition_codes() == [
        DispositionCode("resolved", "Resolved"),
        DispositionCode("follow_up", "Follow-up needed"),
        DispositionCode("escalated", "Escalated"),
        DispositionCode("no_answer_needed", "No answer needed"),
        DispositionCode("sale", "Sale"),
    ]
    with db.session() as s:
        s.add(DispositionCodeRow(code="aaa_first", label="First", position=-1))
        s.commit()
    assert directory.disposition_codes()[0] == DispositionCode("aaa_first", "First")


def test_standard_responses(directory: DirectoryRepo, db: Database) -> None:
    responses = directory.standard_responses()
    assert [(r.category, r.title, r.shortcut) for r in responses] == [
        ("Billing", "Invoice copy", "invoice"),
        ("Greetings", "Goodbye", "bye"),
        ("Greetings", "Hello", "hello"),
        ("Support", "Looking into it", "wait"),
        ("Support", "Password reset", "reset"),
    ]
    assert responses[2].text.startswith("Hello, thank you")
    assert len({r.id for r in responses}) == 5
    # Responses without a shortcut are allowed, but a shortcut is unique.
    with db.session() as s:
        s.add(StandardResponseRow(category="Billing", title="A", text="a"))
        s.add(StandardResponseRow(category="Billing", title="B", text="b"))
        s.commit()
    assert [r.shortcut for r in directory.standard_responses()[:3]] == [None, None, "invoice"]


def test_case_data_fields(directory: DirectoryRepo) -> None:
    assert directory.case_data_fields() == [
        CaseDataField("customer_segment", "Customer segment", False, FieldKind.TEXT, 0),
        CaseDataField("order_number", "Order number", True, FieldKind.TEXT, 1),
        CaseDataField("account_page", "Account page", False, FieldKind.URL, 2),
        CaseDataField("subject", "Subject", True, FieldKind.TEXT, 3),
    ]


def test_queue_names_are_unique(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with db.session() as s:
        s.add(QueueRow(name="Billing"))
        s.commit()
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(QueueRow(name="Billing", kind="routing_point"))
        s.commit()


def test_namesakes_keep_a_stable_order(db: Database) -> None:
    with db.session() as s:
        rows = [ContactRow(name="Sam Smith") for _ in range(3)]
        s.add_all(rows)
        s.commit()
        ids = [r.id for r in rows]
    for name in ("Sam Smyth", "Sam Smith"):  # a typo fixed: same name, new row version
        with db.session() as s:
            first = s.get(ContactRow, ids[0])
            assert first is not None
            first.name = name
            s.add(first)
            s.commit()
    directory = DirectoryRepo(db)
    assert [c.id for c in directory.contacts()] == ids
    assert [c.id for c in directory.contacts(limit=1)] == ids[:1]
