"""Interactions, messages, media and offers: inbound storage and routing decisions.

Ownership changes are conditional updates inside one transaction, so that of two agents
answering at once exactly one wins, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.agents import Agent
from domain.inbound import NewInbound, StoredInbound
from domain.interactions import (
    OPEN_STATES,
    OWNED_STATES,
    Channel,
    Direction,
    Interaction,
    MediaItem,
    Message,
    Note,
    Offer,
    OfferKind,
    OfferOutcome,
    Party,
    State,
)
from domain.presence import Status
from domain.queues import Mode
from domain.routing import Candidate
from storage.db import Database
from storage.repositories import agent_from_row
from storage.tables import (
    AgentRow,
    ContactPhoneRow,
    ContactRow,
    DraftRow,
    InteractionRow,
    MediaRow,
    MessageRow,
    NoteRow,
    OfferRow,
    PresenceRow,
)

OWNED = [s.value for s in OWNED_STATES]
OPEN = [s.value for s in OPEN_STATES]
JOINABLE = [s.value for s in OPEN_STATES if s is not State.EXPIRED]

# Statements built once: SQLAlchemy then skips rebuilding and re-keying them per message.
_I, _M = InteractionRow.__table__, MessageRow.__table__
_OPEN_SESSION = (
    sa_select(_I.c.id, _I.c.owner_id)
    .where(
        _I.c.contact_number == bindparam("sender"),
        _I.c.centre_number == bindparam("centre"),
        _I.c.mode == Mode.SESSION.value,
        # an expired session waits for Done: a new text starts a new one
        _I.c.state.in_(JOINABLE),
        _I.c.training.is_(False),
    )
    .order_by(_I.c.created_at.desc())
    .limit(1)
)
_NEW_INTERACTION = _I.insert()
_TOUCH = _I.update().where(_I.c.id == bindparam("iid")).values(
    last_activity_at=bindparam("at"))
_NEW_MESSAGE = _M.insert().returning(_M.c.id)
_ANY_READY = (sa_select(PresenceRow.__table__.c.agent_id)
              .where(PresenceRow.__table__.c.status == Status.READY.value).limit(1))


def interaction_from_row(row: InteractionRow, contact_name: str | None) -> Interaction:
    return Interaction(
        id=row.id, channel=Channel(row.channel), direction=Direction(row.direction),
        mode=Mode(row.mode), state=State(row.state), contact_number=row.contact_number,
        centre_number=row.centre_number, queue_id=row.queue_id, created_at=row.created_at,
        queued_at=row.queued_at, contact_id=row.contact_id, contact_name=contact_name,
        owner_id=row.owner_id, accepted_at=row.accepted_at, ended_at=row.ended_at,
        case_data=dict(row.case_data or {}), disposition=row.disposition,
        last_activity_at=row.last_activity_at, target_agent_id=row.target_agent_id,
        previous_owner_id=row.previous_owner_id, training=bool(row.training),
    )


def contact_names(s: Session, ids: set[int]) -> dict[int, str]:
    """Contact names by id, in one query (rows keep only the contact's id)."""
    if not ids:
        return {}
    rows = s.exec(select(ContactRow.id, ContactRow.name).where(col(ContactRow.id).in_(ids)))
    return {contact_id: name for contact_id, name in rows.all() if contact_id is not None}


def offer_from_row(row: OfferRow) -> Offer:
    assert row.id is not None
    return Offer(
        id=row.id, interaction_id=row.interaction_id, agent_id=row.agent_id,
        offered_at=row.offered_at, deadline=row.deadline, auto_answer=row.auto_answer,
        outcome=OfferOutcome(row.outcome) if row.outcome else None, decided_at=row.decided_at,
        kind=OfferKind(row.kind), from_agent_id=row.from_agent_id, waiting=row.waiting,
    )


class InteractionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading --------------------------------------------------------------------------

    def _with_names(self, s: Session, rows: list[InteractionRow]) -> list[Interaction]:
        names = contact_names(s, {r.contact_id for r in rows if r.contact_id})
        return [interaction_from_row(r, names.get(r.contact_id or 0)) for r in rows]

    def get(self, interaction_id: str) -> Interaction | None:
        with self.db.session() as s:
            row = s.get(InteractionRow, interaction_id)
            return self._with_names(s, [row])[0] if row else None

    def queued(self, limit: int = 200) -> list[Interaction]:
        with self.db.session() as s:
            rows = s.exec(
                select(InteractionRow)
                .where(InteractionRow.state == State.QUEUED.value)
                .order_by(col(InteractionRow.queued_at), col(InteractionRow.created_at))
                .limit(limit)
            ).all()
            return self._with_names(s, list(rows))

    def owned(self, agent_id: int) -> list[Interaction]:
        with self.db.session() as s:
            rows = s.exec(
                select(InteractionRow)
                .where(InteractionRow.owner_id == agent_id, col(InteractionRow.state).in_(OWNED))
                .order_by(col(InteractionRow.accepted_at))
            ).all()
            return self._with_names(s, list(rows))

    def messages(self, interaction_id: str, limit: int | None = None) -> list[Message]:
        with self.db.session() as s:
            # Plain column tuples, not ORM objects: about half the time for 2,000 lines.
            query = (
                select(MessageRow.id, MessageRow.interaction_id, MessageRow.party,
                       MessageRow.text, MessageRow.created_at, MessageRow.agent_id)
                .where(MessageRow.interaction_id == interaction_id)
                .order_by(col(MessageRow.created_at), col(MessageRow.id))
            )
            if limit:
                query = query.limit(limit)
            rows = list(s.exec(query).all())
            media: dict[int, list[MediaItem]] = {}
            if rows:
                for m in s.exec(
                    select(MediaRow)
                    .where(col(MediaRow.message_id).in_([r[0] for r in rows]))
                    .order_by(col(MediaRow.position))
                ).all():
                    media.setdefault(m.message_id, []).append(
                        MediaItem(m.id, m.content_type, m.filename, m.size)
                    )
            return [
                Message(
                    id=mid or 0, interaction_id=iid, party=Party(party), text=text,
                    created_at=at, agent_id=agent_id, media=tuple(media.get(mid or 0, ())),
                )
                for mid, iid, party, text, at, agent_id in rows
            ]

    def offer(self, offer_id: int) -> Offer | None:
        with self.db.session() as s:
            row = s.get(OfferRow, offer_id)
            return offer_from_row(row) if row else None

    def pending_offers(self, agent_id: int | None = None) -> list[Offer]:
        with self.db.session() as s:
            query = select(OfferRow).where(col(OfferRow.outcome).is_(None))
            if agent_id is not None:
                query = query.where(OfferRow.agent_id == agent_id)
            rows = s.exec(query.order_by(col(OfferRow.offered_at), col(OfferRow.id))).all()
            return [offer_from_row(r) for r in rows]

    def offers_for(self, interaction_id: str) -> list[Offer]:
        with self.db.session() as s:
            rows = s.exec(
                select(OfferRow)
                .where(OfferRow.interaction_id == interaction_id)
                .order_by(col(OfferRow.id))
            ).all()
            return [offer_from_row(r) for r in rows]

    # -- inbound --------------------------------------------------------------------------

    def find_inbound(self, provider_message_id: str) -> str | None:
        with self.db.session() as s:
            return s.exec(
                select(MessageRow.interaction_id).where(
                    MessageRow.provider_message_id == provider_message_id
                )
            ).first()

    def add_inbound(self, new: NewInbound) -> StoredInbound:
        try:
            # Prepared Core statements in one transaction: this is the ingest hot path.
            with self.db.engine.begin() as conn:
                return self._add_inbound(conn, new)
        except IntegrityError:
            # The same provider message id was stored concurrently: answer as a duplicate.
            existing = self.find_inbound(new.provider_message_id)
            if existing is None:
                raise
            return StoredInbound(existing, 0, duplicate=True, joined=False)

    def _add_inbound(self, conn: Connection, new: NewInbound) -> StoredInbound:
        found = None
        if new.mode is Mode.SESSION and new.channel is Channel.SMS and not new.training:
            found = conn.execute(_OPEN_SESSION, {
                "sender": new.sender, "centre": new.centre_number}).first()
        if found is None:
            interaction_id, owner_id = uuid.uuid4().hex, None
            conn.execute(_NEW_INTERACTION, {
                "id": interaction_id, "channel": new.channel.value, "direction": "inbound",
                "mode": new.mode.value, "state": State.QUEUED.value,
                "contact_number": new.sender, "centre_number": new.centre_number,
                "queue_id": new.queue_id, "contact_id": new.contact_id,
                "created_at": new.received_at, "queued_at": new.received_at,
                "last_activity_at": new.received_at, "case_data": dict(new.case_data),
                "training": new.training, "target_agent_id": new.target_agent_id,
                "owner_id": None, "current_offer_id": None,
                "accepted_at": None, "ended_at": None, "disposition": None,
            })
        else:
            interaction_id, owner_id = found
            conn.execute(_TOUCH, {"iid": interaction_id, "at": new.received_at})
        message_id = conn.execute(_NEW_MESSAGE, {
            "interaction_id": interaction_id, "party": Party.CONTACT.value, "text": new.text,
            "created_at": new.received_at, "provider_message_id": new.provider_message_id,
            "agent_id": None,
        }).scalar_one()
        if new.media:
            conn.execute(MediaRow.__table__.insert(), [
                dict(id=item.id, message_id=message_id, content_type=item.content_type,
                     filename=item.filename, size=item.size, position=position)
                for position, item in enumerate(new.media)
            ])
        return StoredInbound(interaction_id, message_id, duplicate=False,
                             joined=found is not None, owner_id=owner_id)

    # -- routing --------------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        with self.db.engine.connect() as conn:
            if conn.execute(_ANY_READY).first() is None:
                return []  # the cheap common answer while messages queue up
        with self.db.session() as s:
            ready = s.exec(
                select(AgentRow, PresenceRow.since)
                .join(PresenceRow, col(PresenceRow.agent_id) == col(AgentRow.id))
                .where(PresenceRow.status == Status.READY.value)
            ).all()
            if not ready:
                return []
            ids = [a.id for a, _ in ready]
            owned = dict(s.exec(
                select(InteractionRow.owner_id, func.count())
                .where(col(InteractionRow.owner_id).in_(ids), col(InteractionRow.state).in_(OWNED))
                .group_by(col(InteractionRow.owner_id))
            ).all())
            # a consultation takes no capacity; a transfer still waiting for room neither
            pending = dict(s.exec(
                select(OfferRow.agent_id, func.count())
                .where(col(OfferRow.agent_id).in_(ids), col(OfferRow.outcome).is_(None),
                       OfferRow.kind != OfferKind.CONSULT.value,
                       col(OfferRow.waiting).is_(False))
                .group_by(col(OfferRow.agent_id))
            ).all())
            last_taken = dict(s.exec(
                select(OfferRow.agent_id, func.max(OfferRow.decided_at))
                .where(col(OfferRow.agent_id).in_(ids),
                       OfferRow.outcome == OfferOutcome.ACCEPTED.value)
                .group_by(col(OfferRow.agent_id))
            ).all())
            last_ended = dict(s.exec(
                select(InteractionRow.owner_id, func.max(InteractionRow.ended_at))
                .where(col(InteractionRow.owner_id).in_(ids))
                .group_by(col(InteractionRow.owner_id))
            ).all())
            result: list[Candidate] = []
            for agent_row, since in ready:
                agent: Agent = agent_from_row(agent_row)
                load = owned.get(agent.id, 0) + pending.get(agent.id, 0)
                if load >= agent.options.sms_capacity:
                    continue
                idle = max(t for t in (since, last_taken.get(agent.id), last_ended.get(agent.id))
                           if t is not None)
                result.append(Candidate(agent, load, idle))
            return result

    def refusals_since(self, interaction_id: str, since: datetime) -> set[int]:
        with self.db.session() as s:
            rows = s.exec(
                select(OfferRow.agent_id).where(
                    OfferRow.interaction_id == interaction_id,
                    col(OfferRow.outcome).in_(
                        [OfferOutcome.REJECTED.value, OfferOutcome.TIMEOUT.value]
                    ),
                    col(OfferRow.decided_at) >= since,
                )
            ).all()
            return set(rows)

    def create_offer(
        self, interaction_id: str, agent_id: int, at: datetime, deadline: datetime, auto: bool
    ) -> Offer | None:
        with self.db.session() as s:
            claimed = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == interaction_id,
                       col(InteractionRow.state) == State.QUEUED.value)
                .values(state=State.OFFERED.value)
            )
            if claimed.rowcount != 1:
                s.rollback()
                return None
            row = OfferRow(interaction_id=interaction_id, agent_id=agent_id, offered_at=at,
                           deadline=deadline, auto_answer=auto)
            s.add(row)
            s.flush()
            s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == interaction_id)
                .values(current_offer_id=row.id)
            )
            s.commit()
            return offer_from_row(row)

    def finish(self, interaction_id: str, agent_id: int, at: datetime) -> Interaction | None:
        with self.db.session() as s:
            result = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == interaction_id,
                       col(InteractionRow.owner_id) == agent_id,
                       col(InteractionRow.state).in_(OWNED))
                .values(state=State.DONE.value, ended_at=at)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.get(interaction_id)

    def decide(self, offer_id: int, outcome: OfferOutcome, at: datetime) -> Offer | None:
        with self.db.session() as s:
            settled = s.exec(
                update(OfferRow)
                .where(col(OfferRow.id) == offer_id, col(OfferRow.outcome).is_(None))
                .values(outcome=outcome.value, decided_at=at)
            )
            if settled.rowcount != 1:
                s.rollback()
                return None
            row = s.get(OfferRow, offer_id)
            assert row is not None
            values: dict[str, Any]
            if outcome is OfferOutcome.ACCEPTED:
                values = dict(state=State.ACTIVE.value, owner_id=row.agent_id, accepted_at=at,
                              last_activity_at=at)
            else:
                values = dict(state=State.QUEUED.value, current_offer_id=None)
            moved = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == row.interaction_id,
                       col(InteractionRow.state) == State.OFFERED.value,
                       col(InteractionRow.current_offer_id) == offer_id)
                .values(**values)
            )
            if moved.rowcount != 1:
                s.rollback()
                return None
            s.commit()
            s.refresh(row)
            return offer_from_row(row)

    # -- handling -------------------------------------------------------------------------

    def add_message(
        self, interaction_id: str, party: Party, text: str, at: datetime,
        agent_id: int | None = None,
    ) -> Message:
        with self.db.session() as s:
            row = MessageRow(interaction_id=interaction_id, party=party.value, text=text,
                             created_at=at, agent_id=agent_id)
            s.add(row)
            s.commit()
            s.refresh(row)
            assert row.id is not None
            return Message(row.id, interaction_id, party, text, at, agent_id)

    def set_state(
        self, interaction_id: str, state: State, expect: Sequence[State]
    ) -> Interaction | None:
        with self.db.session() as s:
            result = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == interaction_id,
                       col(InteractionRow.state).in_([e.value for e in expect]))
                .values(state=state.value)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.get(interaction_id)

    def touch(self, interaction_id: str, at: datetime) -> None:
        with self.db.session() as s:
            s.exec(update(InteractionRow).where(col(InteractionRow.id) == interaction_id)
                   .values(last_activity_at=at))
            s.commit()

    def set_disposition(self, interaction_id: str, code: str | None) -> None:
        with self.db.session() as s:
            s.exec(update(InteractionRow).where(col(InteractionRow.id) == interaction_id)
                   .values(disposition=code))
            s.commit()

    def set_case_value(self, interaction_id: str, key: str, value: str) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(InteractionRow, interaction_id, with_for_update=True)
            if row is None:
                raise LookupError(interaction_id)
            data = dict(row.case_data or {})
            data[key] = value
            row.case_data = data  # a new dict, so the JSON column is written
            s.add(row)
            s.commit()
            return data

    def add_note(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> Note:
        with self.db.session() as s:
            row = NoteRow(interaction_id=interaction_id, agent_id=agent_id, text=text,
                          created_at=at)
            s.add(row)
            s.commit()
            s.refresh(row)
            assert row.id is not None
            return Note(row.id, interaction_id, agent_id, text, at)

    def notes(self, interaction_id: str) -> list[Note]:
        with self.db.session() as s:
            rows = s.exec(select(NoteRow).where(NoteRow.interaction_id == interaction_id)
                          .order_by(col(NoteRow.created_at), col(NoteRow.id))).all()
            return [Note(r.id or 0, r.interaction_id, r.agent_id, r.text, r.created_at)
                    for r in rows]

    def save_draft(self, interaction_id: str, agent_id: int, text: str, at: datetime) -> None:
        with self.db.session() as s:
            row = s.get(DraftRow, (interaction_id, agent_id))
            if row is None:
                if not text:
                    return
                row = DraftRow(interaction_id=interaction_id, agent_id=agent_id, text=text,
                               updated_at=at)
            row.text, row.updated_at = text, at
            s.add(row)
            s.commit()

    def draft(self, interaction_id: str, agent_id: int) -> str:
        with self.db.session() as s:
            row = s.get(DraftRow, (interaction_id, agent_id))
            return row.text if row else ""

    def contact_interactions(
        self, contact_number: str, contact_id: int | None, since: datetime, limit: int = 50
    ) -> list[Interaction]:
        with self.db.session() as s:
            numbers = [contact_number]
            if contact_id is not None:
                numbers += list(s.exec(select(ContactPhoneRow.number)
                                       .where(ContactPhoneRow.contact_id == contact_id)).all())
            who = col(InteractionRow.contact_number).in_(numbers)
            if contact_id is not None:
                who = who | (col(InteractionRow.contact_id) == contact_id)
            rows = s.exec(
                select(InteractionRow)
                .where(who, col(InteractionRow.training).is_(False),
                       col(InteractionRow.state).in_(OPEN)
                       | (col(InteractionRow.created_at) >= since))
                .order_by(col(InteractionRow.created_at).desc())
                .limit(limit)
            ).all()
            return self._with_names(s, list(rows))

    def add_media(self, message_id: int, media: Sequence[MediaItem]) -> None:
        """Attach stored images to a message, after those it has (linked media that
        arrived after the message)."""
        with self.db.engine.begin() as conn:
            start = conn.execute(
                sa_select(func.count()).select_from(MediaRow.__table__)
                .where(MediaRow.__table__.c.message_id == message_id)).scalar_one()
            conn.execute(MediaRow.__table__.insert(), [
                dict(id=item.id, message_id=message_id, content_type=item.content_type,
                     filename=item.filename, size=item.size, position=start + position)
                for position, item in enumerate(media)
            ])

    def media_item(self, media_id: str) -> tuple[str, MediaItem] | None:
        """(interaction id, media item) for a stored image, or None."""
        with self.db.session() as s:
            found = s.exec(
                select(MediaRow, MessageRow.interaction_id)
                .join(MessageRow, col(MessageRow.id) == col(MediaRow.message_id))
                .where(MediaRow.id == media_id)
            ).first()
            if found is None:
                return None
            row, interaction_id = found
            return interaction_id, MediaItem(row.id, row.content_type, row.filename, row.size)
