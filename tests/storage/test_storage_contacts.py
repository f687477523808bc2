"""Contact directory on SQLite and PostgreSQL: search, information, history, assignment,
outbound records and all-or-nothing imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.clock import FakeClock
from domain.contact_directory import ContactError, ContactService, HistoryStatus
from domain.events import EventBus
from domain.interactions import Direction, State
from storage.contacts import ContactRepo
from storage.db import Database
from storage.demo import seed_demo
from storage.interactions import InteractionRepo
from storage.repositories import AgentRepo
from storage.tables import ContactTermRow, InteractionRow

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(db: Database, demo_toml: Path, cheap_hash: Callable[[str], str]) -> ContactService:
    seed_demo(db, demo_toml, cheap_hash, NOW)
    return ContactService(ContactRepo(db), EventBus(), FakeClock(NOW), AgentRepo(db), "US")


def names(page: object) -> list[str]:
    return [c.name for c in page.contacts]  # type: ignore[attr-defined]


def test_demo_contacts_are_indexed_and_found_by_name_number_and_email(
    service: ContactService,
) -> None:
    assert names(service.search("jordan")) == ["Jordan Lee"]
    assert names(service.search("LEE")) == ["Jordan Lee"]
    assert names(service.search("jordan lee")) == ["Jordan Lee"]
    assert names(service.search("jordan x")) == []
    for typed in ("+14155550123", "(415) 555-0123", "415-555-0123", "1 415 555 0123",
                  "415555", "+1 415 555 0123", "jordan.lee@ex", "Jordan.Lee@Example.com"):
        assert "Jordan Lee" in names(service.search(typed)), typed
    assert names(service.search("+44 20 7183 8750")) == ["Marcus Okafor"]
    assert names(service.search("%")) == []  # no wildcard leaks into LIKE
    assert names(service.search("_")) == []


def test_empty_query_pages_the_directory_by_name(service: ContactService) -> None:
    for i in range(7):
        service.save(None, f"Zed Person {i}", [], [])
    first = service.search("", limit=5)
    assert first.has_more and len(first.contacts) == 5
    everyone = names(service.search("", limit=200))
    assert everyone == sorted(everyone)
    rest = service.search("", limit=200, offset=5)
    assert names(first) + names(rest) == everyone


def test_save_validates_normalises_and_refuses_duplicates(service: ContactService) -> None:
    contact = service.save(None, "  Ana   Núñez ", [("(212) 555-0199", "work"),
                                                   ("", "empty rows are dropped")],
                           [("ANA@Example.ORG", "")])
    assert contact.name == "Ana Núñez"
    assert [(p.number, p.label) for p in contact.phones] == [("+12125550199", "work")]
    assert [(e.address, e.label) for e in contact.emails] == [("ANA@example.org", "work")]
    assert names(service.search("nunez")) == ["Ana Núñez"]  # accents do not matter
    with pytest.raises(ContactError) as taken:
        service.save(None, "Someone", [("+14155550123", "mobile")], [])
    assert "already belongs to Jordan Lee" in str(taken.value)
    with pytest.raises(ContactError) as bad:
        service.save(contact.id, "Ana", [("12", ""), ("2125550199", ""), ("+12125550199", "")],
                     [("not-an-address", "")])
    problems = bad.value.problems
    assert any("“12”" in p for p in problems)
    assert any("listed twice" in p for p in problems)
    assert any("not-an-address" in p for p in problems)
    # nothing was lost: the stored contact is unchanged
    assert service.get(contact.id) == contact
    edited = service.save(contact.id, "Ana N", [("+12125550199", "work"),
                                                ("+12125550198", "home")], [])
    assert [p.number for p in edited.phones] == ["+12125550199", "+12125550198"]
    assert names(service.search("ana n")) == ["Ana N"]
    assert names(service.search("Núñez")) == []  # old terms are gone
    assert names(service.search("2125550198")) == ["Ana N"]


def _interaction(db: Database, iid: str, number: str, contact_id: int | None, days: int,
                 state: State = State.DONE, owner: int | None = 1) -> None:
    with db.session() as s:
        s.add(InteractionRow(
            id=iid, channel="sms", mode="page", state=state.value, contact_number=number,
            centre_number="+12125550101", contact_id=contact_id, owner_id=owner,
            created_at=NOW - timedelta(days=days), case_data={},
        ))
        s.commit()


def test_history_lists_every_interaction_with_filters(
    service: ContactService, db: Database
) -> None:
    jordan = service.search("jordan").contacts[0]
    _interaction(db, "old", "+14155550123", jordan.id, 40)
    _interaction(db, "open", "+14155550123", jordan.id, 0, State.ACTIVE)
    _interaction(db, "unknown", "+14155550123", None, 3)  # before the match: still theirs
    _interaction(db, "other", "+14155550188", None, 1)
    InteractionRepo(db).add_note("old", 1, "Promised a refund", NOW)
    history = service.history(jordan.id)
    ids = [e.interaction.id for e in history]
    assert {"old", "open", "unknown"} <= set(ids) and "other" not in ids
    assert ids.index("open") < ids.index("unknown") < ids.index("old")  # newest first
    old = next(e for e in history if e.interaction.id == "old")
    assert old.notes == ("Promised a refund",) and old.agent_name == "Alice Anders"
    recent = service.history(jordan.id, since=NOW - timedelta(days=7))
    assert "old" not in [e.interaction.id for e in recent]
    window = service.history(jordan.id, since=NOW - timedelta(days=41),
                             until=NOW - timedelta(days=39))
    assert [e.interaction.id for e in window] == ["old"]
    open_only = service.history(jordan.id, status=HistoryStatus.IN_PROGRESS)
    assert [e.interaction.id for e in open_only] == ["open"]
    assert "open" not in [e.interaction.id for e in
                          service.history(jordan.id, status=HistoryStatus.DONE)]
    with pytest.raises(ContactError):
        service.history(jordan.id, since=NOW, until=NOW - timedelta(days=1))


def test_assign_unknown_sender_moves_interactions_and_adds_the_number(
    service: ContactService, db: Database
) -> None:
    jordan = service.search("jordan").contacts[0]
    _interaction(db, "new", "+15005550006", None, 0, State.ACTIVE, owner=1)
    _interaction(db, "earlier", "+15005550006", None, 2)
    with pytest.raises(ContactError):  # not bob's interaction
        service.assign("new", 2, jordan.id)
    done = service.assign("new", 1, jordan.id)
    assert done.interaction.contact_id == jordan.id
    assert done.interaction.contact_name == "Jordan Lee"
    assert done.moved == 1 and done.number_added
    assert "+15005550006" in [p.number for p in service.get(jordan.id).phones]
    assert names(service.search("5005550006")) == ["Jordan Lee"]
    assert {"new", "earlier"} <= {e.interaction.id for e in service.history(jordan.id)}
    lines = [m.text for m in service.transcript("new")]
    assert "Alice Anders assigned this interaction to Jordan Lee." in lines


def test_assign_wrong_match_to_a_new_contact_takes_the_number(
    service: ContactService, db: Database
) -> None:
    jordan = service.search("jordan").contacts[0]
    _interaction(db, "wrong", "+14155550123", jordan.id, 0, State.ACTIVE, owner=1)
    done = service.assign_new("wrong", 1, "Jordan's Sister", move_others=False)
    assert done.contact.name == "Jordan's Sister"
    assert [p.number for p in done.contact.phones] == ["+14155550123"]
    assert service.get(jordan.id).phones == ()
    assert names(service.search("4155550123")) == ["Jordan's Sister"]
    assert done.moved == 0


def test_outbound_record_is_done_and_in_the_history(
    service: ContactService, db: Database
) -> None:
    jordan = service.search("jordan").contacts[0]
    interaction, message = ContactRepo(db).record_outbound(
        1, jordan.id, "+14155550123", "+12125550101", None, "Hello", "Alice sent", NOW)
    assert interaction.state is State.DONE and interaction.direction is Direction.OUTBOUND
    assert interaction.mode.value == "page" and interaction.owner_id == 1
    entry = service.history(jordan.id)[0]
    assert entry.interaction.id == interaction.id
    assert [m.text for m in service.transcript(interaction.id)] == ["Alice sent", "Hello"]


def test_import_is_all_or_nothing(service: ContactService, db: Database) -> None:
    from domain.contact_directory import ContactDraft
    from domain.contacts import ContactPhone

    repo = ContactRepo(db)
    before = len(service.search("", limit=200).contacts)
    with pytest.raises(ContactError):
        repo.save_many([
            ContactDraft("New One", (ContactPhone("+13105550101"),), ()),
            ContactDraft("Clash", (ContactPhone("+14155550123"),), ()),
        ])
    assert len(service.search("", limit=200).contacts) == before
    assert names(service.search("new one")) == []
    with db.session() as s:
        assert s.get(ContactTermRow, (before + 1, "new")) is None
    ids = repo.save_many([ContactDraft("New One", (ContactPhone("+13105550101"),), ())])
    assert len(ids) == 1 and names(service.search("3105550101")) == ["New One"]


def test_csv_import_previews_bad_rows_and_imports_all_or_nothing(
    service: ContactService,
) -> None:
    before = len(service.search("", limit=200).contacts)
    bad = ("name,phone,email\n"
           "Ada Byron,(310) 555-0101,ada@example.com\n"
           "No Phone Person,,nobody@example\n"
           "Clash,415-555-0123,\n"
           ",3105550102,\n"
           "Twice,310.555.0101;3105550103,\n")
    preview = service.preview_import(bad)
    assert not preview.ok
    assert [r.ok for r in preview.rows] == [True, False, False, False, False]
    report = preview.report
    assert any(line.startswith("Line 3:") and "nobody@example" in line for line in report)
    assert "Line 4: +14155550123 already belongs to Jordan Lee." in report
    assert "Line 5: The contact needs a name." in report
    assert "Line 6: The number +13105550101 is also on line 2." in report
    with pytest.raises(ContactError) as refused:
        service.import_contacts(bad)
    assert len(refused.value.problems) == len(report)
    assert len(service.search("", limit=200).contacts) == before  # nothing half-imported
    assert names(service.search("ada")) == []

    good = ("Name;Phone;Phone 2;E-mail\n"
            "Ada Byron;(310) 555-0101;;ada@example.com\n"
            "Ben Okri;+44 20 7946 0018;310-555-0104;\n")
    assert service.preview_import(good).ok
    assert service.import_contacts(good) == 2
    assert names(service.search("3105550104")) == ["Ben Okri"]
    assert names(service.search("ada@")) == ["Ada Byron"]
    assert not service.preview_import(good).ok  # the same file again: all taken now
    assert service.preview_import("").problems == ("The file is empty.",)
    assert "“name”" in service.preview_import("phone\n123\n").problems[0]
