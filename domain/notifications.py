"""My Messages: notifications addressed to one agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notification:
    id: int
    agent_id: int
    created_at: datetime
    text: str
    level: Level = Level.INFO
    read: bool = False
