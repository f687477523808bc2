"""Supervisor flags (table ``flag``, migration 0005).

"One raised flag per interaction" holds under races on SQLite and PostgreSQL alike: the
interaction's row is locked first (PostgreSQL; SQLite ignores it and runs one writer at a
time), then the flag goes in with one conditional INSERT.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, insert, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from domain.flags import Flag
from domain.interactions import Interaction
from storage.db import Database
from storage.interactions import interaction_from_row
from storage.tables import ContactRow, FlagRow, InteractionRow

_F = FlagRow.__table__


def flag_from_row(row: FlagRow) -> Flag:
    assert row.id is not None
    return Flag(id=row.id, interaction_id=row.interaction_id, agent_id=row.agent_id,
                message=row.message, raised_at=row.raised_at, lowered_at=row.lowered_at,
                lowered_by=row.lowered_by)


class FlagRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, interaction_id: str, agent_id: int, message: str,
            at: datetime) -> Flag | None:
        with self.db.session() as s:
            s.get(InteractionRow, interaction_id, with_for_update=True)
            already = exists().where(_F.c.interaction_id == interaction_id,
                                     _F.c.lowered_at.is_(None))
            statement = insert(_F).from_select(
                ["interaction_id", "agent_id", "message", "raised_at"],
                sa_select(literal(interaction_id), literal(agent_id), literal(message),
                       literal(at, type_=_F.c.raised_at.type)).where(~already),
            ).returning(_F.c.id)
            flag_id = s.exec(statement).scalar_one_or_none()
            if flag_id is None:
                s.rollback()
                return None
            s.commit()
            row = s.get(FlagRow, flag_id)
            assert row is not None
            return flag_from_row(row)

    def lower(self, flag_id: int, by: int, at: datetime) -> Flag | None:
        with self.db.session() as s:
            result = s.exec(
                update(FlagRow)
                .where(col(FlagRow.id) == flag_id, col(FlagRow.lowered_at).is_(None))
                .values(lowered_at=at, lowered_by=by)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
            row = s.get(FlagRow, flag_id)
            assert row is not None
            s.refresh(row)
            return flag_from_row(row)

    def current(self, interaction_id: str) -> Flag | None:
        with self.db.session() as s:
            row = s.exec(
                select(FlagRow)
                .where(col(FlagRow.interaction_id) == interaction_id,
                       col(FlagRow.lowered_at).is_(None))
                .order_by(col(FlagRow.id).desc()).limit(1)
            ).first()
            return flag_from_row(row) if row else None

    def raised(self) -> list[tuple[Flag, Interaction]]:
        with self.db.session() as s:
            rows = s.exec(
                select(FlagRow, InteractionRow, ContactRow.name)
                .join(InteractionRow, col(InteractionRow.id) == col(FlagRow.interaction_id))
                .outerjoin(ContactRow, col(ContactRow.id) == col(InteractionRow.contact_id))
                .where(col(FlagRow.lowered_at).is_(None))
                .order_by(col(FlagRow.raised_at), col(FlagRow.id))
            ).all()
            return [(flag_from_row(f), interaction_from_row(i, name)) for f, i, name in rows]

    def history(self, interaction_id: str) -> list[Flag]:
        with self.db.session() as s:
            rows = s.exec(
                select(FlagRow).where(col(FlagRow.interaction_id) == interaction_id)
                .order_by(col(FlagRow.id))
            ).all()
            return [flag_from_row(r) for r in rows]
