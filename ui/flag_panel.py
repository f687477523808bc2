"""The agent's side of a supervisor flag, inside the interaction window.

Seed: "To get help from a supervisor during an active messaging session, click the flag
icon and enter your message. You and your supervisor can exchange messages that aren't
visible to the customer. These messages appear in the conversation transcript."

- ``flag-supervisor`` (toolbar, flag icon; ``data-raised`` true/false) opens ``flag-dialog``
  with ``flag-message`` and ``flag-raise``.
- While the flag is up, ``flag-panel`` (in the window's feature panels) shows the message,
  an internal chat (``flag-input``, ``flag-send``) and ``flag-lower``. Internal messages
  land in the window's transcript (party ``internal``), never with the contact.
- Live: a supervisor's message, or the flag lowered by a supervisor, shows at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import background_tasks, run, ui

from domain.events import FlagChanged
from domain.flags import MAX_FLAG_MESSAGE, Flag
from domain.handling import MAX_INTERNAL, HandlingError
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid

if TYPE_CHECKING:
    from ui.interaction_window import InteractionWindow


def attach_flag(window: InteractionWindow) -> FlagPanel:
    """Add the flag button and panel to an interaction window (call once, in its __init__)."""
    return FlagPanel(window)


class FlagPanel:
    def __init__(self, window: InteractionWindow) -> None:
        self.window = window
        self.services = window.services
        self.agent = window.agent
        self.interaction_id = window.interaction.id
        self.flag: Flag | None = None
        with window.toolbar:
            self.button = tid(ui.button("Flag", icon="outlined_flag", on_click=self.open_dialog),
                              "flag-supervisor", raised="false")
            self.button.props('flat dense no-caps aria-label="Flag a supervisor for help"')
            with self.button:
                self.tooltip = ui.tooltip("Get help from a supervisor")
        with window.panels:
            self.panel = tid(ui.column(), "flag-panel").classes(
                "w-full gap-1 q-pa-sm rounded-borders bg-amber-1 parley-flag-panel")
            self.panel.props('role="region" aria-label="Supervisor flag"')
            with self.panel:
                with ui.row().classes("items-center gap-2 no-wrap"):
                    ui.icon("flag", size="1.2rem").classes("text-warning")
                    self.summary = tid(ui.label(), "flag-summary").classes("text-weight-medium")
                ui.label("Messages here go to supervisors only; the contact never sees them."
                         ).classes("text-caption text-grey-8")
                with ui.row().classes("w-full items-start gap-2 no-wrap"):
                    self.input = tid(ui.input(placeholder="Message your supervisor"),
                                     "flag-input").props(
                        'outlined dense aria-label="Internal message to your supervisor"'
                    ).classes("col")
                    set_props(self.input, maxlength=MAX_INTERNAL)
                    self.input.on("keydown.enter", self.send)
                    tid(ui.button("Send", icon="send", on_click=self.send),
                        "flag-send").props("unelevated dense no-caps color=warning")
                    tid(ui.button("Lower flag", icon="flag", on_click=self.lower),
                        "flag-lower").props("outline dense no-caps")
                self.error = tid(ui.label(), "flag-error").classes("text-negative").props(
                    'role="alert"')
                self.error.set_visibility(False)
            self.panel.set_visibility(False)
        follow(self.services.bus, self._on_flag, FlagChanged, owner=window.card)
        background_tasks.create(self.reload(first=True), name="flag-load")

    # -- state ----------------------------------------------------------------------------

    def _read(self, first: bool) -> tuple[Flag | None, dict[int, str]]:
        """Worker thread: the raised flag and (once) the names internal lines show."""
        names = {a.id: a.display_name for a in self.services.agents.list()} if first else {}
        return self.services.flags.flag_for(self.interaction_id), names

    async def reload(self, first: bool = False) -> None:
        flag, names = await run.io_bound(self._read, first)
        if self.window.card.is_deleted:
            return
        self.window.transcript.names.update(names or {})
        self.show(flag)

    def show(self, flag: Flag | None) -> None:
        self.flag = flag
        raised = flag is not None
        set_props(self.button, data_raised=raised,
                  icon="flag" if raised else "outlined_flag",
                  color="warning" if raised else "grey-8",
                  aria_label="A supervisor flag is raised" if raised
                  else "Flag a supervisor for help")
        self.tooltip.set_text("Flag raised: see the panel below" if raised
                              else "Get help from a supervisor")
        self.panel.set_visibility(raised)
        if flag is not None:
            self.summary.set_text(f"Flag raised: {flag.message}")
        self.show_error("")

    def show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    def _on_flag(self, event: FlagChanged) -> None:
        if event.interaction_id == self.interaction_id:
            background_tasks.create(self.reload(), name="flag-refresh")

    # -- actions --------------------------------------------------------------------------

    def open_dialog(self) -> None:
        if self.flag is not None:
            self.input.run_method("focus")
            return
        with ui.dialog() as dialog, tid(ui.card(), "flag-dialog").classes("q-pa-md gap-2"):
            dialog.props('aria-label="Flag a supervisor"')
            ui.label("Get help from a supervisor").classes("text-h6")
            ui.label("Supervisors see this interaction and can message you; the contact "
                     "does not see these messages.").classes("text-grey-8")
            message = tid(ui.textarea(label="Your message"), "flag-message").props(
                "outlined autogrow autofocus counter"
            ).classes("w-full").style("min-width: 22rem")
            set_props(message, maxlength=MAX_FLAG_MESSAGE)
            error = tid(ui.label(), "flag-dialog-error").classes("text-negative").props(
                'role="alert"')
            error.set_visibility(False)

            async def submit() -> None:
                try:
                    flag = await run.io_bound(self.services.flags.raise_flag,
                                              self.interaction_id, self.agent.id,
                                              message.value or "")
                except HandlingError as exc:
                    error.set_text(str(exc))
                    error.set_visibility(True)
                    return
                dialog.close()
                self.show(flag)

            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Cancel", on_click=dialog.close), "flag-cancel").props(
                    "flat no-caps")
                tid(ui.button("Raise flag", icon="flag", on_click=submit), "flag-raise").props(
                    "unelevated no-caps color=warning")
        dialog.on("hide", dialog.delete)
        dialog.open()

    async def send(self) -> None:
        text = self.input.value or ""
        try:
            await run.io_bound(self.services.flags.post, self.interaction_id, self.agent.id,
                               text)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.input.set_value("")
        self.show_error("")

    async def lower(self) -> None:
        try:
            await run.io_bound(self.services.flags.lower, self.interaction_id, self.agent.id)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.show(None)
