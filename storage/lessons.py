"""Lesson runs, assignments and the lessons' simulated colleagues (bot agents)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from domain.clock import OffsetClock
from domain.interactions import OPEN_STATES, State
from domain.lessons import Assignment, LessonEngine, Ports, Run, RunStatus, load_catalog
from domain.system import Services
from storage.db import Database
from storage.tables import (
    AgentRow,
    InteractionRow,
    LessonAssignmentRow,
    LessonRunRow,
    OfferRow,
)

OPEN = [s.value for s in OPEN_STATES]


def run_from_row(row: LessonRunRow) -> Run:
    assert row.id is not None
    return Run(
        id=row.id, agent_id=row.agent_id, lesson_id=row.lesson_id,
        started_at=row.started_at, status=RunStatus(row.status), step=row.step,
        finished_at=row.finished_at, retries=row.retries, bot_agent_id=row.bot_agent_id,
        contact_number=row.contact_number,
        interactions=tuple(i for i in row.interactions or () if not i.startswith("cb:")),
        callbacks=tuple(i[3:] for i in row.interactions or () if i.startswith("cb:")),
        answers_given=row.answers_given, last_hint=row.last_hint,
    )


class LessonRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_run(self, run: Run) -> Run:
        with self.db.session() as s:
            row = LessonRunRow(agent_id=run.agent_id, lesson_id=run.lesson_id,
                               status=run.status.value, step=run.step,
                               started_at=run.started_at, interactions=[])
            s.add(row)
            s.commit()
            s.refresh(row)
            return run_from_row(row)

    def save_run(self, run: Run) -> None:
        with self.db.session() as s:
            row = s.get(LessonRunRow, run.id)
            if row is None:
                return
            row.status = run.status.value
            row.step = run.step
            row.finished_at = run.finished_at
            row.retries = run.retries
            row.bot_agent_id = run.bot_agent_id
            row.contact_number = run.contact_number
            row.interactions = [*run.interactions, *(f"cb:{c}" for c in run.callbacks)]
            row.answers_given = run.answers_given
            row.last_hint = run.last_hint[:500]
            s.add(row)
            s.commit()

    def running_runs(self) -> list[Run]:
        with self.db.session() as s:
            rows = s.exec(select(LessonRunRow).where(
                LessonRunRow.status == RunStatus.RUNNING.value)).all()
            return [run_from_row(r) for r in rows]

    def runs(self, limit: int = 1000) -> list[Run]:
        with self.db.session() as s:
            rows = s.exec(select(LessonRunRow)
                          .order_by(col(LessonRunRow.started_at).desc(),
                                    col(LessonRunRow.id).desc())
                          .limit(limit)).all()
            return [run_from_row(r) for r in rows]

    # -- the simulated colleague -----------------------------------------------------------

    def create_bot(self, display_name: str, password_hash: str) -> int:
        with self.db.session() as s:
            row = AgentRow(username=f"bot-{uuid.uuid4().hex[:12]}",
                           display_name=display_name[:120], role="agent",
                           password_hash=password_hash, bot=True, sms_capacity=5)
            s.add(row)
            s.commit()
            s.refresh(row)
            assert row.id is not None
            return row.id

    def bot_ids(self) -> set[int]:
        with self.db.session() as s:
            return {i for i in s.exec(select(AgentRow.id).where(col(AgentRow.bot).is_(True)))
                    if i is not None}

    # -- lesson traffic ---------------------------------------------------------------------

    def mark_training(self, interaction_id: str) -> None:
        with self.db.session() as s:
            row = s.get(InteractionRow, interaction_id)
            if row is not None and not row.training:
                row.training = True
                s.add(row)
                s.commit()

    def close_training(self, interaction_ids: Iterable[str], at: datetime
                       ) -> list[tuple[str, int | None]]:
        ids = list(interaction_ids)
        if not ids:
            return []
        closed: list[tuple[str, int | None]] = []
        with self.db.session() as s:
            rows = s.exec(select(InteractionRow).where(
                col(InteractionRow.id).in_(ids), col(InteractionRow.training).is_(True),
                col(InteractionRow.state).in_(OPEN))).all()
            for row in rows:
                row.state = State.DONE.value
                row.ended_at = at
                row.current_offer_id = None
                s.add(row)
                closed.append((row.id, row.owner_id))
            if closed:
                for offer in s.exec(select(OfferRow).where(
                        col(OfferRow.interaction_id).in_([c[0] for c in closed]),
                        col(OfferRow.outcome).is_(None))).all():
                    offer.outcome = "withdrawn"
                    offer.decided_at = at
                    s.add(offer)
            s.commit()
        return closed

    # -- assignments ------------------------------------------------------------------------

    def assign(self, agent_id: int, lesson_id: str, by: int, at: datetime) -> None:
        with self.db.session() as s:
            row = s.get(LessonAssignmentRow, (agent_id, lesson_id))
            if row is None:
                s.add(LessonAssignmentRow(agent_id=agent_id, lesson_id=lesson_id,
                                          assigned_by=by, assigned_at=at))
                s.commit()

    def unassign(self, agent_id: int, lesson_id: str) -> None:
        with self.db.session() as s:
            row = s.get(LessonAssignmentRow, (agent_id, lesson_id))
            if row is not None:
                s.delete(row)
                s.commit()

    def assignments(self) -> list[Assignment]:
        with self.db.session() as s:
            rows = s.exec(select(LessonAssignmentRow)
                          .order_by(col(LessonAssignmentRow.assigned_at))).all()
            return [Assignment(r.agent_id, r.lesson_id, r.assigned_by, r.assigned_at)
                    for r in rows]


def build_lessons(services: Services, db: Database, folder: Path,
                  submit: Callable[[Callable[[], None]], object] | None = None) -> LessonEngine:
    """The lesson engine on the real services, with its hooks into routing, the Team
    Communicator and Spelling Check. Events are handled on one worker thread."""
    if submit is None:
        submit = ThreadPoolExecutor(1, thread_name_prefix="lessons").submit
    ports = Ports(
        inbound=services.inbound, routing=services.routing, transfers=services.transfers,
        handling=services.handling, presence=services.presence, agents=services.agents,
        callbacks=services.callbacks, hash_password=services.auth.hash_password,
        advance_clock=services.advance_clock if isinstance(services.clock, OffsetClock)
        else None,
    )
    engine = LessonEngine(load_catalog(folder), LessonRepo(db), services.bus, services.clock,
                          services.scheduler, ports, submit)
    services.routing.add_offer_rule(engine.allows_offer)
    services.team.agent_rules.append(engine.visible_to)
    services.transfers.target_rules.append(engine.transfer_target)
    services.spell_check.bus = services.bus
    return engine
