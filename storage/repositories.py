"""Repositories: each method is one unit of work and returns domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.agents import Agent, AgentOptions, AutoAnswer, Role
from domain.case_data import CaseDataField, FieldKind
from domain.contacts import Contact, ContactEmail, ContactPhone
from domain.dispositions import DispositionCode
from domain.notifications import Level, Notification
from domain.presence import Presence, Status
from domain.queues import CentreNumber, Mode, Queue, TargetKind
from domain.scheduler import Deadline
from domain.standard_responses import StandardResponse
from storage.db import Database
from storage.tables import (
    AgentRow,
    AgentSessionRow,
    CaseDataFieldRow,
    CentreNumberRow,
    ContactEmailRow,
    ContactPhoneRow,
    ContactRow,
    DeadlineRow,
    DispositionCodeRow,
    LoginAttemptRow,
    NotificationRow,
    PersonalWordRow,
    PresenceRow,
    QueueRow,
    StandardResponseRow,
)

OPTION_FIELDS = tuple(AgentOptions.__dataclass_fields__)
_PHONES = ContactPhoneRow.__table__
_CONTACT_BY_NUMBER = (  # built once: looked up for every inbound message
    sa_select(_PHONES.c.contact_id)
    .where(_PHONES.c.number == bindparam("number"))
    .order_by(_PHONES.c.contact_id)
    .limit(1)
)


def agent_from_row(row: AgentRow) -> Agent:
    values: dict[str, Any] = {name: getattr(row, name) for name in OPTION_FIELDS}
    values["auto_answer"] = AutoAnswer(values["auto_answer"])
    assert row.id is not None
    return Agent(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        options=AgentOptions(**values),
    )


class AgentRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, agent_id: int) -> Agent | None:
        with self.db.session() as s:
            row = s.get(AgentRow, agent_id)
            return agent_from_row(row) if row else None

    def by_username(self, username: str) -> Agent | None:
        found = self.password_hash(username)
        return found[0] if found else None

    def password_hash(self, username: str) -> tuple[Agent, str] | None:
        with self.db.session() as s:
            row = s.exec(select(AgentRow).where(AgentRow.username == username)).first()
            return (agent_from_row(row), row.password_hash) if row else None

    def list(self) -> list[Agent]:
        with self.db.session() as s:
            rows = s.exec(select(AgentRow).order_by(col(AgentRow.username))).all()
            return [agent_from_row(r) for r in rows]

    def add(
        self, username: str, display_name: str, role: Role, password_hash: str,
        options: AgentOptions | None = None,
    ) -> Agent:
        options = options or AgentOptions()
        values = {name: getattr(options, name) for name in OPTION_FIELDS}
        values["auto_answer"] = options.auto_answer.value
        with self.db.session() as s:
            row = AgentRow(
                username=username, display_name=display_name, role=role.value,
                password_hash=password_hash, **values,
            )
            s.add(row)
            s.commit()
            s.refresh(row)
            return agent_from_row(row)

    def update_options(self, agent_id: int, **changes: Any) -> Agent:
        unknown = set(changes) - set(OPTION_FIELDS)
        if unknown:
            raise ValueError(f"unknown agent options: {sorted(unknown)}")
        with self.db.session() as s:
            row = s.get(AgentRow, agent_id)
            if row is None:
                raise LookupError(f"no agent {agent_id}")
            for name, value in changes.items():
                setattr(row, name, value.value if isinstance(value, AutoAnswer) else value)
            s.add(row)
            s.commit()
            s.refresh(row)
            return agent_from_row(row)


class LoginAttemptRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, username: str) -> tuple[int, datetime | None, datetime | None]:
        with self.db.session() as s:
            row = s.get(LoginAttemptRow, username)
            if row is None:
                return 0, None, None
            return row.failures, row.last_failure_at, row.locked_until

    def record_failure(self, username: str, at: datetime, locked_until: datetime | None) -> int:
        """Count one failed login and return the new count.

        Parallel guesses are all counted: the increment happens in the database, not on a
        copy read earlier. ``locked_until=None`` keeps an existing lock (a guess that read
        the count before another one locked the name must not unlock it); ``reset`` lifts it.
        """
        changes: dict[str, Any] = {
            "failures": col(LoginAttemptRow.failures) + 1, "last_failure_at": at,
        }
        if locked_until is not None:
            changes["locked_until"] = locked_until
        where = col(LoginAttemptRow.username) == username
        for attempt in range(2):
            with self.db.session() as s:
                if s.exec(update(LoginAttemptRow).where(where).values(**changes)).rowcount:
                    failures = s.exec(select(LoginAttemptRow.failures).where(where)).one()
                    s.commit()
                    return failures
                s.add(
                    LoginAttemptRow(
                        username=username, failures=1, last_failure_at=at,
                        locked_until=locked_until,
                    )
                )
                try:
                    s.commit()
                    return 1
                except IntegrityError:
                    # A parallel failure created the row first: count on that row instead.
                    s.rollback()
                    if attempt:
                        raise
        raise AssertionError("unreachable")

    def reset(self, username: str) -> None:
        with self.db.session() as s:
            s.exec(delete(LoginAttemptRow).where(col(LoginAttemptRow.username) == username))
            s.commit()


class SessionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, agent_id: int, token_digest: str, at: datetime) -> None:
        with self.db.session() as s:
            s.add(AgentSessionRow(token_digest=token_digest, agent_id=agent_id, created_at=at))
            s.commit()

    def agent_for(self, token_digest: str) -> int | None:
        with self.db.session() as s:
            row = s.get(AgentSessionRow, token_digest)
            return row.agent_id if row else None

    def end_all(self, agent_id: int) -> None:
        with self.db.session() as s:
            s.exec(delete(AgentSessionRow).where(col(AgentSessionRow.agent_id) == agent_id))
            s.commit()


def presence_from_row(row: PresenceRow) -> Presence:
    return Presence(row.agent_id, Status(row.status), row.reason, row.since)


class PresenceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, agent_id: int) -> Presence | None:
        with self.db.session() as s:
            row = s.get(PresenceRow, agent_id)
            return presence_from_row(row) if row else None

    def set(self, agent_id: int, status: Status, reason: str | None, since: datetime) -> Presence:
        changes = {"status": status.value, "reason": reason, "since": since}
        for attempt in range(2):
            with self.db.session() as s:
                updated = s.exec(
                    update(PresenceRow)
                    .where(col(PresenceRow.agent_id) == agent_id)
                    .values(**changes)
                ).rowcount
                if not updated:
                    s.add(PresenceRow(agent_id=agent_id, **changes))
                try:
                    s.commit()
                    break
                except IntegrityError:
                    # Another tab created this agent's row first: update it on the next pass
                    # (or, for a missing agent, fail again and raise).
                    s.rollback()
                    if attempt:
                        raise
        # The same instant as stored, in UTC as ``get`` returns it.
        return Presence(agent_id, status, reason, since.astimezone(UTC))

    def all(self) -> list[Presence]:
        with self.db.session() as s:
            return [presence_from_row(r) for r in s.exec(select(PresenceRow)).all()]


def notification_from_row(row: NotificationRow) -> Notification:
    assert row.id is not None
    return Notification(
        row.id, row.agent_id, row.created_at, row.text, Level(row.level), row.read
    )


class NotificationRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, agent_id: int, text: str, level: Level, at: datetime) -> Notification:
        with self.db.session() as s:
            row = NotificationRow(agent_id=agent_id, text=text, level=level.value, created_at=at)
            s.add(row)
            s.commit()
            s.refresh(row)
            return notification_from_row(row)

    def recent(self, agent_id: int, limit: int) -> list[Notification]:
        with self.db.session() as s:
            rows = s.exec(
                select(NotificationRow)
                .where(NotificationRow.agent_id == agent_id)
                .order_by(col(NotificationRow.created_at).desc(), col(NotificationRow.id).desc())
                .limit(limit)
            ).all()
            return [notification_from_row(r) for r in rows]

    def unread_count(self, agent_id: int) -> int:
        with self.db.session() as s:
            return s.exec(
                select(func.count())
                .select_from(NotificationRow)
                .where(NotificationRow.agent_id == agent_id, col(NotificationRow.read).is_(False))
            ).one()

    def mark_all_read(self, agent_id: int) -> None:
        with self.db.session() as s:
            s.exec(
                update(NotificationRow)
                .where(col(NotificationRow.agent_id) == agent_id)
                .values(read=True)
            )
            s.commit()


def contact_from_rows(
    row: ContactRow, phones: list[ContactPhoneRow], emails: list[ContactEmailRow]
) -> Contact:
    assert row.id is not None
    return Contact(
        id=row.id,
        name=row.name,
        phones=tuple(ContactPhone(p.number, p.label) for p in phones),
        emails=tuple(ContactEmail(e.address, e.label) for e in emails),
    )


class DirectoryRepo:
    """Reference data: queues, centre numbers, contacts, dispositions, responses, fields."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def queues(self) -> list[Queue]:
        with self.db.session() as s:
            rows = s.exec(select(QueueRow).order_by(col(QueueRow.name))).all()
            return [Queue(r.id or 0, r.name, TargetKind(r.kind)) for r in rows]

    def centre_numbers(self) -> list[CentreNumber]:
        with self.db.session() as s:
            rows = s.exec(select(CentreNumberRow).order_by(col(CentreNumberRow.number))).all()
            return [CentreNumber(r.number, Mode(r.mode), r.queue_id, r.label) for r in rows]

    def _contacts(self, s: Any, rows: list[ContactRow]) -> list[Contact]:
        ids = [r.id for r in rows]
        # Ordered by id: without ORDER BY, PostgreSQL moves an edited row to the end.
        phones = s.exec(
            select(ContactPhoneRow)
            .where(col(ContactPhoneRow.contact_id).in_(ids))
            .order_by(col(ContactPhoneRow.id))
        ).all()
        emails = s.exec(
            select(ContactEmailRow)
            .where(col(ContactEmailRow.contact_id).in_(ids))
            .order_by(col(ContactEmailRow.id))
        ).all()
        return [
            contact_from_rows(
                r,
                [p for p in phones if p.contact_id == r.id],
                [e for e in emails if e.contact_id == r.id],
            )
            for r in rows
        ]

    def contacts(self, limit: int = 100) -> list[Contact]:
        with self.db.session() as s:
            # id breaks ties between namesakes, so the order (and the limit) is stable.
            rows = list(
                s.exec(
                    select(ContactRow)
                    .order_by(col(ContactRow.name), col(ContactRow.id))
                    .limit(limit)
                ).all()
            )
            return self._contacts(s, rows)

    def contact_id_by_phone(self, number: str) -> int | None:
        with self.db.engine.connect() as conn:
            return conn.execute(_CONTACT_BY_NUMBER, {"number": number}).scalar()

    def contact_by_phone(self, number: str) -> Contact | None:
        with self.db.session() as s:
            row = s.exec(
                select(ContactRow)
                .join(ContactPhoneRow, col(ContactPhoneRow.contact_id) == col(ContactRow.id))
                .where(ContactPhoneRow.number == number)
                .order_by(col(ContactRow.id))
            ).first()
            return self._contacts(s, [row])[0] if row else None

    def disposition_codes(self) -> list[DispositionCode]:
        with self.db.session() as s:
            rows = s.exec(
                select(DispositionCodeRow).order_by(
                    col(DispositionCodeRow.position), col(DispositionCodeRow.code)
                )
            ).all()
            return [DispositionCode(r.code, r.label) for r in rows]

    def standard_responses(self) -> list[StandardResponse]:
        with self.db.session() as s:
            rows = s.exec(
                select(StandardResponseRow).order_by(
                    col(StandardResponseRow.category),
                    col(StandardResponseRow.title),
                    col(StandardResponseRow.id),
                )
            ).all()
            return [
                StandardResponse(r.id or 0, r.category, r.title, r.text, r.shortcut) for r in rows
            ]

    def case_data_fields(self) -> list[CaseDataField]:
        with self.db.session() as s:
            rows = s.exec(
                select(CaseDataFieldRow).order_by(
                    col(CaseDataFieldRow.position), col(CaseDataFieldRow.key)
                )
            ).all()
            return [
                CaseDataField(r.key, r.label, r.editable, FieldKind(r.kind), r.position)
                for r in rows
            ]


