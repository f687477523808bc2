"""SQLModel tables. Rows never leave ``storage/``: repositories turn them into domain objects.

Every schema change needs an Alembic revision in ``storage/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every database.

    SQLite has no time zones: values are stored as naive UTC so that text comparison
    orders them correctly, and come back marked as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kw))


class AgentRow(SQLModel, table=True):
    __tablename__ = "agent"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    display_name: str = Field(max_length=120)
    role: str = Field(default="agent", max_length=16)
    password_hash: str
    auto_answer: str = Field(default="manual", max_length=16)
    auto_answer_seconds: int = 10
    may_reject: bool = True
    may_save_images: bool = False
    spelling_warning: bool = False
    disposition_required: bool = False
    may_send_sms: bool = True
    sms_capacity: int = 3
    focus_preview: bool = False
    preview_sound: bool = False
    zoom: int = 100
    spell_language: str = Field(default="en", max_length=16)
    spell_check: bool = True
    time_zone: str = Field(default="UTC", max_length=64)
    phone: str | None = Field(default=None, max_length=32)  # for the telephone hand-off
    bot: bool = False  # a lesson's simulated colleague (never logs in, hidden from others)


class LoginAttemptRow(SQLModel, table=True):
    __tablename__ = "login_attempt"
    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_at: datetime | None = _ts(nullable=True)
    locked_until: datetime | None = _ts(nullable=True)


class AgentSessionRow(SQLModel, table=True):
    __tablename__ = "agent_session"
    token_digest: str = Field(primary_key=True, max_length=64)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    created_at: datetime = _ts(nullable=False)


class PresenceRow(SQLModel, table=True):
    __tablename__ = "presence"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=64)
    since: datetime = _ts(nullable=False)


class QueueRow(SQLModel, table=True):
    __tablename__ = "queue"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    kind: str = Field(default="queue", max_length=16)


class CentreNumberRow(SQLModel, table=True):
    __tablename__ = "centre_number"
    number: str = Field(primary_key=True, max_length=16)
    mode: str = Field(max_length=16)
    queue_id: int = Field(foreign_key="queue.id")
    label: str = Field(default="", max_length=120)


class ContactRow(SQLModel, table=True):
    __tablename__ = "contact"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=200)


class ContactPhoneRow(SQLModel, table=True):
    __tablename__ = "contact_phone"
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    number: str = Field(index=True, max_length=16)
    label: str = Field(default="mobile", max_length=32)


class ContactEmailRow(SQLModel, table=True):
    __tablename__ = "contact_email"
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    address: str = Field(index=True, max_length=254)
    label: str = Field(default="work", max_length=32)


class DispositionCodeRow(SQLModel, table=True):
    __tablename__ = "disposition_code"
    code: str = Field(primary_key=True, max_length=64)
    label: str = Field(max_length=120)
    position: int = 0


class StandardResponseRow(SQLModel, table=True):
    __tablename__ = "standard_response"
    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=120)
    title: str = Field(max_length=200)
    text: str
    shortcut: str | None = Field(default=None, unique=True, max_length=32)


class CaseDataFieldRow(SQLModel, table=True):
    __tablename__ = "case_data_field"
    key: str = Field(primary_key=True, max_length=64)
    label: str = Field(max_length=120)
    editable: bool = False
    kind: str = Field(default="text", max_length=16)
    position: int = 0


class NotificationRow(SQLModel, table=True):
    __tablename__ = "notification"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    created_at: datetime = _ts(nullable=False)
    text: str
    level: str = Field(default="info", max_length=16)
    read: bool = False


class DeadlineRow(SQLModel, table=True):
    __tablename__ = "deadline"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    ref: str = Field(max_length=64, index=True)
    due_at: datetime = _ts(nullable=False, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fired_at: datetime | None = _ts(nullable=True)
    cancelled: bool = False


class MetaRow(SQLModel, table=True):
    """Small key/value facts about this database (e.g. that demo data was created)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=200)


