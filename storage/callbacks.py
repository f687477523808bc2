"""Scheduled callbacks, and the interaction each one becomes when it falls due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, or_, select

from domain.callbacks import Callback, CallbackState
from domain.interactions import Interaction, Offer, OfferOutcome, Party, State
from storage.db import Database
from storage.interactions import contact_names, offer_from_row
from storage.tables import (
    CallbackRow,
    DraftRow,
    InteractionRow,
    MediaRow,
    MessageRow,
    NoteRow,
    OfferRow,
)

OPEN = [s.value for s in (CallbackState.SCHEDULED, CallbackState.DUE, CallbackState.ACTIVE)]
WITHDRAWABLE = [State.QUEUED.value, State.OFFERED.value]


def callback_from_row(row: CallbackRow, contact_name: str | None = None) -> Callback:
    return Callback(
        id=row.id, contact_number=row.contact_number, due_at=row.due_at, notes=row.notes,
        state=CallbackState(row.state), created_by=row.created_by, created_at=row.created_at,
        updated_at=row.updated_at, assigned_agent_id=row.assigned_agent_id,
        queue_id=row.queue_id, contact_id=row.contact_id, contact_name=contact_name,
        centre_number=row.centre_number, source_interaction_id=row.source_interaction_id,
    )


class CallbackRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _named(self, s: Any, rows: list[CallbackRow]) -> list[Callback]:
        names = contact_names(s, {r.contact_id for r in rows if r.contact_id})
        return [callback_from_row(r, names.get(r.contact_id or 0)) for r in rows]

    def add(self, callback: Callback) -> Callback:
        with self.db.session() as s:
            row = CallbackRow(
                id=callback.id, contact_number=callback.contact_number,
                contact_id=callback.contact_id, centre_number=callback.centre_number,
                source_interaction_id=callback.source_interaction_id, due_at=callback.due_at,
                notes=callback.notes, assigned_agent_id=callback.assigned_agent_id,
                queue_id=callback.queue_id, state=callback.state.value,
                created_by=callback.created_by, created_at=callback.created_at,
                updated_at=callback.updated_at,
            )
            s.add(row)
            s.commit()
            return self._named(s, [row])[0]

    def get(self, callback_id: str) -> Callback | None:
        with self.db.session() as s:
            row = s.get(CallbackRow, callback_id)
            return self._named(s, [row])[0] if row else None

    def update(self, callback_id: str, expect: tuple[CallbackState, ...], **changes: object
               ) -> Callback | None:
        values = {k: (v.value if isinstance(v, CallbackState) else v) for k, v in changes.items()}
        with self.db.session() as s:
            result = s.exec(
                update(CallbackRow)
                .where(col(CallbackRow.id) == callback_id,
                       col(CallbackRow.state).in_([e.value for e in expect]))
                .values(**values)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.get(callback_id)

    def visible_to(self, agent_id: int, since: datetime) -> list[Callback]:
        with self.db.session() as s:
            rows = s.exec(
                select(CallbackRow)
                .where(
                    or_(col(CallbackRow.assigned_agent_id) == agent_id,
                        col(CallbackRow.created_by) == agent_id,
                        col(CallbackRow.assigned_agent_id).is_(None)),
                    or_(col(CallbackRow.state).in_(OPEN), col(CallbackRow.updated_at) >= since),
                )
                .order_by(col(CallbackRow.due_at), col(CallbackRow.id))
                .limit(500)
            ).all()
            return self._named(s, list(rows))

    def create_interaction(self, interaction: Interaction, first_line: str) -> bool:
        with self.db.session() as s:
            if s.get(InteractionRow, interaction.id) is not None:
                return False
            s.add(InteractionRow(
                id=interaction.id, channel=interaction.channel.value,
                direction=interaction.direction.value, mode=interaction.mode.value,
                state=interaction.state.value, contact_number=interaction.contact_number,
                centre_number=interaction.centre_number, queue_id=interaction.queue_id,
                contact_id=interaction.contact_id, created_at=interaction.created_at,
                queued_at=interaction.queued_at, case_data=dict(interaction.case_data),
                target_agent_id=interaction.target_agent_id,
            ))
            s.flush()  # the message refers to it (PostgreSQL checks at once)
            s.add(MessageRow(interaction_id=interaction.id, party=Party.SYSTEM.value,
                             text=first_line, created_at=interaction.created_at))
            s.commit()
            return True

    def withdraw_interaction(self, interaction_id: str, at: datetime) -> list[Offer] | None:
        with self.db.session() as s:
            row = s.get(InteractionRow, interaction_id, with_for_update=True)
            if row is None:
                return []
            if row.state not in WITHDRAWABLE:
                s.rollback()
                return None
            pending = s.exec(select(OfferRow).where(
                OfferRow.interaction_id == interaction_id, col(OfferRow.outcome).is_(None))
            ).all()
            settled = [offer_from_row(o) for o in pending]
            messages = select(MessageRow.id).where(MessageRow.interaction_id == interaction_id)
            s.exec(delete(MediaRow).where(col(MediaRow.message_id).in_(messages)))
            for table in (MessageRow, OfferRow, NoteRow, DraftRow):
                s.exec(delete(table).where(col(table.interaction_id) == interaction_id))
            gone = s.exec(delete(InteractionRow).where(
                col(InteractionRow.id) == interaction_id,
                col(InteractionRow.state).in_(WITHDRAWABLE)))
            if gone.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return [replace(o, outcome=OfferOutcome.WITHDRAWN, decided_at=at) for o in settled]
