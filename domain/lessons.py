"""Guided lessons: scripted, self-checking exercises in the real desktop (issue 8).

A lesson is a TOML file in ``assets/lessons/``: a title, a purpose, prerequisites and
steps. Each step says what to do (in our own words), which controls to highlight
(``data-testid`` values) and which domain event completes it (an event class name with
optional field conditions). Scenario actions run when a step starts or some seconds
later: the simulated contact sends an SMS or an MMS, a simulated colleague (a bot agent
that exists only for the lesson) takes over or hands over an interaction, the clock moves.

The engine plays a lesson for one trainee against the real services:
- lesson traffic is marked ``training`` and routed only to its target (the trainee, or the
  lesson's bot); while a trainee is in a lesson, real traffic is not offered to them;
- bots are real agent rows marked as bots, Ready while their lesson runs, logged out
  after it, and visible in the Team Communicator only to their own trainee;
- a step is *retried* when the trainee does what the step lists under ``retry_on`` (e.g.
  Reject instead of Accept). The run records how many times that happened.

Events are handled on one worker (``submit``) so the bus handler stays instant.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import threading
import tomllib
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Protocol

from domain import events as domain_events
from domain.agents import Agent
from domain.clock import Clock
from domain.events import (
    Event,
    EventBus,
    InternalMessagePosted,
    OfferMade,
)
from domain.inbound import InboundMedia, InboundRequest
from domain.interactions import Interaction, OfferKind
from domain.presence import Status
from domain.scheduler import Deadline, Scheduler

log = logging.getLogger(__name__)

ACTION_DEADLINE = "lesson-action"
BOT_DEADLINE = "lesson-bot"
CENTRES = {"session": "+12125550100", "page": "+12125550101"}
ACTIONS = {
    "contact_sms": {"text"},
    "contact_mms": {"image"},
    "colleague_transfer": set(),
    "advance_clock": {"seconds"},
}
ANSWERS = ("accept", "reject")
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif"}


# -- the lesson files ---------------------------------------------------------------------


class LessonFileError(ValueError):
    """A lesson file that cannot be used; the message names the file and the step."""


@dataclass(frozen=True)
class Condition:
    event: str
    where: tuple[tuple[str, Any], ...] = ()
    hint: str = ""
    rerun_actions: bool = False  # a retry starts the step's scenario again


@dataclass(frozen=True)
class Action:
    do: str
    after_seconds: float = 0
    params: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)


@dataclass(frozen=True)
class Step:
    instruction: str
    highlight: tuple[str, ...]
    done_when: Condition
    hint: str = ""
    retry_on: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    any_interaction: bool = False  # the completing event may be about a new interaction
    new_interaction: bool = False  # ... and must be (e.g. a new outbound SMS)
    skip_if_ready: bool = False  # "Go Ready" is already done when the trainee is Ready


@dataclass(frozen=True)
class Colleague:
    name: str
    answers: tuple[str, ...] = ("accept",)  # to transfers and consultations, in turn
    answer_after_seconds: float = 3
    consult_reply: str = ""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    purpose: str
    prerequisites: tuple[str, ...]
    steps: tuple[Step, ...]
    order: int = 100
    seed: str = ""
    colleague: Colleague | None = None
    folder: Path | None = None


def event_types() -> dict[str, type[Event]]:
    """Every event a step may wait for, by class name."""
    found: dict[str, type[Event]] = {}
    for module in (domain_events,):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Event) and value is not Event:
                found[name] = value
    found["LessonChanged"] = LessonChanged
    return found


def _text(data: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonFileError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def _condition(data: Any, where: str, kinds: dict[str, type[Event]]) -> Condition:
    if not isinstance(data, Mapping):
        raise LessonFileError(f"{where}: must be a table with 'event' and optional 'where'")
    name = data.get("event")
    if name not in kinds:
        raise LessonFileError(f"{where}: unknown event {name!r} (one of the classes in "
                              "domain/events.py, e.g. OfferEnded, MessageSent)")
    conditions = data.get("where", {})
    if not isinstance(conditions, Mapping):
        raise LessonFileError(f"{where}: 'where' must be a table of field = value")
    fields = {f.name for f in dataclasses.fields(kinds[name])}
    for key in conditions:
        if key not in fields:
            raise LessonFileError(f"{where}: {name} has no field {key!r} "
                                  f"(it has {', '.join(sorted(fields))})")
    hint = data.get("hint", "")
    if not isinstance(hint, str):
        raise LessonFileError(f"{where}: 'hint' must be text")
    return Condition(name, tuple(sorted(conditions.items())), hint,
                     bool(data.get("rerun_actions", False)))


def _action(data: Any, where: str, folder: Path | None) -> Action:
    if not isinstance(data, Mapping):
        raise LessonFileError(f"{where}: must be a table with 'do'")
    kind = data.get("do")
    if kind not in ACTIONS:
        raise LessonFileError(f"{where}: unknown action {kind!r} "
                              f"(one of {', '.join(sorted(ACTIONS))})")
    missing = ACTIONS[kind] - set(data)
    if missing:
        raise LessonFileError(f"{where}: {kind} needs {', '.join(sorted(missing))}")
    after = data.get("after_seconds", 0)
    if not isinstance(after, int | float) or isinstance(after, bool) or after < 0:
        raise LessonFileError(f"{where}: 'after_seconds' must be a number of seconds >= 0")
    centre = data.get("centre", "page")
    if kind in ("contact_sms", "contact_mms") and centre not in CENTRES:
        raise LessonFileError(f"{where}: 'centre' must be 'page' or 'session'")
    if data.get("to", "trainee") not in ("trainee", "colleague"):
        raise LessonFileError(f"{where}: 'to' must be 'trainee' or 'colleague'")
    if kind == "contact_mms":
        image = data["image"]
        if not isinstance(image, str) or Path(image).suffix.lower() not in IMAGE_TYPES:
            raise LessonFileError(f"{where}: 'image' must name a .png, .jpg or .gif file")
        if folder is not None and not (folder / image).is_file():
            raise LessonFileError(f"{where}: image {image!r} is not in {folder}")
    if kind == "advance_clock" and not isinstance(data["seconds"], int | float):
        raise LessonFileError(f"{where}: 'seconds' must be a number")
    params = tuple(sorted((k, v) for k, v in data.items() if k not in ("do", "after_seconds")))
    return Action(kind, float(after), params)


def parse_lesson(data: Mapping[str, Any], name: str, folder: Path | None = None) -> Lesson:
    """Check one decoded lesson file; raise :class:`LessonFileError` naming what is wrong."""
    kinds = event_types()
    title = _text(data, "title", name)
    purpose = _text(data, "purpose", name)
    prerequisites = data.get("prerequisites", [])
    if not isinstance(prerequisites, list) or not all(isinstance(p, str) for p in prerequisites):
        raise LessonFileError(f"{name}: 'prerequisites' must be a list of texts")
    colleague = None
    if "colleague" in data:
        c = data["colleague"]
        where = f"{name}: [colleague]"
        if not isinstance(c, Mapping):
            raise LessonFileError(f"{where} must be a table")
        answers = c.get("answers", ["accept"])
        if (not isinstance(answers, list) or not answers
                or any(a not in ANSWERS for a in answers)):
            raise LessonFileError(f"{where}: 'answers' must list 'accept' or 'reject'")
        after = c.get("answer_after_seconds", 3)
        if not isinstance(after, int | float) or after < 0:
            raise LessonFileError(f"{where}: 'answer_after_seconds' must be >= 0")
        colleague = Colleague(_text(c, "name", where), tuple(answers), float(after),
                              str(c.get("consult_reply", "")))
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonFileError(f"{name}: a lesson needs at least one [[steps]]")
    steps = []
    for number, raw in enumerate(raw_steps, start=1):
        where = f"{name}: step {number}"
        if not isinstance(raw, Mapping):
            raise LessonFileError(f"{where}: must be a table")
        highlight = raw.get("highlight", [])
        if isinstance(highlight, str):
            highlight = [highlight]
        if not isinstance(highlight, list) or not all(
                isinstance(h, str) and h.strip() for h in highlight):
            raise LessonFileError(f"{where}: 'highlight' must be a data-testid or a list of them")
        done = _condition({k: raw.get(k) for k in ("event", "where") if k in raw},
                          where, kinds)
        retry = raw.get("retry_on", [])
        if not isinstance(retry, list):
            raise LessonFileError(f"{where}: 'retry_on' must be a list of tables")
        actions = raw.get("actions", [])
        if not isinstance(actions, list):
            raise LessonFileError(f"{where}: 'actions' must be a list of tables")
        built = tuple(_action(a, f"{where}, action {i}", folder)
                      for i, a in enumerate(actions, start=1))
        if any(a.do == "colleague_transfer" or a.get("to") == "colleague" for a in built) \
                and colleague is None:
            raise LessonFileError(f"{where}: the action needs a [colleague] in the lesson")
        steps.append(Step(
            instruction=_text(raw, "instruction", where),
            highlight=tuple(h.strip() for h in highlight),
            done_when=done,
            hint=_text(raw, "hint", where, required=False),
            retry_on=tuple(_condition(r, f"{where}, retry_on {i}", kinds)
                           for i, r in enumerate(retry, start=1)),
            actions=built,
            any_interaction=bool(raw.get("any_interaction", False)
                                 or raw.get("new_interaction", False)),
            new_interaction=bool(raw.get("new_interaction", False)),
            skip_if_ready=bool(raw.get("skip_if_ready", False)),
        ))
    lesson_id = data.get("id", Path(name).stem)
    if not isinstance(lesson_id, str) or not lesson_id.strip():
        raise LessonFileError(f"{name}: 'id' must be a non-empty text")
    order = data.get("order", 100)
    if not isinstance(order, int):
        raise LessonFileError(f"{name}: 'order' must be a whole number")
    return Lesson(lesson_id.strip(), title, purpose, tuple(prerequisites), tuple(steps),
                  order, str(data.get("seed", "")), colleague, folder)


@dataclass(frozen=True)
class Catalog:
    lessons: tuple[Lesson, ...]
    errors: tuple[str, ...] = ()

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def load_catalog(folder: Path) -> Catalog:
    """Every valid lesson in ``folder``; a broken file is reported and left out."""
    lessons: list[Lesson] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            lesson = parse_lesson(data, path.name, folder)
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{path.name}: not valid TOML ({exc})")
            continue
        except (LessonFileError, OSError, UnicodeDecodeError) as exc:
            errors.append(str(exc) if isinstance(exc, LessonFileError)
                          else f"{path.name}: cannot be read ({exc})")
            continue
        if any(existing.id == lesson.id for existing in lessons):
            errors.append(f"{path.name}: the id {lesson.id!r} is used by another lesson")
            continue
        lessons.append(lesson)
    for message in errors:
        log.error("lesson file skipped: %s", message)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.title))
    return Catalog(tuple(lessons), tuple(errors))


# -- runs ---------------------------------------------------------------------------------


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    QUIT = "quit"


@dataclass(frozen=True)
class Run:
    id: int
    agent_id: int
    lesson_id: str
    started_at: datetime
    status: RunStatus = RunStatus.RUNNING
    step: int = 0  # index of the current step (== len(steps) when completed)
    finished_at: datetime | None = None
    retries: int = 0
    bot_agent_id: int | None = None
    contact_number: str = ""
    interactions: tuple[str, ...] = ()
    answers_given: int = 0  # how many invitations the colleague answered
    callbacks: tuple[str, ...] = ()  # scheduled in the lesson: cancelled when it ends
    last_hint: str = ""  # shown after a retry

    @property
    def running(self) -> bool:
        return self.status is RunStatus.RUNNING

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class Assignment:
    agent_id: int
    lesson_id: str
    assigned_by: int
    assigned_at: datetime


@dataclass(frozen=True)
class LessonChanged(Event):
    """A lesson run started, moved to another step, had a step retried, or ended."""

    run_id: int
    agent_id: int
    lesson_id: str
    step: int
    status: str
    what: str = "step"


class LessonRepository(Protocol):
    def create_run(self, run: Run) -> Run: ...

    def save_run(self, run: Run) -> None: ...

    def running_runs(self) -> list[Run]: ...

    def runs(self, limit: int = 1000) -> list[Run]:
        """Newest first."""
        ...

    def create_bot(self, display_name: str, password_hash: str) -> int: ...

    def bot_ids(self) -> set[int]: ...

    def mark_training(self, interaction_id: str) -> None: ...

    def close_training(self, interaction_ids: Iterable[str], at: datetime
                       ) -> list[tuple[str, int | None]]:
        """Close open training interactions (and their pending offers); returns
        (interaction id, owner) of those closed."""
        ...

    def assign(self, agent_id: int, lesson_id: str, by: int, at: datetime) -> None: ...

    def unassign(self, agent_id: int, lesson_id: str) -> None: ...

    def assignments(self) -> list[Assignment]: ...


class LessonError(Exception):
    """A lesson request that cannot be done; the message says why."""


@dataclass
class Ports:
    """The real services a lesson drives (plain callables and objects, for tests too)."""

    inbound: Any  # InboundService.receive
    routing: Any  # accept/reject/preview
    transfers: Any  # transfer_to_agent
    handling: Any  # post_internal, viewed
    presence: Any  # log_in / set_ready / log_out / get
    agents: Any  # get(agent_id) -> Agent, list()
    callbacks: Any = None  # get(callback_id, agent_id) -> Callback
    hash_password: Callable[[str], str] = field(default=lambda p: "!" + p)
    advance_clock: Callable[[float], object] | None = None  # test mode only


class LessonEngine:
    def __init__(
        self, catalog: Catalog, repo: LessonRepository, bus: EventBus, clock: Clock,
        scheduler: Scheduler, ports: Ports,
        submit: Callable[[Callable[[], None]], object] | None = None,
    ) -> None:
        self.catalog = catalog
        self._repo = repo
        self._bus = bus
        self._clock = clock
        self._scheduler = scheduler
        self._ports = ports
        self._submit = submit or (lambda fn: fn())
        self._lock = threading.RLock()
        self._runs: dict[int, Run] = {r.id: r for r in repo.running_runs()}
        self._bots = repo.bot_ids()
        self._consult_replied: set[int] = set()
        scheduler.on(ACTION_DEADLINE, self._on_action_due)
        scheduler.on(BOT_DEADLINE, self._on_bot_due)
        bus.subscribe(self._on_event)

    # -- queries (memory only: safe on the event loop) ------------------------------------

    def lessons(self) -> tuple[Lesson, ...]:
        return self.catalog.lessons

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self.catalog.get(lesson_id)

    # Reads take no lock: routing and the Team Communicator call them while holding their
    # own locks, and the engine calls into them while holding its own (no lock-order
    # inversion). A copy of the dict's values is an atomic snapshot.

    def current(self, agent_id: int) -> Run | None:
        return next((r for r in list(self._runs.values()) if r.agent_id == agent_id), None)

    def running(self) -> list[Run]:
        return sorted(list(self._runs.values()), key=lambda r: r.started_at)

    def is_bot(self, agent_id: int) -> bool:
        return agent_id in self._bots

    def transfer_target(self, interaction: Interaction, target_id: int) -> str | None:
        """Transfer rule: lesson traffic stays between the trainee and the lesson's
        simulated colleague; real traffic never goes to a simulated colleague."""
        if interaction.training:
            allowed = {who for r in list(self._runs.values()) if interaction.id in r.interactions
                       for who in (r.agent_id, r.bot_agent_id) if who is not None}
            if target_id not in allowed:
                return "This is lesson traffic: it can only go to the lesson's colleague."
        elif target_id in self._bots:
            return "This colleague exists only inside a lesson."
        return None

    # -- hooks into routing and the Team Communicator --------------------------------------

    def allows_offer(self, interaction: Interaction, agent: Agent) -> bool:
        """Routing rule: training traffic only to its target; bots get nothing else;
        a trainee in a lesson gets no real traffic."""
        if agent.id in self._bots:
            return interaction.training and interaction.target_agent_id == agent.id
        if interaction.training:
            # sent back to a queue by the trainee: the lesson closes it, nobody takes it
            return (interaction.target_agent_id == agent.id
                    and interaction.previous_owner_id is None)
        return self.current(agent.id) is None

    def visible_to(self, viewer_id: int, agent: Agent) -> bool:
        """Team Communicator rule: a bot shows only to the trainee of its lesson."""
        if agent.id not in self._bots:
            return True
        run = self.current(viewer_id)
        return run is not None and run.bot_agent_id == agent.id

    # -- the trainee's commands (call off the event loop) ---------------------------------

    def start(self, agent_id: int, lesson_id: str) -> Run:
        lesson = self.catalog.get(lesson_id)
        if lesson is None:
            raise LessonError("There is no such lesson.")
        if self.is_bot(agent_id):
            raise LessonError("A simulated colleague cannot take lessons.")
        if self.current(agent_id) is not None:
            self.quit(agent_id)
        now = self._clock.now()
        run = self._repo.create_run(Run(0, agent_id, lesson.id, now))
        run = replace(run, contact_number=f"+1628555{run.id % 10**4:04d}")  # fictional, valid
        if lesson.colleague is not None:
            bot = self._repo.create_bot(lesson.colleague.name,
                                        self._ports.hash_password(uuid.uuid4().hex))
            with self._lock:
                self._bots.add(bot)
            run = replace(run, bot_agent_id=bot)
        with self._lock:
            self._runs[run.id] = run
        self._repo.save_run(run)
        if run.bot_agent_id is not None:
            self._ports.presence.log_in(run.bot_agent_id)
            self._ports.presence.set_ready(run.bot_agent_id)
        self._publish(run, "started")
        self._enter_step(run.id, 0)
        return self._runs.get(run.id) or run

    def quit(self, agent_id: int) -> Run | None:
        run = self.current(agent_id)
        if run is None:
            return None
        return self._finish(run, RunStatus.QUIT)

    def restart(self, agent_id: int) -> Run:
        run = self.current(agent_id)
        if run is None:
            raise LessonError("No lesson is running.")
        lesson_id = run.lesson_id
        self.quit(agent_id)
        return self.start(agent_id, lesson_id)

    # -- trainer ---------------------------------------------------------------------------

    def assign(self, trainer: Agent, agent_id: int, lesson_id: str) -> None:
        if not trainer.is_trainer:
            raise LessonError("Only trainers assign lessons.")
        if self.catalog.get(lesson_id) is None:
            raise LessonError("There is no such lesson.")
        if self._ports.agents.get(agent_id) is None or self.is_bot(agent_id):
            raise LessonError("There is no such agent.")
        self._repo.assign(agent_id, lesson_id, trainer.id, self._clock.now())
        self._bus.publish(LessonChanged(0, agent_id, lesson_id, 0, "assigned", "assigned"))

    def unassign(self, trainer: Agent, agent_id: int, lesson_id: str) -> None:
        if not trainer.is_trainer:
            raise LessonError("Only trainers assign lessons.")
        self._repo.unassign(agent_id, lesson_id)
        self._bus.publish(LessonChanged(0, agent_id, lesson_id, 0, "unassigned", "assigned"))

    def assignments(self, agent_id: int | None = None) -> list[Assignment]:
        found = self._repo.assignments()
        return [a for a in found if agent_id is None or a.agent_id == agent_id]

    def runs(self, limit: int = 1000) -> list[Run]:
        return self._repo.runs(limit)

    def trainees(self) -> list[Agent]:
        return [a for a in self._ports.agents.list()
                if not self.is_bot(a.id) and not a.is_trainer]

    def records_csv(self) -> str:
        """Completion records: who, lesson, start, finish, duration, steps retried."""
        names = {a.id: a for a in self._ports.agents.list()}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["agent", "name", "lesson", "title", "status", "started",
                         "finished", "duration_seconds", "steps_retried"])
        for run in sorted(self._repo.runs(), key=lambda r: (r.started_at, r.id)):
            if run.running:
                continue
            agent = names.get(run.agent_id)
            lesson = self.catalog.get(run.lesson_id)
            duration = run.duration_seconds
            writer.writerow([
                agent.username if agent else run.agent_id,
                agent.display_name if agent else "",
                run.lesson_id, lesson.title if lesson else "", run.status.value,
                run.started_at.isoformat(timespec="seconds"),
                run.finished_at.isoformat(timespec="seconds") if run.finished_at else "",
                f"{duration:.0f}" if duration is not None else "", run.retries,
            ])
        return out.getvalue()

    # -- steps -----------------------------------------------------------------------------

    def _lesson_of(self, run: Run) -> Lesson:
        lesson = self.catalog.get(run.lesson_id)
        assert lesson is not None
        return lesson

    def _publish(self, run: Run, what: str) -> None:
        self._bus.publish(LessonChanged(run.id, run.agent_id, run.lesson_id, run.step,
                                        run.status.value, what))

    def _enter_step(self, run_id: int, index: int) -> None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return
            lesson = self._lesson_of(run)
            if index >= len(lesson.steps):
                self._finish(run, RunStatus.COMPLETED)
                return
            run = replace(run, step=index, last_hint="")
            self._runs[run.id] = run
        self._repo.save_run(run)
        if index:
            self._publish(run, "step")
        step = lesson.steps[index]
        if step.skip_if_ready and self._ports.presence.get(run.agent_id).status is Status.READY:
            self._enter_step(run.id, index + 1)
            return
        for number, action in enumerate(step.actions):
            if action.after_seconds <= 0:
                self._run_action(run.id, index, action)
            else:
                due = self._clock.now() + timedelta(seconds=action.after_seconds)
                self._scheduler.schedule(ACTION_DEADLINE, str(run.id), due,
                                         {"step": index, "action": number})

    def _finish(self, run: Run, status: RunStatus) -> Run:
        with self._lock:
            if run.id not in self._runs:
                return run
            del self._runs[run.id]
            lesson = self.catalog.get(run.lesson_id)
            step = len(lesson.steps) if lesson and status is RunStatus.COMPLETED else run.step
            run = replace(run, status=status, finished_at=self._clock.now(), step=step)
        self._repo.save_run(run)
        self._scheduler.cancel(ACTION_DEADLINE, str(run.id))
        self._scheduler.cancel(BOT_DEADLINE, str(run.id))
        self._clean_up(run)
        self._publish(run, status.value)
        return run

    def _clean_up(self, run: Run) -> None:
        """Lesson traffic leaves no open work behind; the colleague goes home."""
        try:
            closed = self._repo.close_training(run.interactions, self._clock.now())
            for interaction_id, owner in closed:
                self._bus.publish(domain_events.InteractionDone(interaction_id, owner or 0))
        except Exception:
            log.exception("closing the training interactions of run %s failed", run.id)
        for callback_id in run.callbacks:
            try:
                self._ports.callbacks.cancel(callback_id, run.agent_id)
            except Exception as exc:  # already handled or cancelled
                log.info("lesson callback %s not cancelled: %s", callback_id, exc)
        if run.bot_agent_id is not None:
            try:
                self._ports.presence.log_out(run.bot_agent_id)
            except Exception:
                log.exception("logging out the colleague of run %s failed", run.id)

    # -- scenario actions ------------------------------------------------------------------

    def _on_action_due(self, deadline: Deadline) -> None:
        run = self._runs.get(int(deadline.ref))
        step = int(deadline.payload.get("step", -1))
        if run is None or run.step != step:
            return  # quit, or the trainee moved on
        action = self._lesson_of(run).steps[step].actions[int(deadline.payload["action"])]
        self._run_action(run.id, step, action)

    def _run_action(self, run_id: int, step: int, action: Action) -> None:
        run = self._runs.get(run_id)
        if run is None:
            return
        try:
            if action.do in ("contact_sms", "contact_mms"):
                self._contact_message(run, step, action)
            elif action.do == "colleague_transfer":
                self._colleague_transfer(run)
            elif action.do == "advance_clock":
                if self._ports.advance_clock is None:
                    log.info("lesson %s: the clock can only move in test mode", run.lesson_id)
                else:
                    self._ports.advance_clock(float(action.get("seconds")))
        except Exception:
            log.exception("lesson action %s of run %s failed", action.do, run.id)

    def _contact_message(self, run: Run, step: int, action: Action) -> None:
        lesson = self._lesson_of(run)
        target = run.agent_id if action.get("to", "trainee") == "trainee" else run.bot_agent_id
        media: tuple[InboundMedia, ...] = ()
        if action.do == "contact_mms":
            image = str(action.get("image"))
            folder = lesson.folder or Path(".")
            media = (InboundMedia(IMAGE_TYPES[Path(image).suffix.lower()], image,
                                  (folder / image).read_bytes()),)
        request = InboundRequest(
            message_id=f"lesson-{run.id}-{step}-{uuid.uuid4().hex[:8]}",
            sender=run.contact_number, to=CENTRES[action.get("centre", "page")],
            text=str(action.get("text", "")), media=media, training=True,
            target_agent_id=target)
        result = self._ports.inbound.receive(request)
        with self._lock:
            current = self._runs.get(run.id)
            if current is not None and result.interaction_id not in current.interactions:
                current = replace(current, interactions=(*current.interactions,
                                                         result.interaction_id))
                self._runs[run.id] = current
                self._repo.save_run(current)

    def _colleague_transfer(self, run: Run) -> None:
        """The colleague hands the lesson's interaction to the trainee."""
        assert run.bot_agent_id is not None
        owned = {i.id for i in self._ports.routing.owned(run.bot_agent_id)}
        for interaction_id in reversed(run.interactions):
            if interaction_id in owned:
                self._ports.transfers.transfer_to_agent(interaction_id, run.bot_agent_id,
                                                        run.agent_id)
                return
        log.warning("lesson %s: the colleague has no interaction to transfer", run.lesson_id)

    # -- the colleague answering -----------------------------------------------------------

    def _bot_run(self, agent_id: int) -> Run | None:
        return next((r for r in list(self._runs.values()) if r.bot_agent_id == agent_id),
                    None)

    def _bot_offer(self, run: Run, event: OfferMade) -> None:
        preview = self._ports.routing.preview(event.offer_id)
        if preview is None:
            return
        if preview.offer.kind is OfferKind.ROUTE:
            self._ports.routing.accept(event.offer_id, event.agent_id)  # takes its work
            return
        colleague = self._lesson_of(run).colleague
        assert colleague is not None
        answer = colleague.answers[min(run.answers_given, len(colleague.answers) - 1)]
        with self._lock:
            run = replace(run, answers_given=run.answers_given + 1)
            self._runs[run.id] = run
        self._repo.save_run(run)
        due = self._clock.now() + timedelta(seconds=colleague.answer_after_seconds)
        self._scheduler.schedule(BOT_DEADLINE, str(run.id), due,
                                 {"offer": event.offer_id, "answer": answer})

    def _on_bot_due(self, deadline: Deadline) -> None:
        run = self._runs.get(int(deadline.ref))
        if run is None or run.bot_agent_id is None:
            return
        payload = deadline.payload
        try:
            if "offer" in payload:
                if payload["answer"] == "accept":
                    self._ports.routing.accept(int(payload["offer"]), run.bot_agent_id)
                else:
                    self._ports.routing.reject(int(payload["offer"]), run.bot_agent_id)
            elif "reply" in payload:
                self._ports.handling.post_internal(str(payload["interaction"]),
                                                   run.bot_agent_id, str(payload["reply"]))
        except Exception as exc:  # answered or withdrawn meanwhile
            log.info("lesson colleague could not act: %s", exc)

    def _consult_message(self, run: Run, event: InternalMessagePosted) -> None:
        colleague = self._lesson_of(run).colleague
        if (colleague is None or not colleague.consult_reply or event.agent_id != run.agent_id
                or run.id in self._consult_replied or event.interaction_id not in run.interactions):
            return
        self._consult_replied.add(run.id)
        due = self._clock.now() + timedelta(seconds=colleague.answer_after_seconds)
        self._scheduler.schedule(BOT_DEADLINE, str(run.id), due,
                                 {"reply": colleague.consult_reply,
                                  "interaction": event.interaction_id})

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, LessonChanged) or not self._runs:
            return
        self._submit(lambda: self._handle(event))

    def _handle(self, event: Event) -> None:
        try:
            if isinstance(event, OfferMade) and event.agent_id in self._bots:
                run = self._bot_run(event.agent_id)
                if run is not None:
                    self._bot_offer(run, event)
            for run in list(self._runs.values()):
                if isinstance(event, InternalMessagePosted):
                    self._consult_message(run, event)
                self._advance(run.id, event)
        except Exception:
            log.exception("lesson engine failed on %r", event)

    def _advance(self, run_id: int, event: Event) -> None:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return
            lesson = self._lesson_of(run)
            if run.step >= len(lesson.steps):
                return
            step = lesson.steps[run.step]
            if self._matches(run, step.done_when, event, step):
                adopt = getattr(event, "interaction_id", None)
                if step.any_interaction and adopt and adopt not in run.interactions:
                    self._repo.mark_training(adopt)
                    run = replace(run, interactions=(*run.interactions, adopt))
                elif isinstance(event, domain_events.CallbackChanged):
                    run = replace(run, callbacks=(*run.callbacks, event.callback_id))
                self._runs[run.id] = run
                self._enter_step(run.id, run.step + 1)
                return
            for condition in step.retry_on:
                if self._matches(run, condition, event, step):
                    run = replace(run, retries=run.retries + 1,
                                  last_hint=condition.hint or step.hint)
                    self._runs[run.id] = run
                    self._repo.save_run(run)
                    self._publish(run, "retried")
                    if condition.rerun_actions:
                        for action in step.actions:
                            self._run_action(run.id, run.step, action)
                    return

    def _matches(self, run: Run, condition: Condition, event: Event, step: Step) -> bool:
        if type(event).__name__ != condition.event:
            return False
        where = dict(condition.where)
        values = {"$trainee": run.agent_id, "$colleague": run.bot_agent_id, "$none": None,
                  "$first": run.interactions[0] if run.interactions else None}
        for key, expected in where.items():
            expected = values.get(expected, expected) if isinstance(expected, str) else expected
            if _plain(getattr(event, key, None)) != _plain(expected):
                return False
        agent, interaction = self._about(run, event)
        if "agent_id" not in where and agent is not None and agent != run.agent_id \
                and not any(k.endswith("agent_id") for k in where):
            return False
        if interaction is not None:
            if step.new_interaction and interaction in run.interactions:
                return False
            if not step.any_interaction and interaction not in run.interactions:
                return False
        return True

    def _about(self, run: Run, event: Event) -> tuple[int | None, str | None]:
        """Whose action an event records, and which interaction it is about."""
        if isinstance(event, domain_events.CallbackChanged):
            callbacks = self._ports.callbacks
            try:
                callback = callbacks.get(event.callback_id, run.agent_id) if callbacks else None
            except Exception:
                callback = None
            if callback is None:
                return -1, None  # not the trainee's
            return callback.created_by, callback.source_interaction_id
        if isinstance(event, domain_events.PresenceChanged | domain_events.InvitationFailed):
            agent = getattr(event, "agent_id", None) or getattr(event, "from_agent_id", None)
            return agent, getattr(event, "interaction_id", None)
        return getattr(event, "agent_id", None), getattr(event, "interaction_id", None)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value
