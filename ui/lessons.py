"""The Lessons page: a trainee's lesson list (assigned first), and for trainers the live
progress dashboard, lesson assignment and the CSV export of completion records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nicegui import background_tasks, run, ui
from starlette.requests import Request

from domain.agents import Agent
from domain.lessons import Assignment, Lesson, LessonChanged, LessonError, Run, RunStatus
from domain.system import Services
from ui.frame import Shell
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid


@dataclass(frozen=True)
class PageData:
    runs: list[Run]
    assignments: list[Assignment]
    trainees: list[Agent]


def load(services: Services, agent: Agent) -> PageData:
    """Worker thread: what the page shows."""
    engine = services.lessons
    assert engine is not None
    if agent.is_trainer:
        return PageData(engine.runs(500), engine.assignments(), engine.trainees())
    return PageData([r for r in engine.runs(500) if r.agent_id == agent.id],
                    engine.assignments(agent.id), [])


def status_of(lesson: Lesson, agent_id: int, data: PageData, running: Run | None) -> str:
    if running is not None and running.lesson_id == lesson.id:
        return "running"
    if any(r.lesson_id == lesson.id and r.agent_id == agent_id
           and r.status is RunStatus.COMPLETED for r in data.runs):
        return "completed"
    if any(a.lesson_id == lesson.id and a.agent_id == agent_id for a in data.assignments):
        return "assigned"
    return "not started"


def _when(at: datetime | None, zone: str) -> str:
    if at is None:
        return ""
    try:
        from zoneinfo import ZoneInfo
        return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except Exception:
        return at.strftime("%Y-%m-%d %H:%M UTC")


class LessonsPage:
    def __init__(self, services: Services, agent: Agent, shell: Shell, request: Request) -> None:
        self.services = services
        self.agent = agent
        self.engine = services.lessons
        self.root = ui.column().classes("w-full gap-4")
        if self.engine is None:
            with self.root:
                ui.label("Lessons are not available.")
            return
        with self.root:
            ui.label("Lessons").classes("text-h5").props('role="heading" aria-level="1"')
            if agent.is_trainer:
                self.dashboard = tid(ui.column(), "lesson-dashboard").classes("w-full gap-2")
            self.list_area = ui.column().classes("w-full gap-2")
        follow(services.bus, self._changed, LessonChanged, owner=self.root)
        background_tasks.create(self.refresh(), name="lessons-load")

    def _changed(self, event: LessonChanged) -> None:
        if self.agent.is_trainer or event.agent_id == self.agent.id:
            background_tasks.create(self.refresh(), name="lessons-refresh")

    async def refresh(self) -> None:
        assert self.engine is not None
        data = await run.io_bound(load, self.services, self.agent)
        if self.root.is_deleted:
            return
        if self.agent.is_trainer:
            self.draw_dashboard(data)
        self.draw_list(data)

    # -- trainee ---------------------------------------------------------------------------

    def draw_list(self, data: PageData) -> None:
        assert self.engine is not None
        running = self.engine.current(self.agent.id)
        mine = {a.lesson_id for a in data.assignments if a.agent_id == self.agent.id}
        lessons = sorted(self.engine.lessons(), key=lambda lesson: lesson.id not in mine)
        self.list_area.clear()
        with self.list_area:
            ui.label("Your lessons" if not self.agent.is_trainer else "Lessons"
                     ).classes("text-h6").props('role="heading" aria-level="2"')
            if running is not None:
                current = self.engine.lesson(running.lesson_id)
                with ui.row().classes("items-center gap-2"):
                    ui.label(f"Running: {current.title if current else running.lesson_id}")
                    tid(ui.button("Continue", on_click=lambda: ui.navigate.to("/")),
                        "lesson-continue").props("no-caps")
            with tid(ui.element("ul"), "lesson-list").classes(
                    "w-full q-pl-none q-my-none gap-2 column").style("list-style: none"):
                for lesson in lessons:
                    status = status_of(lesson, self.agent.id, data, running)
                    with tid(ui.element("li"), "lesson-row", lesson_id=lesson.id,
                             status=status), ui.card().classes("w-full q-pa-sm"):
                        with ui.row().classes("w-full items-center gap-2 no-wrap"):
                            with ui.column().classes("gap-0 col"):
                                with ui.row().classes("items-center gap-2"):
                                    tid(ui.label(lesson.title), "lesson-title").classes(
                                        "text-subtitle1 text-weight-medium")
                                    tid(ui.label(status.capitalize()),
                                        "lesson-status").classes("parley-chip")
                                ui.label(lesson.purpose).classes("text-body2")
                                if lesson.prerequisites:
                                    ui.label("Before you start: " + " ".join(
                                        lesson.prerequisites)).classes(
                                        "text-caption text-grey-8")
                            start = tid(ui.button("Start", icon="play_arrow",
                                                  on_click=lambda i=lesson.id: self.start(i)),
                                        "lesson-start", lesson_id=lesson.id).props("no-caps")
                            set_props(start, aria_label=f"Start the lesson {lesson.title}")

    async def start(self, lesson_id: str) -> None:
        assert self.engine is not None
        try:
            await run.io_bound(self.engine.start, self.agent.id, lesson_id)
        except LessonError as exc:
            with self.root:
                ui.notify(str(exc), type="negative")
            return
        with self.root:  # the list redraws meanwhile: the button may be gone
            ui.navigate.to("/")

    # -- trainer ---------------------------------------------------------------------------

    def draw_dashboard(self, data: PageData) -> None:
        assert self.engine is not None
        names = {a.id: a.display_name for a in data.trainees}
        titles = {lesson.id: lesson.title for lesson in self.engine.lessons()}
        steps = {lesson.id: len(lesson.steps) for lesson in self.engine.lessons()}
        zone = self.agent.options.time_zone
        self.dashboard.clear()
        with self.dashboard:
            for error in self.engine.catalog.errors:
                tid(ui.label(f"Lesson file skipped: {error}"), "lesson-file-error").classes(
                    "text-negative")
            ui.label("Trainees' progress (live)").classes("text-h6").props(
                'role="heading" aria-level="2"')
            rows = [r for r in data.runs if r.agent_id in names]
            running = {r.id for r in self.engine.running()}
            with tid(ui.element("table"), "lesson-progress").classes("parley-table w-full"):
                with ui.element("thead"), ui.element("tr"):
                    for head in ("Agent", "Lesson", "Status", "Step", "Retried", "Started",
                                 "Finished", "Duration"):
                        with ui.element("th").props('scope="col"').classes("text-left"):
                            ui.label(head)
                with ui.element("tbody"):
                    for r in rows[:50]:
                        status = "running" if r.id in running else r.status.value
                        live = self.engine.current(r.agent_id) if status == "running" else None
                        step = (live or r).step
                        duration = r.duration_seconds
                        cells = [
                            names.get(r.agent_id, str(r.agent_id)),
                            titles.get(r.lesson_id, r.lesson_id), status,
                            f"{min(step + (status != 'completed'), steps.get(r.lesson_id, 0))}"
                            f" of {steps.get(r.lesson_id, 0)}",
                            str((live or r).retries), _when(r.started_at, zone),
                            _when(r.finished_at, zone),
                            f"{int(duration // 60)} min {int(duration % 60):02d} s"
                            if duration is not None else "",
                        ]
                        with tid(ui.element("tr"), "lesson-progress-row",
                                 agent=names.get(r.agent_id, ""), lesson_id=r.lesson_id,
                                 status=status, step=step, retries=(live or r).retries):
                            for cell in cells:
                                with ui.element("td"):
                                    ui.label(cell)
            if not rows:
                ui.label("No lesson has been started yet.").classes("text-grey-7")
            with ui.row().classes("items-end gap-2"):
                agent_select = tid(ui.select({a.id: a.display_name for a in data.trainees},
                                             label="Agent"), "lesson-assign-agent").props(
                    "outlined dense").classes("min-w-[12rem]")
                lesson_select = tid(ui.select(titles, label="Lesson"),
                                    "lesson-assign-lesson").props("outlined dense").classes(
                    "min-w-[18rem]")
                tid(ui.button("Assign", icon="assignment_ind", on_click=lambda: self.assign(
                    agent_select.value, lesson_select.value)), "lesson-assign").props(
                    "no-caps")
                tid(ui.button("Export records (CSV)", icon="download",
                              on_click=self.export), "lesson-export").props("flat no-caps")
            if data.assignments:
                ui.label("Assigned").classes("text-subtitle2")
                for a in data.assignments:
                    if a.agent_id in names:
                        with tid(ui.row(), "lesson-assignment", agent=names[a.agent_id],
                                 lesson_id=a.lesson_id).classes("items-center gap-2"):
                            ui.label(f"{names[a.agent_id]}: {titles.get(a.lesson_id, '')}")
                            remove = tid(ui.button(icon="close", on_click=lambda x=a: self.unassign(
                                x.agent_id, x.lesson_id)), "lesson-unassign").props(
                                "flat round dense")
                            set_props(remove, aria_label="Remove the assignment of "
                                      f"{titles.get(a.lesson_id, '')} for {names[a.agent_id]}")

    async def assign(self, agent_id: int | None, lesson_id: str | None) -> None:
        assert self.engine is not None
        if agent_id is None or lesson_id is None:
            ui.notify("Choose an agent and a lesson.", type="warning")
            return
        try:
            await run.io_bound(self.engine.assign, self.agent, int(agent_id), lesson_id)
        except LessonError as exc:
            with self.root:
                ui.notify(str(exc), type="negative")
            return
        with self.root:
            ui.notify("Lesson assigned.", type="positive")

    async def unassign(self, agent_id: int, lesson_id: str) -> None:
        assert self.engine is not None
        await run.io_bound(self.engine.unassign, self.agent, agent_id, lesson_id)

    async def export(self) -> None:
        assert self.engine is not None
        text = await run.io_bound(self.engine.records_csv)
        with self.root:
            ui.download(text.encode("utf-8"), "lesson-records.csv", "text/csv")
