"""Contact directory storage: search terms, contact information, history, assignment and
outbound SMS records. Each method is one unit of work and returns domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, intersect, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain.contact_directory import (
    ContactDraft,
    ContactError,
    HistoryEntry,
    Query,
    contact_terms,
)
from domain.contacts import Contact
from domain.interactions import Interaction, Message, Party, State
from storage.db import Database
from storage.interactions import InteractionRepo
from storage.repositories import contact_from_rows
from storage.tables import (
    AgentRow,
    ContactEmailRow,
    ContactPhoneRow,
    ContactRow,
    ContactTermRow,
    DispositionCodeRow,
    InteractionRow,
    MessageRow,
    NoteRow,
)

_TERMS = ContactTermRow.__table__


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def index_contact(s: Session, contact_id: int) -> None:
    """Rewrite one contact's search terms from its stored rows (same transaction)."""
    contact = s.get(ContactRow, contact_id)
    s.exec(delete(ContactTermRow).where(col(ContactTermRow.contact_id) == contact_id))
    if contact is None:
        return
    phones = s.exec(select(ContactPhoneRow.number)
                    .where(ContactPhoneRow.contact_id == contact_id)).all()
    emails = s.exec(select(ContactEmailRow.address)
                    .where(ContactEmailRow.contact_id == contact_id)).all()
    for term in sorted(contact_terms(contact.name, phones, emails)):
        s.add(ContactTermRow(contact_id=contact_id, term=term))


def index_all_contacts(s: Session) -> int:
    """Give every contact without search terms its terms (demo data, imports)."""
    missing = s.exec(
        select(ContactRow.id).where(
            col(ContactRow.id).not_in(select(ContactTermRow.contact_id).distinct()))
    ).all()
    for contact_id in missing:
        assert contact_id is not None
        index_contact(s, contact_id)
    return len(missing)


class ContactRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._interactions = InteractionRepo(db)

    def _load(self, s: Session, rows: list[ContactRow]) -> list[Contact]:
        """Contacts with their numbers and addresses, in two indexed look-ups (sorted here:
        an ORDER BY id would make SQLite walk the whole table instead of the index)."""
        ids = [r.id for r in rows]
        phones: dict[int, list[ContactPhoneRow]] = {}
        emails: dict[int, list[ContactEmailRow]] = {}
        if ids:
            for p in sorted(s.exec(select(ContactPhoneRow)
                                   .where(col(ContactPhoneRow.contact_id).in_(ids))).all(),
                            key=lambda p: p.id or 0):
                phones.setdefault(p.contact_id, []).append(p)
            for e in sorted(s.exec(select(ContactEmailRow)
                                   .where(col(ContactEmailRow.contact_id).in_(ids))).all(),
                            key=lambda e: e.id or 0):
                emails.setdefault(e.contact_id, []).append(e)
        return [contact_from_rows(r, phones.get(r.id or 0, []), emails.get(r.id or 0, []))
                for r in rows]

    # -- search ---------------------------------------------------------------------------

    def _match(self, term: str, prefix: bool) -> Any:
        column = _TERMS.c.term
        if not prefix:
            return column == term
        if self.db.dialect == "postgresql":
            # text_pattern_ops index: correct and indexed whatever the collation.
            return column.like(_like_escape(term) + "%", escape="\\")
        # SQLite compares bytes (BINARY): a range is exactly "starts with" and uses the index.
        upper = term[:-1] + chr(ord(term[-1]) + 1)
        return and_(column >= term, column < upper)

    def search(self, query: Query, limit: int, offset: int) -> list[Contact]:
        with self.db.session() as s:
            statement = select(ContactRow)
            if query:
                groups = [
                    sa_select(_TERMS.c.contact_id).where(
                        or_(*(self._match(m.term, m.prefix) for m in group)))
                    for group in query
                ]
                ids = groups[0] if len(groups) == 1 else intersect(*groups)
                statement = statement.where(col(ContactRow.id).in_(ids))
            rows = list(s.exec(
                statement.order_by(col(ContactRow.name), col(ContactRow.id))
                .offset(offset).limit(limit)
            ).all())
            return self._load(s, rows)

    def get(self, contact_id: int) -> Contact | None:
        with self.db.session() as s:
            row = s.get(ContactRow, contact_id)
            return self._load(s, [row])[0] if row else None

    # -- contact information --------------------------------------------------------------

    def _owners(self, s: Session, draft: ContactDraft, contact_id: int | None) -> list[str]:
        problems = []
        numbers = [p.number for p in draft.phones]
        if numbers:
            for number, name in s.exec(
                select(ContactPhoneRow.number, ContactRow.name)
                .join(ContactRow, col(ContactRow.id) == col(ContactPhoneRow.contact_id))
                .where(col(ContactPhoneRow.number).in_(numbers),
                       col(ContactPhoneRow.contact_id) != (contact_id or 0))
            ).all():
                problems.append(f"The number {number} already belongs to {name}.")
        addresses = [e.address.lower() for e in draft.emails]
        if addresses:
            for address, name in s.exec(
                select(ContactEmailRow.address, ContactRow.name)
                .join(ContactRow, col(ContactRow.id) == col(ContactEmailRow.contact_id))
                .where(col(ContactEmailRow.address).in_(
                    [e.address for e in draft.emails] + addresses),
                       col(ContactEmailRow.contact_id) != (contact_id or 0))
            ).all():
                problems.append(f"The e-mail address {address} already belongs to {name}.")
        return problems

    def save(self, contact_id: int | None, draft: ContactDraft, terms: set[str]) -> Contact:
        with self.db.session() as s:
            problems = self._owners(s, draft, contact_id)
            if problems:
                raise ContactError(problems)
            if contact_id is None:
                row = ContactRow(name=draft.name)
                s.add(row)
                s.flush()
            else:
                found = s.get(ContactRow, contact_id, with_for_update=True)
                if found is None:
                    raise ContactError("This contact no longer exists.")
                row = found
                row.name = draft.name
                s.add(row)
                s.exec(delete(ContactPhoneRow).where(
                    col(ContactPhoneRow.contact_id) == contact_id))
                s.exec(delete(ContactEmailRow).where(
                    col(ContactEmailRow.contact_id) == contact_id))
                s.exec(delete(ContactTermRow).where(
                    col(ContactTermRow.contact_id) == contact_id))
            assert row.id is not None
            for phone in draft.phones:
                s.add(ContactPhoneRow(contact_id=row.id, number=phone.number, label=phone.label))
            for email in draft.emails:
                s.add(ContactEmailRow(contact_id=row.id, address=email.address,
                                      label=email.label))
            for term in sorted(terms):
                s.add(ContactTermRow(contact_id=row.id, term=term))
            s.commit()
            return self._load(s, [row])[0]

    def owners(self, numbers: Sequence[str], addresses: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.db.session() as s:
            for start in range(0, len(numbers), 500):
                found.update(s.exec(
                    select(ContactPhoneRow.number, ContactRow.name)
                    .join(ContactRow, col(ContactRow.id) == col(ContactPhoneRow.contact_id))
                    .where(col(ContactPhoneRow.number).in_(numbers[start:start + 500]))).all())
            for start in range(0, len(addresses), 500):
                found.update(s.exec(
                    select(ContactEmailRow.address, ContactRow.name)
                    .join(ContactRow, col(ContactRow.id) == col(ContactEmailRow.contact_id))
                    .where(col(ContactEmailRow.address).in_(addresses[start:start + 500]))
                ).all())
        return found

    def save_many(self, drafts: Sequence[ContactDraft]) -> list[int]:
        """Create all the contacts in one transaction (all or nothing)."""
        ids: list[int] = []
        with self.db.session() as s:
            for draft in drafts:
                problems = self._owners(s, draft, None)
                if problems:
                    raise ContactError(problems)
                row = ContactRow(name=draft.name)
                s.add(row)
                s.flush()
                assert row.id is not None
                ids.append(row.id)
                for phone in draft.phones:
                    s.add(ContactPhoneRow(contact_id=row.id, number=phone.number,
                                          label=phone.label))
                for email in draft.emails:
                    s.add(ContactEmailRow(contact_id=row.id, address=email.address,
                                          label=email.label))
                for term in sorted(contact_terms(draft.name, [p.number for p in draft.phones],
                                                 [e.address for e in draft.emails])):
                    s.add(ContactTermRow(contact_id=row.id, term=term))
                s.flush()  # a number repeated within the batch is caught by _owners
            s.commit()
        return ids

    # -- history --------------------------------------------------------------------------

    def _who(self, s: Session, contact_id: int) -> Any:
        numbers = list(s.exec(select(ContactPhoneRow.number)
                              .where(ContactPhoneRow.contact_id == contact_id)).all())
        who = col(InteractionRow.contact_id) == contact_id
        if numbers:
            # A number's interactions from before it was the contact's (but not those
            # another contact was assigned) belong to the history too.
            who = who | (col(InteractionRow.contact_number).in_(numbers)
                         & col(InteractionRow.contact_id).is_(None))
        return who

    def history(
        self, contact_id: int, since: datetime | None, until: datetime | None,
        states: Sequence[State] | None, limit: int, offset: int,
    ) -> list[HistoryEntry]:
        with self.db.session() as s:
            query = select(InteractionRow).where(self._who(s, contact_id),
                                                 col(InteractionRow.training).is_(False))
            if since is not None:
                query = query.where(col(InteractionRow.created_at) >= since)
            if until is not None:
                query = query.where(col(InteractionRow.created_at) < until)
            if states is not None:
                query = query.where(col(InteractionRow.state).in_([x.value for x in states]))
            rows = list(s.exec(
                query.order_by(col(InteractionRow.created_at).desc(), col(InteractionRow.id))
                .offset(offset).limit(limit)
            ).all())
            interactions = self._interactions._with_names(s, rows)
            owners = {r.owner_id for r in rows if r.owner_id}
            names = dict(s.exec(select(AgentRow.id, AgentRow.display_name)
                                .where(col(AgentRow.id).in_(owners))).all()) if owners else {}
            codes = {r.disposition for r in rows if r.disposition}
            labels = dict(s.exec(select(DispositionCodeRow.code, DispositionCodeRow.label)
                                 .where(col(DispositionCodeRow.code).in_(codes))).all()
                          ) if codes else {}
            notes: dict[str, list[str]] = {}
            if rows:
                for iid, text in s.exec(
                    select(NoteRow.interaction_id, NoteRow.text)
                    .where(col(NoteRow.interaction_id).in_([r.id for r in rows]))
                    .order_by(col(NoteRow.created_at), col(NoteRow.id))
                ).all():
                    notes.setdefault(iid, []).append(text)
            return [
                HistoryEntry(i, names.get(i.owner_id or 0), tuple(notes.get(i.id, ())),
                             labels.get(i.disposition or ""))
                for i in interactions
            ]

    def messages(self, interaction_id: str) -> list[Message]:
        return self._interactions.messages(interaction_id)

    def interaction(self, interaction_id: str) -> Interaction | None:
        return self._interactions.get(interaction_id)

    def add_system_line(self, interaction_id: str, text: str, at: datetime) -> None:
        self._interactions.add_message(interaction_id, Party.SYSTEM, text, at)

    # -- Manual Contact Assignment --------------------------------------------------------

    def assign(
        self, interaction_id: str, contact_id: int, add_number: bool, move_others: bool,
        terms_for: Callable[[str, Iterable[str], Iterable[str]], set[str]] = contact_terms,
    ) -> tuple[int, bool]:
        with self.db.session() as s:
            row = s.get(InteractionRow, interaction_id, with_for_update=True)
            if row is None:
                raise ContactError("This interaction no longer exists.")
            if s.get(ContactRow, contact_id) is None:
                raise ContactError("This contact no longer exists.")
            previous = row.contact_id
            number = row.contact_number
            row.contact_id = contact_id
            s.add(row)
            moved = 0
            if move_others:
                same = col(InteractionRow.contact_id).is_(None)
                if previous is not None:
                    same = same | (col(InteractionRow.contact_id) == previous)
                result = s.exec(
                    update(InteractionRow)
                    .where(col(InteractionRow.contact_number) == number,
                           col(InteractionRow.id) != interaction_id, same)
                    .values(contact_id=contact_id)
                )
                moved = int(result.rowcount or 0)
            added = False
            if add_number:
                holders = s.exec(select(ContactPhoneRow)
                                 .where(ContactPhoneRow.number == number)).all()
                if not any(h.contact_id == contact_id for h in holders):
                    for holder in holders:  # the wrong match loses the number
                        s.delete(holder)
                    s.add(ContactPhoneRow(contact_id=contact_id, number=number, label="mobile"))
                    added = True
                    s.flush()
                    for holder in holders:
                        index_contact(s, holder.contact_id)
                    index_contact(s, contact_id)
            s.commit()
            return moved, added

    # -- outbound SMS ---------------------------------------------------------------------

    def record_outbound(
        self, agent_id: int, contact_id: int | None, to: str, centre_number: str,
        queue_id: int | None, text: str, system_text: str, at: datetime,
    ) -> tuple[Interaction, Message]:
        """An outbound page-mode SMS, already delivered: stored as done, with its text."""
        with self.db.session() as s:
            row = InteractionRow(
                id=uuid.uuid4().hex, channel="sms", direction="outbound", mode="page",
                state=State.DONE.value, contact_number=to, centre_number=centre_number,
                queue_id=queue_id, contact_id=contact_id, owner_id=agent_id, created_at=at,
                accepted_at=at, ended_at=at, last_activity_at=at, case_data={},
            )
            s.add(row)
            s.flush()
            s.add(MessageRow(interaction_id=row.id, party=Party.SYSTEM.value,
                             text=system_text, created_at=at))
            message = MessageRow(interaction_id=row.id, party=Party.AGENT.value, text=text,
                                 created_at=at, agent_id=agent_id)
            s.add(message)
            s.commit()
            s.refresh(message)
            interaction = self._interactions._with_names(s, [row])[0]
            assert message.id is not None
            return interaction, Message(message.id, row.id, Party.AGENT, text, at, agent_id)
