"""The simulated SMS gateway: delivers parts to its outbox table instead of a network."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from domain.gateway import DeliveredPart
from storage.db import Database
from storage.tables import OutboxRow


class SimulatedGateway:
    name = "simulator"

    def __init__(self, db: Database) -> None:
        self.db = db

    def healthy(self) -> str | None:
        return None  # the simulated carrier lives in Parley's own database

    def send(
        self, to: str, sender: str, parts: list[str], encoding: str, at: datetime
    ) -> list[DeliveredPart]:
        rows = [
            OutboxRow(to=to, sender=sender, text=text, part=i, parts=len(parts),
                      encoding=encoding, sent_at=at)
            for i, text in enumerate(parts, start=1)
        ]
        with self.db.session() as s:
            s.add_all(rows)
            s.commit()
        return [_part(r) for r in rows]

    def delivered(self, to: str | None = None, limit: int = 500) -> list[DeliveredPart]:
        with self.db.session() as s:
            query = select(OutboxRow)
            if to:
                query = query.where(OutboxRow.to == to)
            # the newest ``limit`` parts, returned oldest first
            rows = s.exec(query.order_by(col(OutboxRow.id).desc()).limit(limit)).all()
            return [_part(r) for r in reversed(rows)]


def _part(row: OutboxRow) -> DeliveredPart:
    return DeliveredPart(row.to, row.sender, row.text, row.part, row.parts, row.encoding,
                         row.sent_at)