class InteractionRow(SQLModel, table=True):
    __tablename__ = "interaction"
    id: str = Field(primary_key=True, max_length=32)
    channel: str = Field(max_length=8)
    direction: str = Field(default="inbound", max_length=8)
    mode: str = Field(max_length=8)
    state: str = Field(index=True, max_length=16)
    contact_number: str = Field(index=True, max_length=16)
    centre_number: str = Field(max_length=16)
    queue_id: int | None = Field(default=None, foreign_key="queue.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    current_offer_id: int | None = None
    created_at: datetime = _ts(nullable=False)
    queued_at: datetime | None = _ts(nullable=True)
    accepted_at: datetime | None = _ts(nullable=True)
    ended_at: datetime | None = _ts(nullable=True)
    last_activity_at: datetime | None = _ts(nullable=True)
    case_data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    disposition: str | None = Field(default=None, max_length=64)
    training: bool = False
    target_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    previous_owner_id: int | None = Field(default=None, foreign_key="agent.id")


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    party: str = Field(max_length=16)
    text: str = ""
    created_at: datetime = _ts(nullable=False)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    provider_message_id: str | None = Field(default=None, unique=True, max_length=200)


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"
    id: str = Field(primary_key=True, max_length=64)
    message_id: int = Field(foreign_key="message.id", index=True)
    content_type: str = Field(max_length=32)
    filename: str = Field(max_length=255)
    size: int = 0
    position: int = 0


class OfferRow(SQLModel, table=True):
    __tablename__ = "offer"
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    offered_at: datetime = _ts(nullable=False)
    deadline: datetime = _ts(nullable=False)
    auto_answer: bool = False
    outcome: str | None = Field(default=None, max_length=16, index=True)
    decided_at: datetime | None = _ts(nullable=True)
    kind: str = Field(default="route", max_length=16)
    from_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    waiting: bool = False


class OutboxRow(SQLModel, table=True):
    """What the simulated SMS gateway delivered, one row per SMS part."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(index=True, max_length=16)
    sender: str = Field(max_length=16)
    text: str
    part: int
    parts: int
    encoding: str = Field(max_length=8)
    sent_at: datetime = _ts(nullable=False)


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    text: str
    created_at: datetime = _ts(nullable=False)


class DraftRow(SQLModel, table=True):
    """The reply an agent is typing, kept server-side so it survives a reload."""

    __tablename__ = "draft"
    interaction_id: str = Field(foreign_key="interaction.id", primary_key=True, max_length=32)
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    text: str = ""
    updated_at: datetime = _ts(nullable=False)


class PersonalWordRow(SQLModel, table=True):
    """An agent's own dictionary ("Add to My Dictionary"), kept across sessions."""

    __tablename__ = "personal_word"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    word: str = Field(primary_key=True, max_length=100)


class ConsultationRow(SQLModel, table=True):
    """An IM consultation: the owner asks a colleague about an interaction."""

    __tablename__ = "consultation"
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    owner_id: int = Field(foreign_key="agent.id")
    consultant_id: int = Field(foreign_key="agent.id", index=True)
    offer_id: int | None = Field(default=None, foreign_key="offer.id")
    created_at: datetime = _ts(nullable=False)
    started_at: datetime | None = _ts(nullable=True)
    ended_at: datetime | None = _ts(nullable=True)
    ended_by: int | None = Field(default=None, foreign_key="agent.id")


class FlagRow(SQLModel, table=True):
    """A supervisor flag an agent raised on an interaction."""

    __tablename__ = "flag"
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    agent_id: int = Field(foreign_key="agent.id")
    message: str = Field(default="", max_length=500)
    raised_at: datetime = _ts(nullable=False)
    lowered_at: datetime | None = _ts(nullable=True)
    lowered_by: int | None = Field(default=None, foreign_key="agent.id")


class CallbackRow(SQLModel, table=True):
    """A scheduled callback; when due it becomes an interaction with the same id."""

    __tablename__ = "callback"
    id: str = Field(primary_key=True, max_length=32)
    contact_number: str = Field(max_length=16)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    centre_number: str = Field(default="", max_length=16)
    source_interaction_id: str | None = Field(default=None, max_length=32)
    due_at: datetime = _ts(nullable=False, index=True)
    notes: str = Field(default="", max_length=2000)
    assigned_agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    queue_id: int | None = Field(default=None, foreign_key="queue.id")
    state: str = Field(default="scheduled", max_length=16, index=True)
    created_by: int = Field(foreign_key="agent.id")
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class RecentTargetRow(SQLModel, table=True):
    """Team Communicator: the targets an agent used lately come first."""

    __tablename__ = "recent_target"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    target_id: str = Field(primary_key=True, max_length=32)
    used_at: datetime = _ts(nullable=False)


class ContactTermRow(SQLModel, table=True):
    """Contact search: one row per name word, e-mail address and phone form (prefix
    search on an index: fast on a large directory, on SQLite and PostgreSQL alike)."""

    __tablename__ = "contact_term"
    # PostgreSQL: text_pattern_ops serves ``LIKE 'abc%'`` whatever the database collation.
    __table_args__ = (
        Index("ix_contact_term_term", "term", postgresql_ops={"term": "text_pattern_ops"}),
    )
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    term: str = Field(primary_key=True, max_length=254)


class LessonRunRow(SQLModel, table=True):
    """One trainee playing one lesson: progress and the completion record."""

    __tablename__ = "lesson_run"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    lesson_id: str = Field(max_length=64)
    status: str = Field(default="running", max_length=16, index=True)
    step: int = 0
    started_at: datetime = _ts(nullable=False)
    finished_at: datetime | None = _ts(nullable=True)
    retries: int = 0
    bot_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    contact_number: str = Field(default="", max_length=16)
    interactions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers_given: int = 0
    last_hint: str = Field(default="", max_length=500)


class LessonAssignmentRow(SQLModel, table=True):
    """A trainer asked an agent to take a lesson."""

    __tablename__ = "lesson_assignment"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    lesson_id: str = Field(primary_key=True, max_length=64)
    assigned_by: int = Field(foreign_key="agent.id")
    assigned_at: datetime = _ts(nullable=False)
