"""The lesson panel: the running lesson's steps beside the real desktop (issue 8).

Built by ``ui.frame.desktop_frame`` on every desktop page while the agent has a lesson
running, so it stays across navigation. The current step's controls get an outline: a
small script applies the class to ``[data-testid=...]`` and re-applies it whenever the
page changes (a MutationObserver), menus and dialogs included. The panel is an ordinary
region in the tab order; it never takes or traps focus.
"""

from __future__ import annotations

import json

from nicegui import run, ui

from domain.agents import Agent
from domain.lessons import Lesson, LessonChanged, LessonError, Run
from domain.system import Services
from ui.live import follow
from ui.testids import tid

HIGHLIGHT = "parley-lesson-highlight"
STYLE = f"""
<style>
.{HIGHLIGHT} {{ outline: 3px solid #d97706 !important; outline-offset: 2px;
  box-shadow: 0 0 0 6px rgba(217, 119, 6, .30) !important; border-radius: 4px; }}
.parley-lesson-step {{ padding: 6px 8px; border-radius: 6px; }}
.parley-lesson-step[data-step-state=current] {{ background: #fff7e6;
  border-left: 4px solid #d97706; }}
.parley-lesson-step[data-step-state=done] {{ color: #3f6b3f; }}
.parley-lesson-step[data-step-state=todo] {{ color: #555; }}
</style>
"""
SCRIPT = """
<script>
(function () {
  if (window.parleyLesson) return;
  const cls = 'CLASS';
  let wanted = [];
  let pending = false;
  function apply() {
    pending = false;
    document.querySelectorAll('.' + cls).forEach(function (el) {
      const id = el.getAttribute('data-testid');
      if (!wanted.includes(id)) el.classList.remove(cls);
    });
    wanted.forEach(function (id) {
      document.querySelectorAll('[data-testid="' + CSS.escape(id) + '"]').forEach(
        function (el) { if (!el.classList.contains(cls)) el.classList.add(cls); });
    });
  }
  function later() { if (!pending) { pending = true; requestAnimationFrame(apply); } }
  function watch() {
    new MutationObserver(later).observe(document.body,
      {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
    apply();
  }
  // in <head>: the body does not exist yet
  if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
  window.parleyLesson = { highlight: function (ids) { wanted = ids || []; later(); } };
})();
</script>
""".replace("CLASS", HIGHLIGHT)


class LessonPanel:
    """The steps of the agent's running lesson, with their state, the hint and controls."""

    def __init__(self, services: Services, agent: Agent, run_: Run) -> None:
        assert services.lessons is not None
        self.services = services
        self.engine = services.lessons
        self.agent = agent
        self.run: Run | None = run_
        self.lesson: Lesson | None = self.engine.lesson(run_.lesson_id)
        self.completed = False
        ui.add_head_html(STYLE + SCRIPT)
        self.drawer = ui.right_drawer(value=True, fixed=True).props(
            'width=320 bordered :breakpoint="400"').classes("q-pa-md bg-grey-1")
        with self.drawer:
            self.root = tid(ui.column(), "lesson-panel").classes("w-full gap-2").props(
                'role="region" aria-label="Lesson"')
        follow(services.bus, self._changed, LessonChanged, owner=self.root)
        self.draw()

    def _changed(self, event: LessonChanged) -> None:
        if event.agent_id != self.agent.id or event.what == "assigned":
            return
        current = self.engine.current(self.agent.id)  # memory only
        if current is not None:
            self.run = current
            self.lesson = self.engine.lesson(current.lesson_id)
            self.completed = False
        elif event.status == "completed" and self.lesson and event.lesson_id == self.lesson.id:
            self.completed = True
        else:
            self.run = None
        self.draw()

    def draw(self) -> None:
        self.root.clear()
        lesson, run_ = self.lesson, self.run
        with self.root:
            if lesson is None or (run_ is None and not self.completed):
                ui.label("No lesson is running.").classes("text-grey-7")
                tid(ui.button("Lessons", icon="school",
                              on_click=lambda: ui.navigate.to("/lessons")),
                    "lesson-back").props("flat no-caps")
                self._highlight([])
                return
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("school", size="1.5rem").classes("text-amber-9")
                ui.label(lesson.title).classes("text-subtitle1 text-weight-bold")
            current = len(lesson.steps) if self.completed or run_ is None else run_.step
            with ui.element("ol").classes("q-pl-none q-my-none").style("list-style: none"):
                for index, step in enumerate(lesson.steps):
                    state = "done" if index < current else "current" if index == current \
                        else "todo"
                    mark = {"done": "✓", "current": "▶", "todo": str(index + 1)}[state]
                    with tid(ui.element("li"), "lesson-step", step_state=state,
                             step=index).classes("parley-lesson-step") as item:
                        if state == "current":
                            item.props('aria-current="step"')
                        ui.label(f"{mark}  {step.instruction}").classes(
                            "text-body2" if state == "current" else "text-caption")
                        if state == "current":
                            hint = (run_.last_hint if run_ else "") or step.hint
                            if hint:
                                tid(ui.label(f"Hint: {hint}"), "lesson-hint").classes(
                                    "text-caption").style("color: #6b3500").props('role="status"')
            if self.completed:
                with tid(ui.column(), "lesson-complete").classes("w-full gap-1").props(
                        'role="status"'):
                    ui.label("Lesson complete. Well done!").classes(
                        "text-subtitle1 text-positive text-weight-bold")
                with ui.row().classes("gap-2"):
                    tid(ui.button("Back to lessons", icon="school",
                                  on_click=lambda: ui.navigate.to("/lessons")),
                        "lesson-back").props("no-caps")
                    tid(ui.button("Close", on_click=self._close), "lesson-close").props(
                        "flat no-caps")
                self._highlight([])
                return
            with ui.row().classes("gap-2 q-mt-sm"):
                tid(ui.button("Restart", icon="restart_alt", on_click=self._restart),
                    "lesson-restart").props("flat dense no-caps")
                tid(ui.button("Quit lesson", icon="close", on_click=self._quit),
                    "lesson-quit").props("flat dense no-caps color=negative")
            step = lesson.steps[current] if run_ and current < len(lesson.steps) else None
            self._highlight(list(step.highlight) if step else [])

    def _highlight(self, ids: list[str]) -> None:
        ui.run_javascript(f"window.parleyLesson && window.parleyLesson.highlight("
                          f"{json.dumps(ids)})")

    def _close(self) -> None:
        self._highlight([])
        self.drawer.delete()

    async def _quit(self) -> None:
        await run.io_bound(self.engine.quit, self.agent.id)
        with self.drawer:  # the panel redraws meanwhile: the button is gone
            self._highlight([])
            ui.navigate.to("/lessons")

    async def _restart(self) -> None:
        try:
            await run.io_bound(self.engine.restart, self.agent.id)
        except LessonError as exc:
            with self.drawer:
                ui.notify(str(exc), type="warning")
            return
        with self.drawer:
            ui.navigate.to("/")


def lesson_panel(services: Services, agent: Agent) -> LessonPanel | None:
    """The frame's hook: a panel when this agent has a lesson running."""
    if services.lessons is None:
        return None
    current = services.lessons.current(agent.id)
    return LessonPanel(services, agent, current) if current is not None else None
