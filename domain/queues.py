"""Queues, routing points and the centre numbers contacts text to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    QUEUE = "queue"
    ROUTING_POINT = "routing_point"
    FLOW = "flow"


class Mode(StrEnum):
    PAGE = "page"
    SESSION = "session"


@dataclass(frozen=True)
class Queue:
    """A queue, routing point or flow: somewhere an interaction can wait or be sent."""

    id: int
    name: str
    kind: TargetKind = TargetKind.QUEUE


@dataclass(frozen=True)
class CentreNumber:
    """A number the organisation receives SMS on; it decides mode and queue."""

    number: str
    mode: Mode
    queue_id: int
    label: str = ""
