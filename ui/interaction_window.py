"""The SMS/MMS interaction window: header, transcript, compose, wrap-up and case data.

Seeds: "Handling an SMS Page/Session Interaction". The header shows the contact, the
number, the elapsed time, the connection status and the Dynamic Contact History matrix;
the toolbar holds Done; the side panel holds the disposition, case data and notes.
Event handlers only redraw; everything that touches storage runs off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import (
    ClockAdvanced,
    FlagChanged,
    InteractionDone,
    InteractionExpired,
    InteractionQueued,
    InteractionUpdated,
    InternalMessagePosted,
    MessageReceived,
    MessageSent,
)
from domain.handling import ContactActivity, HandlingError, SendResult
from domain.interactions import Interaction, Message, Note, State
from domain.queues import Mode
from domain.system import Services
from domain.wording import plural
from ui.callback_item import attach_callback
from ui.case_data import CaseDataPanel
from ui.compose import Compose
from ui.contacts import attach_contact, history_link
from ui.elapsed import elapsed_label, show_elapsed
from ui.flag_panel import attach_flag
from ui.live import follow
from ui.mms import media_strip
from ui.safe_props import set_props
from ui.testids import tid
from ui.transcript import Transcript
from ui.transfer_controls import attach_transfer

CHANNEL_ICONS = {"sms": "sms", "mms": "image", "callback": "event"}


class InteractionWindow:
    def __init__(
        self, services: Services, agent: Agent, interaction: Interaction,
        on_closed: Callable[[str], None], on_minimise: Callable[[str], None] | None = None,
    ) -> None:
        self.services = services
        self.agent = agent
        self.interaction = interaction
        self.on_closed = on_closed
        self.on_minimise = on_minimise or on_closed
        # Wrap-up actions run in the order the agent made them: a Done clicked while the
        # disposition just chosen is still being saved waits for it (asyncio.Lock is FIFO).
        self._wrap_up = asyncio.Lock()
        self.zone = ZoneInfo(agent.options.time_zone)
        settings = services.settings
        phone = settings.section("phone")
        self.card = tid(ui.card(), "interaction", interaction_id=interaction.id,
                        mode=interaction.mode.value, state=interaction.state.value)
        self.card.classes("w-full parley-interaction q-pa-none gap-0")
        self.card.props["role"] = "region"
        self.card.props["aria-label"] = f"Interaction with {interaction.contact_label}"
        with self.card:
            self._header()
            self.error = tid(ui.label(), "interaction-error").classes(
                "w-full parley-interaction-error"
            ).props('role="alert"')
            self.error.set_visibility(False)
            self.notice = tid(ui.label(), "interaction-notice").classes(
                "w-full parley-interaction-notice"
            ).props('role="status"')
            self.notice.set_visibility(False)
            with ui.row().classes("w-full no-wrap items-stretch gap-0") as self.body:
                with ui.column().classes("col gap-0 q-pa-md parley-main-column"):
                    self.transcript = Transcript(
                        interaction.contact_label, self.zone,
                        settings.section("transcript").get("colours", {}),
                        region=phone.get("default_region", "US"),
                        dialer=phone.get("dialer_url_template") or None,
                        render_media=self._media,
                        names={agent.id: agent.display_name},
                    )
                    self.compose_area = ui.column().classes("w-full q-mt-sm gap-1")
                    # Feature panels (consultation, supervisor flag, callback context).
                    self.panels = ui.column().classes("w-full q-mt-sm gap-2")
                with ui.column().classes("parley-side q-pa-md gap-3"):
                    self.case_data = CaseDataPanel(services, agent, interaction)
                    self._wrap_up_panel()
        self._build_compose()
        self.transfer_controls = attach_transfer(self)
        attach_contact(self)  # Manual Contact Assignment (ui/contacts.py)
        self._show_state(interaction.state)
        attach_callback(self)
        attach_flag(self)
        follow(services.bus, self._on_message, MessageReceived, MessageSent,
               InternalMessagePosted, FlagChanged, owner=self.card)
        follow(services.bus, self._on_expired, InteractionExpired, owner=self.card)
        follow(services.bus, self._on_clock, ClockAdvanced, owner=self.card)
        follow(services.bus, self._on_updated, InteractionUpdated, owner=self.card)
        # The contact's other interactions come and go: keep the matrix current.
        follow(services.bus, self._on_elsewhere, InteractionQueued, InteractionDone,
               owner=self.card)
        background_tasks.create(self.reload(), name="interaction-load")

    # -- layout ---------------------------------------------------------------------------

    def _header(self) -> None:
        i = self.interaction
        with ui.row().classes("w-full items-center q-px-md q-py-sm gap-3 parley-int-head"):
            ui.icon(CHANNEL_ICONS.get(i.channel.value, "sms"), size="1.5rem").classes(
                "text-primary"
            )
            with ui.column().classes("gap-0"):
                tid(ui.label(i.contact_label), "interaction-contact-name").classes("text-h6")
                tid(ui.label(i.contact_number), "interaction-contact-phone").classes(
                    "text-grey-8"
                )
            # ticks in the browser (ui/elapsed.py); stops when a session expires
            self.elapsed = tid(elapsed_label(self.services.handling.elapsed(i)),
                               "interaction-elapsed").classes("parley-chip").props(
                'aria-label="Elapsed time"')
            self.status = tid(ui.label(), "interaction-status").classes("parley-chip")
            ui.label(f"{i.channel.value.upper()} · {i.mode.value.title()} mode").classes(
                "parley-chip"
            )
            self.in_progress = tid(ui.button("0", icon="pending_actions",
                                             on_click=self._show_recent),
                                   "history-in-progress").props("flat dense no-caps")
            with self.in_progress:
                self.in_progress_tip = ui.tooltip("No other interactions in progress")
            self.recent = tid(ui.button("0", icon="history", on_click=self._show_recent),
                              "history-recent").props("flat dense no-caps")
            with self.recent:
                self.recent_tip = ui.tooltip("No recent interactions")
            ui.space()
            # The tools and Done wrap together on narrow screens, never Done alone.
            with ui.row().classes("items-center gap-1 no-wrap q-ml-auto"):
                # Features (transfer, consultation, callback, flag) put their buttons here.
                self.toolbar = ui.row().classes("items-center gap-1 no-wrap parley-int-tools")
                self.collapse = tid(ui.button(icon="unfold_less", on_click=self._toggle),
                                    "collapse-toggle").props(
                    'flat round dense aria-label="Collapse the interaction view" '
                    'aria-expanded="true"')
                with self.collapse:
                    ui.tooltip("Collapse or expand")
                self.done_button = tid(ui.button("Done", icon="done", on_click=self.done),
                                       "done")
                self.done_button.props("unelevated no-caps color=primary")

    def _wrap_up_panel(self) -> None:
        codes = self.services.handling.disposition_codes()
        options = {"": "—"} | {c.code: c.label for c in codes}
        with ui.column().classes("w-full gap-1"):
            ui.label("Disposition").classes("text-subtitle2")
            self.disposition = tid(
                ui.select(options, value=self.interaction.disposition or "",
                          on_change=lambda e: self._set_disposition(e.value)),
                "disposition",
            ).props('outlined dense options-dense aria-label="Disposition code"').classes("w-full")
        with ui.column().classes("w-full gap-1"):
            ui.label("Notes").classes("text-subtitle2")
            self.notes = tid(ui.column(), "notes").classes("w-full gap-1")
            self.note_input = tid(ui.textarea(placeholder="Add a note to the history"),
                                  "note-input").props("outlined dense autogrow").classes("w-full")
            tid(ui.button("Add note", icon="note_add", on_click=self._add_note),
                "note-add").props("flat dense no-caps")

    def _build_compose(self) -> None:
        with self.compose_area:
            self.compose = Compose(self.services, self.agent, self.interaction,
                                   on_sent=self._sent, on_error=self.show_error)

    def _media(self, message: Message) -> None:
        media_strip(self.services, self.agent, self.interaction.id, message.media)

    # -- state ----------------------------------------------------------------------------

    def _show_elapsed(self) -> None:
        show_elapsed(self.elapsed, self.services.handling.elapsed(self.interaction))

    def _show_state(self, state: State) -> None:
        self.interaction = replace(self.interaction, state=state)
        set_props(self.card, data_state=state.value)
        self.status.set_text(self.interaction.state_label)
        self._show_elapsed()
        if state is State.EXPIRED:
            self.compose.set_enabled(False, "The session expired. Click Done to close it.")
            self.show_notice(f"{self.services.handling.expiry_text(self.interaction)} "
                             "Click Done to close it.")
        elif state is State.WRAP_UP:
            self.compose.set_enabled(False, "Reply sent. Set a disposition, then click Done.")
            self.show_notice("Reply sent. Set a disposition code, then click Done.")
        else:
            self.compose.set_enabled(True, "")

    def show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    def show_notice(self, text: str) -> None:
        self.notice.set_text(text)
        self.notice.set_visibility(bool(text))

    async def reload(self) -> None:
        handling = self.services.handling
        try:
            # The transcript first: it is what the agent came for; the rest follows.
            names, messages = await run.io_bound(self._read_transcript) or ({}, [])
            self.transcript.names.update(names)  # a transferred one has others' replies
            await self._show_messages(messages or [])
            activity = await run.io_bound(
                handling.contact_activity, self.interaction.id, self.agent.id)
            notes = await run.io_bound(handling.notes, self.interaction.id, self.agent.id)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        if activity is not None:
            self._show_activity(activity)
        self._show_notes(notes or [])

    def _read_transcript(self) -> tuple[dict[int, str], list[Message]]:
        """Worker thread: every agent's name and the transcript."""
        names = {a.id: a.display_name for a in self.services.agents.list()}
        return names, self.services.handling.transcript(self.interaction.id, self.agent.id)

    def _show_activity(self, activity: ContactActivity) -> None:
        self.activity = activity
        count = len(activity.in_progress)
        self.in_progress.set_text(str(count))
        kinds = ", ".join(f"{i.channel.value.upper()} ({i.state.value.replace('_', ' ')})"
                          for i in activity.in_progress)
        self.in_progress_tip.set_text(
            f"{plural(count, 'other interaction')} in progress: {kinds}" if count
            else "No other interactions in progress")
        self.recent.set_text(str(len(activity.recent)))
        self.recent_tip.set_text(
            f"{plural(len(activity.recent), 'recent interaction')} in the last "
            f"{self.services.handling.recent_days} days — click to see them")

    def _show_recent(self) -> None:
        if self.interaction.contact_id is not None:  # the Contact view, History tab
            ui.navigate.to(history_link(self.interaction.contact_id))
            return
        activity: ContactActivity | None = getattr(self, "activity", None)
        with ui.dialog().props('aria-label="Recent interactions"') as dialog, \
                tid(ui.card(), "history-dialog").classes("q-pa-md"):
            ui.label(f"{self.interaction.contact_label}: recent interactions").classes("text-h6")
            items = (activity.in_progress + activity.recent) if activity else ()
            labels = {c.code: c.label for c in self.services.handling.disposition_codes()}
            if not items:
                ui.label("None in the last days.").classes("text-grey-8")
            for item in items:
                with tid(ui.row(), "history-item", interaction_id=item.id).classes("gap-3"):
                    ui.label(item.created_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"))
                    ui.label(f"{item.channel.value.upper()} · {item.mode.value}")
                    ui.label(item.state.value.replace("_", " "))
                    if item.disposition:  # its label; the code when it has none any more
                        ui.label(labels.get(item.disposition, item.disposition))
            ui.button("Close", on_click=dialog.close).props("flat")
        dialog.open()

    def _show_notes(self, notes: list[Note]) -> None:
        self.notes.clear()
        with self.notes:
            for note in notes:
                with tid(ui.column(), "note").classes("gap-0 parley-note"):
                    ui.label(note.created_at.astimezone(self.zone).strftime("%H:%M")).classes(
                        "parley-messages-time text-caption")
                    ui.label(note.text).classes("parley-line-text")

    def _toggle(self) -> None:
        visible = not self.body.visible
        self.body.set_visibility(visible)
        set_props(self.collapse, icon="unfold_less" if visible else "unfold_more",
                  aria_expanded=visible)

    # -- events (redraw only) -------------------------------------------------------------

    def _on_message(self, event: MessageReceived | MessageSent | InternalMessagePosted) -> None:
        if event.interaction_id == self.interaction.id:
            background_tasks.create(self._refresh_transcript(), name="transcript-refresh")

    async def _refresh_transcript(self) -> None:
        try:
            messages = await run.io_bound(
                self.services.handling.transcript, self.interaction.id, self.agent.id)
        except HandlingError:
            return
        await self._show_messages(messages or [])

    async def _show_messages(self, messages: list[Message]) -> None:
        fresh = self.transcript.fresh(messages)
        if fresh:
            lines = await run.io_bound(self.transcript.lines, fresh)
            self.transcript.add(fresh, lines)

    def _on_elsewhere(self, event: InteractionQueued | InteractionDone) -> None:
        if (event.interaction_id != self.interaction.id
                and event.contact_number == self.interaction.contact_number):
            background_tasks.create(self._reload_activity(), name="activity-refresh")

    async def _reload_activity(self) -> None:
        try:
            activity = await run.io_bound(self.services.handling.contact_activity,
                                          self.interaction.id, self.agent.id)
        except HandlingError:
            return
        if activity is not None:
            self._show_activity(activity)

    def _on_expired(self, event: InteractionExpired) -> None:
        if event.interaction_id == self.interaction.id:
            background_tasks.create(self._expired(), name="interaction-expired")

    async def _expired(self) -> None:
        """Read it again first: the elapsed time stops where its silence ran out, which
        replies since the window opened have moved."""
        try:
            fresh = await run.io_bound(self.services.handling.owned, self.interaction.id,
                                       self.agent.id)
        except HandlingError:
            return
        if self.card.is_deleted or fresh is None:
            return
        self.interaction = fresh
        self._show_state(State.EXPIRED)
        await self._refresh_transcript()

    def _on_clock(self, _event: ClockAdvanced) -> None:
        """A test moved the application clock: the elapsed time starts from it again."""
        self._show_elapsed()

    def _on_updated(self, event: InteractionUpdated) -> None:
        if event.interaction_id != self.interaction.id:
            return
        if event.what == "wrap_up":
            self._show_state(State.WRAP_UP)
        elif event.what == "case_data":
            background_tasks.create(self.case_data.reload(), name="case-data-refresh")
        elif event.what == "notes":
            background_tasks.create(self._reload_notes(), name="notes-refresh")
        else:  # a transfer, consultation or flag changed: its system line is new
            background_tasks.create(self._refresh_transcript(), name="transcript-refresh")

    async def _reload_notes(self) -> None:
        notes = await run.io_bound(
            self.services.handling.notes, self.interaction.id, self.agent.id)
        self._show_notes(notes or [])

    # -- actions --------------------------------------------------------------------------

    def _sent(self, result: SendResult) -> None:
        self.show_error("")
        if result.closed:
            self.on_closed(self.interaction.id)
        elif result.wrap_up:
            self._show_state(State.WRAP_UP)
        elif self.interaction.mode is Mode.SESSION:
            self.on_minimise(self.interaction.id)  # seed: the window minimises after Send

    async def _set_disposition(self, code: str | None) -> None:
        try:
            async with self._wrap_up:
                await run.io_bound(self.services.handling.set_disposition,
                                   self.interaction.id, self.agent.id, code or None)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.interaction = replace(self.interaction, disposition=code or None)
        self.show_error("")

    async def _add_note(self) -> None:
        text = self.note_input.value or ""
        try:
            async with self._wrap_up:
                await run.io_bound(self.services.handling.add_note, self.interaction.id,
                                   self.agent.id, text)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.note_input.set_value("")
        self.show_error("")

    async def done(self) -> None:
        try:
            async with self._wrap_up:
                await run.io_bound(self.services.handling.done, self.interaction.id,
                                   self.agent.id)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.on_closed(self.interaction.id)

