"""Agents: who logs in, in which role, and the per-agent options the seeds describe."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    ADMIN = "admin"


class AutoAnswer(StrEnum):
    MANUAL = "manual"
    AUTO = "auto"  # no preview: the interaction opens at once
    AUTO_PREVIEW = "auto_preview"  # preview with a countdown, then it opens


ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 60, 200, 10


@dataclass(frozen=True)
class AgentOptions:
    """Options an administrator sets per agent ("your account might be configured to...")."""

    auto_answer: AutoAnswer = AutoAnswer.MANUAL
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
    spell_language: str = "en"
    spell_check: bool = True
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str
    role: Role
    options: AgentOptions = AgentOptions()

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def is_trainer(self) -> bool:
        return self.role in (Role.TRAINER, Role.ADMIN)

    def with_options(self, **changes: object) -> Agent:
        return replace(self, options=replace(self.options, **changes))


def clamp_zoom(value: int) -> int:
    """Keep zoom within the range the layout stays usable in, on whole steps."""
    stepped = round(value / ZOOM_STEP) * ZOOM_STEP
    return max(ZOOM_MIN, min(ZOOM_MAX, stepped))
