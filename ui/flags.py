"""The supervisors' Flags view (``/flags``, ``nav-flags``): interactions agents flagged for
help, live; one opens read-only (ui/observer.py) with an internal chat and Lower flag.

Selectors: ``flags-list``, ``flag-row`` (``data-interaction-id``, ``data-closed``; agent,
contact, message and time raised in the supervisor's time zone), ``flags-empty``; in the
open view ``flag-input``, ``flag-send``, ``flag-lower``, ``flag-error``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui
from starlette.requests import Request

from domain.agents import Agent
from domain.events import FlagChanged
from domain.flags import FlagView
from domain.handling import MAX_INTERNAL, HandlingError
from domain.system import Services
from ui.frame import Shell
from ui.live import follow
from ui.observer import ObserverView
from ui.safe_props import set_props
from ui.testids import tid


def raised_text(when: datetime, zone: ZoneInfo, now: datetime) -> str:
    """Raised 14:05 today, or with the date on another day (the supervisor's zone)."""
    local = when.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


class FlagsPage:
    def __init__(self, services: Services, agent: Agent, shell: Shell, request: Request) -> None:
        self.services = services
        self.agent = agent
        self.zone = ZoneInfo(agent.options.time_zone)
        self.selected: str | None = request.query_params.get("interaction")
        self.view: ObserverView | None = None
        self.views: dict[str, FlagView] = {}
        with ui.row().classes("w-full no-wrap items-start gap-4"):
            with ui.column().classes("gap-2").style("width: 24rem; flex: none"):
                ui.label("Raised flags").classes("text-h6")
                self.list = tid(ui.column(), "flags-list").classes("w-full gap-2").props(
                    'role="list" aria-label="Raised flags" aria-live="polite"')
            self.detail = tid(ui.column(), "flag-detail").classes("col gap-2")
        with self.detail:
            self._hint()
        follow(services.bus, self._on_flag, FlagChanged, owner=self.list)
        background_tasks.create(self.reload(), name="flags-load")

    def _hint(self) -> None:
        ui.label("Choose a flag to see the interaction and answer the agent.").classes(
            "text-grey-7 q-mt-xl")

    # -- the list -------------------------------------------------------------------------

    async def reload(self) -> None:
        try:
            views = await run.io_bound(self.services.flags.open_flags, self.agent.id)
        except HandlingError as exc:
            if self.list.is_deleted:
                return
            self.list.clear()
            with self.list:
                ui.label(str(exc)).classes("text-negative")
            return
        if self.list.is_deleted:
            return
        self.views = {v.interaction.id: v for v in views}
        self._draw(views)
        if self.selected and self.view is None and self.selected in self.views:
            self.open(self.selected)

    def _open_from_list(self, interaction_id: str) -> None:
        with self.list:  # the row's own listitem is redrawn (deleted) while opening
            self.open(interaction_id)

    def _draw(self, views: list[FlagView]) -> None:
        now = self.services.clock.now()
        self.list.clear()
        with self.list:
            if not views:
                tid(ui.label("No flags are raised."), "flags-empty").classes("text-grey-7")
            for view in views:
                self._row(view, now)

    def _row(self, view: FlagView, now: datetime) -> None:
        i, flag = view.interaction, view.flag
        selected = i.id == self.selected
        with ui.element("div").props('role="listitem"').classes("w-full"):  # list > listitem
            row = tid(ui.card(), "flag-row", interaction_id=i.id,
                      closed=str(view.closed).lower())
        row.classes("w-full q-pa-sm gap-1 cursor-pointer parley-flag-row"
                    + (" bg-amber-1" if selected else ""))
        row.props('role="button" tabindex="0"')
        set_props(row, aria_current=selected,
                  aria_label=f"Flag from {view.agent_name} about {i.contact_label}: "
                             f"{flag.message}")
        row.on("click", lambda _=None, iid=i.id: self._open_from_list(iid))
        row.on("keydown.enter", lambda _=None, iid=i.id: self._open_from_list(iid))
        with row:
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.icon("flag", size="1.1rem").classes("text-warning")
                tid(ui.label(view.agent_name), "flag-row-agent").classes("text-weight-medium")
                ui.space()
                tid(ui.label(raised_text(flag.raised_at, self.zone, now)),
                    "flag-row-raised").classes("parley-messages-time")
            tid(ui.label(f"{i.contact_label} · {i.contact_number}"),
                "flag-row-contact").classes("text-grey-8")
            tid(ui.label(flag.message), "flag-row-message").classes("parley-line-text")
            if view.closed:
                tid(ui.label("Interaction closed"), "flag-row-closed").classes(
                    "parley-chip self-start")

    def _on_flag(self, event: FlagChanged) -> None:
        background_tasks.create(self.reload(), name="flags-refresh")
        if self.view is None or event.interaction_id != self.selected:
            return
        if event.raised:
            self.view.refresh()
        else:
            who = self.view.transcript.names.get(event.agent_id, "someone")
            self._ended(f"The flag was lowered by {who}.")

    # -- one flag -------------------------------------------------------------------------

    def open(self, interaction_id: str) -> None:
        flag = self.views.get(interaction_id)
        if flag is None:
            return
        self.selected = interaction_id
        self._draw(list(self.views.values()))
        self.detail.clear()
        with self.detail:
            self.view = ObserverView(
                self.services, self.agent, interaction_id,
                f"Flag raised by {flag.agent_name}: {flag.flag.message}",
                panel_builder=self._chat, on_gone=lambda: self._ended(""),
            )
        self._remember(interaction_id)

    def _remember(self, interaction_id: str) -> None:
        """Keep the address shareable and reload-safe."""
        ui.run_javascript(
            f"history.replaceState(null, '', '/flags?interaction={interaction_id}')")

    def _chat(self, column: ui.column) -> None:
        with column, ui.column().classes("w-full gap-1") as self.controls:
            ui.label("Internal messages go to the agent only; the contact never sees them."
                     ).classes("text-caption text-grey-8")
            with ui.row().classes("w-full items-start gap-2 no-wrap"):
                self.input = tid(ui.input(placeholder="Message the agent"), "flag-input").props(
                    'outlined dense aria-label="Internal message to the agent"').classes("col")
                set_props(self.input, maxlength=MAX_INTERNAL)
                self.input.on("keydown.enter", self.send)
                tid(ui.button("Send", icon="send", on_click=self.send), "flag-send").props(
                    "unelevated dense no-caps color=warning")
                tid(ui.button("Lower flag", icon="flag", on_click=self.lower),
                    "flag-lower").props("outline dense no-caps")
            self.error = tid(ui.label(), "flag-error").classes("text-negative").props(
                'role="alert"')
            self.error.set_visibility(False)

    def show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    def _ended(self, text: str) -> None:
        """The flag is down (or access ended): no more chat; the view says why, unless it
        ended already for a reason of its own (the interaction was closed)."""
        if self.view is None:
            return
        if text and not self.view.gone:
            self.view.end(text, "Flag lowered")
        self.controls.set_visibility(False)

    async def send(self) -> None:
        if self.view is None or self.selected is None:
            return
        text = self.input.value or ""
        try:
            await run.io_bound(self.services.flags.post, self.selected, self.agent.id, text)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.input.set_value("")
        self.show_error("")

    async def lower(self) -> None:
        if self.selected is None:
            return
        try:
            await run.io_bound(self.services.flags.lower, self.selected, self.agent.id)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self._ended(f"The flag was lowered by {self.agent.display_name}.")
