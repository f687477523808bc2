"""The New Callback dialog and the Callbacks view (seed: "Schedule a Callback by clicking
Schedule Callback to open the New Callback dialog box").

The dialog prefills the contact's number and the next full hour at least 30 minutes ahead
in the agent's own time zone. ``callback-when`` is a browser date-time field; its value
(and what a test fills in) is ``YYYY-MM-DDTHH:MM`` in the agent's time zone. Errors show
inside the dialog and nothing typed is lost. The view lists my callbacks and the queues'
(overdue, upcoming, recently closed) and follows every change live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nicegui import background_tasks, run, ui
from starlette.requests import Request

from domain.agents import Agent
from domain.callbacks import (
    MAX_NOTES,
    Callback,
    CallbackError,
    CallbackList,
    CallbackService,
    CallbackState,
    describe,
    format_local,
)
from domain.events import CallbackChanged, ClockAdvanced
from domain.interactions import Interaction
from domain.system import Services
from ui.frame import Shell
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid

STATE_TEXT = {
    CallbackState.SCHEDULED: "Scheduled",
    CallbackState.DUE: "Waiting to be taken",
    CallbackState.ACTIVE: "In progress",
    CallbackState.DONE: "Done",
    CallbackState.CANCELLED: "Cancelled",
}


def _service(services: Services) -> CallbackService:
    assert services.callbacks is not None, "callbacks are not wired (main.build_services)"
    return services.callbacks


class AssignChoice:
    """Assign to me / to a queue: two radio buttons (each with its own test id) and the
    queue list, which is enabled only for a queue."""

    def __init__(self, queues: list[tuple[int, str]], queue_id: int | None, to_me: bool) -> None:
        self.to_me = to_me
        with ui.row().classes("items-center gap-1").props(
                'role="radiogroup" aria-label="Assign the callback"'):
            self.me = tid(ui.button("Assign to me", on_click=lambda: self.set(True)),
                          "callback-assign-me")
            self.queue_button = tid(ui.button("Assign to a queue",
                                              on_click=lambda: self.set(False)),
                                    "callback-assign-queue")
        options = {q: name for q, name in queues}
        first = queue_id if queue_id in options else next(iter(options), None)
        self.queue = tid(ui.select(options, value=first, label="Queue"), "callback-queue")
        self.queue.props("outlined dense options-dense").classes("w-full")
        self.set(to_me)

    def set(self, to_me: bool) -> None:
        self.to_me = to_me
        for button, on in ((self.me, to_me), (self.queue_button, not to_me)):
            icon = "radio_button_checked" if on else "radio_button_unchecked"
            button.props('flat no-caps dense role="radio"')
            set_props(button, icon=icon, aria_checked=on, data_checked=on)
        self.queue.set_enabled(not to_me)

    @property
    def queue_id(self) -> int | None:
        return None if self.to_me else self.queue.value


async def open_callback_dialog(
    services: Services, agent: Agent, interaction: Interaction | None = None,
    callback: Callback | None = None, *, focus_time: bool = False,
    on_saved: Callable[[Callback], None] | None = None,
) -> None:
    """New Callback (from an interaction or blank) or Edit Callback (``callback`` given)."""
    service = _service(services)
    tz = agent.options.time_zone
    try:
        queues = await run.io_bound(service.queues) or []
        if callback is None:
            draft = await run.io_bound(service.draft, agent.id,
                                       interaction.id if interaction else None)
            number, when, notes, queue_id, to_me = (draft.contact_number, draft.when_local,
                                                    "", draft.queue_id, True)
            zone_name = draft.time_zone
        else:
            number, when, notes = (callback.contact_number, format_local(callback.due_at, tz),
                                   callback.notes)
            queue_id, to_me = callback.queue_id, not callback.for_queue
            zone_name = tz
    except CallbackError as exc:
        ui.notify(str(exc), type="warning")
        return
    title = "Edit Callback" if callback else "New Callback"
    with ui.dialog() as dialog, tid(ui.card(), "callback-dialog",
                                    callback_id=callback.id if callback else "").classes(
            "q-pa-md gap-2").style("min-width: 26rem; max-width: 32rem") as card:
        set_props(card, role="dialog", aria_label=title)
        set_props(dialog, aria_label=title)
        with ui.row().classes("items-center gap-2"):
            ui.icon("event", size="1.5rem").classes("text-primary")
            ui.label(title).classes("text-h6")
        if callback or interaction:
            who = (callback.contact_label if callback else interaction.contact_label
                   if interaction else "")
            ui.label(f"Contact: {who}").classes("text-grey-8")
        phone = tid(ui.input("Phone number", value=number), "callback-phone")
        phone.props("outlined dense autocomplete=off").classes("w-full")
        when_input = tid(ui.input("Date and time", value=when), "callback-when")
        when_input.props("outlined dense stack-label type=datetime-local").classes("w-full")
        set_props(when_input, hint=f"In your time zone: {zone_name}")
        notes_input = tid(ui.textarea("Notes", value=notes), "callback-notes")
        notes_input.props("outlined dense autogrow counter").classes("w-full")
        set_props(notes_input, maxlength=MAX_NOTES)
        assign = AssignChoice(queues, queue_id, to_me)
        error = tid(ui.label(), "callback-error").classes("text-negative").props('role="alert"')
        error.set_visibility(False)

        async def save() -> None:
            save_button.props("loading")
            try:
                if callback is None:
                    saved = await run.io_bound(
                        service.schedule, agent.id, phone.value or "", when_input.value or "",
                        notes_input.value or "", assign.queue_id,
                        interaction.id if interaction else None)
                else:
                    saved = await run.io_bound(
                        service.update, callback.id, agent.id, phone.value or "",
                        when_input.value or "", notes_input.value or "", assign.queue_id)
            except CallbackError as exc:
                error.set_text(str(exc))
                error.set_visibility(True)
                return
            finally:
                save_button.props(remove="loading")
            dialog.close()
            done = "updated" if callback else "scheduled"
            ui.notify(f"Callback {done}: {describe(saved.due_at, tz)}.", type="positive")
            if on_saved is not None:
                on_saved(saved)

        with ui.row().classes("w-full justify-end gap-2 q-mt-sm"):
            tid(ui.button("Cancel", on_click=dialog.close), "callback-dialog-cancel").props(
                "flat no-caps")
            save_button = tid(ui.button("Save", icon="event_available", on_click=save),
                              "callback-save").props("unelevated no-caps color=primary")
    dialog.on("hide", lambda: dialog.delete())
    dialog.open()
    (when_input if focus_time else phone).run_method("focus")


@dataclass(frozen=True)
class _Row:
    callback: Callback
    assignee: str
    may_change: bool


class CallbacksView:
    """/callbacks: my callbacks and the queues', live."""

    def __init__(self, services: Services, agent: Agent, shell: Shell, request: Request) -> None:
        self.services = services
        self.agent = agent
        self.service = _service(services)
        with tid(ui.column(), "callbacks-view").classes("w-full gap-3"):
            with ui.row().classes("w-full items-center"):
                ui.label("Callbacks").classes("text-h5")
                ui.space()
                tid(ui.button("New callback", icon="add_call",
                              on_click=lambda: open_callback_dialog(
                                  services, self.agent, on_saved=lambda _c: self.refresh())),
                    "callback-new").props("unelevated no-caps color=primary")
            ui.label(f"Times are in your time zone ({agent.options.time_zone}).").classes(
                "text-grey-8")
            self.body = ui.column().classes("w-full gap-3")
        follow(services.bus, lambda _e: self.refresh(), CallbackChanged, ClockAdvanced,
               owner=self.body)
        ui.timer(30.0, self.refresh)  # an upcoming one becomes overdue as time passes
        self.refresh()

    def refresh(self) -> None:
        background_tasks.create(self.load(), name="callbacks-load")

    def _read(self) -> tuple[CallbackList, dict[str, _Row]]:
        listing = self.service.listing(self.agent.id)
        queues = dict(self.service.queues())
        rows: dict[str, _Row] = {}
        for c in listing.overdue + listing.upcoming + listing.recent:
            if c.assigned_agent_id == self.agent.id:
                who = "Me"
            elif c.assigned_agent_id is not None:
                who = self.service.name_of(c.assigned_agent_id)
            else:
                who = f"Queue: {queues.get(c.queue_id or 0, 'unknown')}"
            rows[c.id] = _Row(c, who, self.service.may_change(c, self.agent.id))
        return listing, rows

    async def load(self) -> None:
        result = await run.io_bound(self._read)
        if result is None or self.body.is_deleted:
            return
        listing, rows = result
        self.body.clear()
        with self.body:
            self._section("Overdue", "overdue", [rows[c.id] for c in listing.overdue],
                          "Nothing overdue.")
            self._section("Upcoming", "upcoming", [rows[c.id] for c in listing.upcoming],
                          "No upcoming callbacks. Schedule one from an SMS interaction or "
                          "with New callback.")
            if listing.recent:
                self._section("Recently handled", "recent", [rows[c.id] for c in listing.recent],
                              "")

    def _section(self, title: str, key: str, rows: list[_Row], empty: str) -> None:
        with tid(ui.column(), "callback-section", section=key).classes("w-full gap-1"):
            ui.label(f"{title} ({len(rows)})").classes("text-subtitle1 text-weight-medium")
            if not rows:
                ui.label(empty).classes("text-grey-7")
            for row in rows:
                self._row(row, key)

    def _row(self, row: _Row, section: str) -> None:
        c = row.callback
        tz = self.agent.options.time_zone
        with tid(ui.card(), "callback-row", callback_id=c.id, state=c.state.value,
                 section=section).classes("w-full q-pa-sm parley-callback-row"):
            with ui.row().classes("w-full items-center no-wrap gap-3"):
                ui.icon("event" if section != "overdue" else "event_busy", size="1.4rem"
                        ).classes("text-negative" if section == "overdue" else "text-primary")
                with ui.column().classes("gap-0 col"):
                    tid(ui.label(describe(c.due_at, tz)), "callback-row-when").classes(
                        "text-weight-medium")
                    contact = c.contact_label
                    if c.contact_name:
                        contact += f" · {c.contact_number}"
                    tid(ui.label(contact), "callback-row-contact")
                    if c.notes:
                        ui.label(c.notes[:200]).classes("text-grey-8 parley-line-text")
                with ui.column().classes("gap-0 items-end"):
                    ui.label(row.assignee).classes("parley-chip")
                    tid(ui.label(STATE_TEXT[c.state]), "callback-row-state").classes(
                        "text-caption text-grey-8")
                if row.may_change:
                    tid(ui.button(icon="edit", on_click=lambda r=row: self.edit(r.callback)),
                        "callback-edit").props('flat round dense aria-label="Edit callback"')
                    tid(ui.button(icon="schedule",
                                  on_click=lambda r=row: self.edit(r.callback, focus_time=True)),
                        "callback-reschedule").props(
                        'flat round dense aria-label="Reschedule callback"')
                    tid(ui.button(icon="event_busy",
                                  on_click=lambda r=row: self.confirm(r.callback)),
                        "callback-cancel").props(
                        'flat round dense color=negative aria-label="Cancel callback"')

    async def edit(self, callback: Callback, focus_time: bool = False) -> None:
        await open_callback_dialog(self.services, self.agent, callback=callback,
                                   focus_time=focus_time, on_saved=lambda _c: self.refresh())

    def confirm(self, callback: Callback) -> None:
        tz = self.agent.options.time_zone
        with ui.dialog().props('aria-label="Cancel callback"') as dialog, \
                tid(ui.card(), "callback-cancel-confirm").classes("q-pa-md"):
            ui.label("Cancel this callback?").classes("text-h6")
            ui.label(f"{callback.contact_label}, {describe(callback.due_at, tz)}")
            error = tid(ui.label(), "callback-error").classes("text-negative")
            error.set_visibility(False)

            async def yes() -> None:
                try:
                    await run.io_bound(self.service.cancel, callback.id, self.agent.id)
                except CallbackError as exc:
                    error.set_text(str(exc))
                    error.set_visibility(True)
                    return
                dialog.close()
                ui.notify("Callback cancelled.")
                self.refresh()

            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Keep it", on_click=dialog.close), "callback-cancel-no").props(
                    "flat no-caps")
                tid(ui.button("Cancel callback", on_click=yes), "callback-cancel-yes").props(
                    "unelevated no-caps color=negative")
        dialog.on("hide", lambda: dialog.delete())
        dialog.open()