def deadline_from_row(row: DeadlineRow) -> Deadline:
    assert row.id is not None
    return Deadline(row.id, row.kind, row.ref, row.due_at, dict(row.payload or {}))


class DeadlineRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _open(self) -> Any:
        return (col(DeadlineRow.fired_at).is_(None), col(DeadlineRow.cancelled).is_(False))

    def add(self, kind: str, ref: str, due_at: datetime, payload: dict[str, Any]) -> Deadline:
        with self.db.session() as s:
            row = DeadlineRow(kind=kind, ref=ref, due_at=due_at, payload=payload)
            s.add(row)
            s.commit()
            s.refresh(row)
            return deadline_from_row(row)

    def cancel(self, kind: str, ref: str) -> int:
        with self.db.session() as s:
            result = s.exec(
                update(DeadlineRow)
                .where(col(DeadlineRow.kind) == kind, col(DeadlineRow.ref) == ref, *self._open())
                .values(cancelled=True)
            )
            s.commit()
            return int(result.rowcount or 0)

    def due(self, now: datetime, limit: int = 100) -> list[Deadline]:
        with self.db.session() as s:
            rows = s.exec(
                select(DeadlineRow)
                .where(col(DeadlineRow.due_at) <= now, *self._open())
                .order_by(col(DeadlineRow.due_at), col(DeadlineRow.id))
                .limit(limit)
            ).all()
            return [deadline_from_row(r) for r in rows]

    def next_due_at(self) -> datetime | None:
        with self.db.session() as s:
            return s.exec(select(func.min(DeadlineRow.due_at)).where(*self._open())).one()

    def mark_fired(self, deadline_id: int, fired_at: datetime) -> bool:
        # A conditional update is the claim: only one worker (or process) wins it.
        with self.db.session() as s:
            result = s.exec(
                update(DeadlineRow)
                .where(col(DeadlineRow.id) == deadline_id, *self._open())
                .values(fired_at=fired_at)
            )
            s.commit()
            return (result.rowcount or 0) == 1

    def pending(self, kind: str | None = None) -> list[Deadline]:
        with self.db.session() as s:
            query = select(DeadlineRow).where(*self._open())
            if kind:
                query = query.where(DeadlineRow.kind == kind)
            rows = s.exec(query.order_by(col(DeadlineRow.due_at), col(DeadlineRow.id))).all()
            return [deadline_from_row(r) for r in rows]


class PersonalDictionaryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def words(self, agent_id: int) -> set[str]:
        with self.db.session() as s:
            return set(s.exec(select(PersonalWordRow.word)
                              .where(PersonalWordRow.agent_id == agent_id)).all())

    def add(self, agent_id: int, word: str) -> None:
        with self.db.session() as s:
            if s.get(PersonalWordRow, (agent_id, word)) is None:
                s.add(PersonalWordRow(agent_id=agent_id, word=word))
                try:
                    s.commit()
                except IntegrityError:  # added at the same moment elsewhere: fine
                    s.rollback()
