"""Callbacks inside the interaction window.

- An SMS or MMS interaction gets Schedule Callback in its toolbar (opens New Callback with
  the contact's number).
- A callback work item (channel ``callback``) shows its context (when, by whom, notes), a
  telephone hand-off (``tel:`` or the configured dialer: Parley has no voice channel) and
  New SMS, which reveals the window's compose to text the contact from the centre number.
  Sending closes it (page mode) or waits for a disposition; Done closes it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from nicegui import ui

from domain.callbacks import describe
from domain.interactions import Channel
from ui.callbacks import open_callback_dialog
from ui.hand_off import call_href
from ui.testids import tid

if TYPE_CHECKING:
    from ui.interaction_window import InteractionWindow


def attach_callback(window: InteractionWindow) -> None:
    interaction = window.interaction
    if window.services.callbacks is None:
        return
    if interaction.channel in (Channel.SMS, Channel.MMS):
        with window.toolbar:
            button = tid(ui.button("Callback", icon="event", on_click=lambda: open_callback_dialog(
                window.services, window.agent, interaction=window.interaction)),
                "schedule-callback")
            button.props('flat dense no-caps aria-label="Schedule Callback"')
            with button:
                ui.tooltip("Schedule Callback")
    elif interaction.channel is Channel.CALLBACK:
        _work_item(window)


def _work_item(window: InteractionWindow) -> None:
    interaction = window.interaction
    data = interaction.case_data
    tz = window.agent.options.time_zone
    href = call_href(window.services, interaction.contact_number)
    window.compose_area.set_visibility(False)  # until New SMS
    with window.panels:
        with tid(ui.card(), "callback-context", callback_id=interaction.id).classes(
                "w-full q-pa-sm parley-callback-context"):
            with ui.row().classes("items-center gap-2"):
                ui.icon("event", size="1.3rem").classes("text-primary")
                ui.label("Scheduled callback").classes("text-subtitle1 text-weight-medium")
            with ui.element("dl").classes("parley-case-data w-full"):
                scheduled = data.get("scheduled_for")
                when = "—"
                if isinstance(scheduled, str):
                    try:
                        when = describe(datetime.fromisoformat(scheduled), tz)
                    except ValueError:
                        when = scheduled
                for label, value, key in (
                    ("Scheduled for", when, "when"),
                    ("Scheduled by", str(data.get("scheduled_by") or "—"), "by"),
                    ("Notes", str(data.get("callback_notes") or "—"), "notes"),
                ):
                    with ui.element("dt").classes("text-grey-8"):
                        ui.label(label)
                    with tid(ui.element("dd"), f"callback-context-{key}"):
                        ui.label(value).classes("parley-line-text")
            with ui.row().classes("items-center gap-2 q-mt-xs"):
                call = tid(ui.link("", href, new_tab=False), "callback-call")
                call.classes("row inline no-wrap items-center q-px-md q-py-xs rounded-borders "
                             "text-primary").style(
                    "border: 1px solid currentColor; text-decoration: none; gap: 0.4rem")
                call.props["title"] = f"Call {interaction.contact_number} ({href})"
                call.props["rel"] = "noopener noreferrer"
                with call:
                    ui.icon("call", size="1.1rem")
                    ui.label(f"Call {interaction.contact_number}")

                def new_sms() -> None:
                    window.compose_area.set_visibility(True)
                    sms.set_visibility(False)
                    window.compose.focus()

                sms = tid(ui.button("New SMS", icon="sms", on_click=new_sms), "new-sms").props(
                    "unelevated no-caps color=primary")
            ui.label("Calls go through your phone or dialer; Parley records the outcome "
                     "with the disposition and Done.").classes("text-caption text-grey-7")
