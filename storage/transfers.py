"""Transfers, consultations and recent Team Communicator targets.

Ownership moves by conditional updates in one transaction (the sender must still own the
open interaction), so a transfer and a Done or a second transfer never both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from domain.interactions import OWNED_STATES, Interaction, Offer, OfferKind, OfferOutcome, State
from domain.transfers import Consultation
from storage.db import Database
from storage.interactions import InteractionRepo, offer_from_row
from storage.tables import (
    AgentRow,
    ConsultationRow,
    InteractionRow,
    OfferRow,
    RecentTargetRow,
)

OWNED = [s.value for s in OWNED_STATES]
INVITATIONS = [OfferKind.TRANSFER.value, OfferKind.CONSULT.value]


def consultation_from_row(row: ConsultationRow) -> Consultation:
    assert row.id is not None
    return Consultation(
        id=row.id, interaction_id=row.interaction_id, owner_id=row.owner_id,
        consultant_id=row.consultant_id, offer_id=row.offer_id, created_at=row.created_at,
        started_at=row.started_at, ended_at=row.ended_at, ended_by=row.ended_by,
    )


class TransferRepo(InteractionRepo):
    """Adds transfer and consultation storage to the interaction repository."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)

    def invitations_for(self, interaction_id: str) -> list[Offer]:
        with self.db.session() as s:
            rows = s.exec(
                select(OfferRow).where(
                    OfferRow.interaction_id == interaction_id,
                    col(OfferRow.kind).in_(INVITATIONS),
                    col(OfferRow.outcome).is_(None),
                ).order_by(col(OfferRow.id))
            ).all()
            return [offer_from_row(r) for r in rows]

    def load(self, agent_id: int) -> int:
        with self.db.session() as s:
            return self._load(s, agent_id)

    def _load(self, s: Session, agent_id: int) -> int:
        owned = s.exec(
            select(func.count()).select_from(InteractionRow).where(
                InteractionRow.owner_id == agent_id, col(InteractionRow.state).in_(OWNED))
        ).one()
        offered = s.exec(
            select(func.count()).select_from(OfferRow).where(
                OfferRow.agent_id == agent_id, col(OfferRow.outcome).is_(None),
                OfferRow.kind != OfferKind.CONSULT.value, col(OfferRow.waiting).is_(False))
        ).one()
        return int(owned) + int(offered)

    def create_invitation(
        self, interaction_id: str, to_agent_id: int, from_agent_id: int, kind: OfferKind,
        at: datetime, deadline: datetime, waiting: bool,
    ) -> Offer | None:
        with self.db.session() as s:
            # Lock the interaction row (PostgreSQL) so two senders cannot both invite.
            s.get(InteractionRow, interaction_id, with_for_update=True)
            open_one = s.exec(
                select(OfferRow.id).where(
                    OfferRow.interaction_id == interaction_id, OfferRow.kind == kind.value,
                    col(OfferRow.outcome).is_(None))
            ).first()
            if open_one is not None:
                return None
            row = OfferRow(interaction_id=interaction_id, agent_id=to_agent_id, offered_at=at,
                           deadline=deadline, auto_answer=False, kind=kind.value,
                           from_agent_id=from_agent_id, waiting=waiting)
            s.add(row)
            s.commit()
            s.refresh(row)
            return offer_from_row(row)

    def show_waiting(self, offer_id: int, at: datetime, deadline: datetime) -> Offer | None:
        with self.db.session() as s:
            result = s.exec(
                update(OfferRow)
                .where(col(OfferRow.id) == offer_id, col(OfferRow.waiting).is_(True),
                       col(OfferRow.outcome).is_(None))
                .values(waiting=False, offered_at=at, deadline=deadline)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.offer(offer_id)

    def settle(self, offer_id: int, outcome: OfferOutcome, at: datetime) -> Offer | None:
        with self.db.session() as s:
            result = s.exec(
                update(OfferRow)
                .where(col(OfferRow.id) == offer_id, col(OfferRow.outcome).is_(None))
                .values(outcome=outcome.value, decided_at=at, waiting=False)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.offer(offer_id)

    def complete_transfer(self, offer_id: int, at: datetime) -> Interaction | None:
        with self.db.session() as s:
            row = s.get(OfferRow, offer_id)
            if row is None or row.from_agent_id is None:
                return None
            settled = s.exec(
                update(OfferRow)
                .where(col(OfferRow.id) == offer_id, col(OfferRow.outcome).is_(None))
                .values(outcome=OfferOutcome.ACCEPTED.value, decided_at=at, waiting=False)
            )
            moved = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == row.interaction_id,
                       col(InteractionRow.owner_id) == row.from_agent_id,
                       col(InteractionRow.state) == State.ACTIVE.value)
                .values(owner_id=row.agent_id, accepted_at=at, last_activity_at=at)
            )
            if settled.rowcount != 1 or moved.rowcount != 1:
                s.rollback()
                return None
            s.commit()
            interaction_id = row.interaction_id
        return self.get(interaction_id)

    def requeue(
        self, interaction_id: str, from_agent_id: int, queue_id: int, at: datetime
    ) -> Interaction | None:
        with self.db.session() as s:
            moved = s.exec(
                update(InteractionRow)
                .where(col(InteractionRow.id) == interaction_id,
                       col(InteractionRow.owner_id) == from_agent_id,
                       col(InteractionRow.state) == State.ACTIVE.value)
                .values(state=State.QUEUED.value, owner_id=None, queue_id=queue_id,
                        queued_at=at, accepted_at=None, current_offer_id=None,
                        previous_owner_id=from_agent_id, target_agent_id=None)
            )
            if moved.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.get(interaction_id)

    # -- consultations --------------------------------------------------------------------

    def add_consultation(
        self, interaction_id: str, owner_id: int, consultant_id: int, offer_id: int,
        at: datetime,
    ) -> Consultation:
        with self.db.session() as s:
            row = ConsultationRow(interaction_id=interaction_id, owner_id=owner_id,
                                  consultant_id=consultant_id, offer_id=offer_id, created_at=at)
            s.add(row)
            s.commit()
            s.refresh(row)
            return consultation_from_row(row)

    def consultation(self, consultation_id: int) -> Consultation | None:
        with self.db.session() as s:
            row = s.get(ConsultationRow, consultation_id)
            return consultation_from_row(row) if row else None

    def consultation_for_offer(self, offer_id: int) -> Consultation | None:
        with self.db.session() as s:
            row = s.exec(select(ConsultationRow).where(ConsultationRow.offer_id == offer_id)
                         ).first()
            return consultation_from_row(row) if row else None

    def open_consultations(
        self, interaction_id: str | None = None, agent_id: int | None = None
    ) -> list[Consultation]:
        with self.db.session() as s:
            query = select(ConsultationRow).where(col(ConsultationRow.ended_at).is_(None))
            if interaction_id is not None:
                query = query.where(ConsultationRow.interaction_id == interaction_id)
            if agent_id is not None:
                query = query.where((col(ConsultationRow.owner_id) == agent_id)
                                    | (col(ConsultationRow.consultant_id) == agent_id))
            rows = s.exec(query.order_by(col(ConsultationRow.id))).all()
            return [consultation_from_row(r) for r in rows]

    def start_consultation(self, consultation_id: int, at: datetime) -> Consultation | None:
        with self.db.session() as s:
            result = s.exec(
                update(ConsultationRow)
                .where(col(ConsultationRow.id) == consultation_id,
                       col(ConsultationRow.started_at).is_(None),
                       col(ConsultationRow.ended_at).is_(None))
                .values(started_at=at)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.consultation(consultation_id)

    def end_consultation(
        self, consultation_id: int, by: int | None, at: datetime
    ) -> Consultation | None:
        with self.db.session() as s:
            result = s.exec(
                update(ConsultationRow)
                .where(col(ConsultationRow.id) == consultation_id,
                       col(ConsultationRow.ended_at).is_(None))
                .values(ended_at=at, ended_by=by)
            )
            if result.rowcount != 1:
                s.rollback()
                return None
            s.commit()
        return self.consultation(consultation_id)

    # -- Team Communicator ----------------------------------------------------------------

    def touch_recent(self, agent_id: int, kind: str, target_id: str, at: datetime) -> None:
        with self.db.session() as s:
            row = s.get(RecentTargetRow, (agent_id, kind, target_id))
            if row is None:
                row = RecentTargetRow(agent_id=agent_id, kind=kind, target_id=target_id,
                                      used_at=at)
            row.used_at = at
            s.add(row)
            s.commit()

    def recent_targets(self, agent_id: int, limit: int = 10) -> list[tuple[str, str]]:
        with self.db.session() as s:
            rows = s.exec(
                select(RecentTargetRow.kind, RecentTargetRow.target_id)
                .where(RecentTargetRow.agent_id == agent_id)
                .order_by(col(RecentTargetRow.used_at).desc())
                .limit(limit)
            ).all()
            return [(kind, target) for kind, target in rows]

    def loads(self) -> dict[int, int]:
        with self.db.session() as s:
            rows = s.exec(
                select(InteractionRow.owner_id, func.count())
                .where(col(InteractionRow.owner_id).is_not(None),
                       col(InteractionRow.state).in_(OWNED))
                .group_by(col(InteractionRow.owner_id))
            ).all()
            return {owner: int(count) for owner, count in rows if owner is not None}

    def accepted_waits(self, since: datetime) -> list[tuple[int | None, float]]:
        with self.db.session() as s:
            rows = s.exec(
                select(InteractionRow.queue_id, InteractionRow.queued_at, OfferRow.decided_at)
                .join(InteractionRow, col(InteractionRow.id) == col(OfferRow.interaction_id))
                .where(OfferRow.kind == OfferKind.ROUTE.value,
                       OfferRow.outcome == OfferOutcome.ACCEPTED.value,
                       col(OfferRow.decided_at) >= since)
            ).all()
            waits: list[tuple[int | None, float]] = []
            for queue_id, queued_at, decided_at in rows:
                if queued_at is not None and decided_at is not None:
                    waits.append((queue_id, max(0.0, (decided_at - queued_at).total_seconds())))
            return waits

    def agent_phones(self) -> dict[int, str]:
        with self.db.session() as s:
            rows = s.exec(select(AgentRow.id, AgentRow.phone)
                          .where(col(AgentRow.phone).is_not(None))).all()
            return {agent_id: phone for agent_id, phone in rows if agent_id and phone}
