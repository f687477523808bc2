"""A read-only, live view of someone else's interaction (a supervisor answering a flag, a
colleague consulted over IM).

Usage (inside a page, in the container it should appear in)::

    view = ObserverView(services, agent, interaction_id, "Flag raised by Alice Anders",
                        panel_builder=lambda column: ...)  # optional extra controls

- Shows a header (``title``, the contact's name ``observer-contact-name`` and number
  ``observer-contact-phone``, the state ``observer-state``), and a live
  :class:`ui.transcript.Transcript` with every party, internal lines included, and the
  images of MMS (served because a viewer rule admits the agent). There is no compose.
- ``panel_builder(column)`` is called once, under the transcript, to add feature controls
  (an internal chat, End/Lower buttons); ``view.panel`` is that column.
- It reloads by itself on MessageReceived, MessageSent, InternalMessagePosted,
  InteractionUpdated, InteractionExpired and InteractionDone for its interaction; call
  :meth:`refresh` after anything else that adds lines (a system line of your feature).
- Access is checked on the server (``HandlingService.viewed``). When the view ends — the
  agent may no longer see it (a consultation ended, a flag was lowered) or the interaction
  was closed — :meth:`end` turns it read-only at once: the notice (``observer-notice``)
  says why, the state chip names the end ("Consultation ended", "Closed"), the feature
  panel goes, the card gets ``data-ended="true"``, and ``observer-close`` (with
  ``on_close``) closes it. ``view.gone`` is then True; ``on_gone`` (optional) is called
  once.
- ``view.card`` is the root element (``observer``, ``data-interaction-id``,
  ``data-state``, ``data-ended``); ``view.interaction`` the last loaded Interaction (None
  before loading).
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import (
    InteractionDone,
    InteractionExpired,
    InteractionUpdated,
    InternalMessagePosted,
    MessageReceived,
    MessageSent,
)
from domain.handling import HandlingError
from domain.interactions import OWNED_STATES, Interaction, Message, State
from domain.system import Services
from ui.live import follow
from ui.mms import media_strip
from ui.safe_props import set_props
from ui.testids import tid
from ui.transcript import Transcript

PanelBuilder = Callable[[ui.column], None]

CLOSED = "Closed"  # what a viewer reads of a done interaction


class ObserverView:
    def __init__(
        self, services: Services, agent: Agent, interaction_id: str, title: str,
        panel_builder: PanelBuilder | None = None,
        on_gone: Callable[[], None] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.agent = agent
        self.interaction_id = interaction_id
        self.interaction: Interaction | None = None
        self.on_gone = on_gone
        self.gone = False
        self.zone = ZoneInfo(agent.options.time_zone)
        settings = services.settings
        phone = settings.section("phone")
        self.card = tid(ui.card(), "observer", interaction_id=interaction_id, state="",
                        ended="false")
        self.card.classes("w-full q-pa-none gap-0 parley-interaction parley-observer")
        self.card.props["role"] = "region"
        self.card.props["aria-label"] = title
        with self.card:
            with ui.row().classes("w-full items-center q-px-md q-py-sm gap-3 parley-int-head"):
                ui.icon("visibility", size="1.5rem").classes("text-primary")
                with ui.column().classes("gap-0"):
                    tid(ui.label(title), "observer-title").classes("text-subtitle2 text-grey-8")
                    self.contact_name = tid(ui.label("…"), "observer-contact-name").classes(
                        "text-h6")
                    self.contact_phone = tid(ui.label(""), "observer-contact-phone").classes(
                        "text-grey-8")
                self.state = tid(ui.label(""), "observer-state").classes("parley-chip")
                ui.label("Read-only").classes("parley-chip")
            with ui.row().classes("w-full items-center no-wrap gap-2 "
                                  "parley-interaction-notice") as self.notice_row:
                self.notice = tid(ui.label(), "observer-notice").classes("col").props(
                    'role="status"')
                if on_close is not None:
                    tid(ui.button("Close", icon="close", on_click=on_close),
                        "observer-close").props("flat dense no-caps")
            self.notice_row.set_visibility(False)
            with ui.column().classes("w-full gap-0 q-pa-md"):
                self.transcript = Transcript(
                    "Contact", self.zone, settings.section("transcript").get("colours", {}),
                    region=phone.get("default_region", "US"),
                    dialer=phone.get("dialer_url_template") or None,
                    render_media=self._media, names={agent.id: agent.display_name},
                )
                self.panel = ui.column().classes("w-full q-mt-sm gap-2")
                if panel_builder is not None:
                    panel_builder(self.panel)
        follow(services.bus, self._on_event, MessageReceived, MessageSent,
               InternalMessagePosted, InteractionUpdated, InteractionExpired, owner=self.card)
        follow(services.bus, self._on_done, InteractionDone, owner=self.card)
        background_tasks.create(self._load(first=True), name="observer-load")

    def _media(self, message: Message) -> None:
        media_strip(self.services, self.agent, self.interaction_id, message.media)

    def _on_event(self, event: object) -> None:
        if getattr(event, "interaction_id", None) == self.interaction_id:
            self.refresh()

    def _on_done(self, event: InteractionDone) -> None:
        if event.interaction_id == self.interaction_id:
            self.end("The interaction is closed.", CLOSED, state="done")

    def refresh(self) -> None:
        """Reload the state and any new transcript lines (off the event loop)."""
        if not self.gone:
            background_tasks.create(self._load(), name="observer-refresh")

    def show_notice(self, text: str) -> None:
        self.notice.set_text(text)
        self.notice_row.set_visibility(bool(text))

    def end(self, text: str, label: str, state: str | None = None) -> None:
        """The view stops following the interaction, at once and for good: read-only,
        saying why (``text``) and how it ended (``label`` in the state chip)."""
        if self.card.is_deleted:
            return
        first = not self.gone
        self.gone = True
        self.show_notice(text)
        self.state.set_text(label)
        set_props(self.card, data_ended=True, **({"data_state": state} if state else {}))
        self.panel.set_visibility(False)  # no chat, End or Lower on something over
        if first and self.on_gone is not None:
            self.on_gone()

    def _read(self, first: bool) -> tuple[Interaction, list[Message], dict[int, str]]:
        """Worker thread: the interaction, its transcript and (first time) agents' names."""
        handling = self.services.handling
        interaction = handling.viewed(self.interaction_id, self.agent.id)
        messages = handling.transcript(self.interaction_id, self.agent.id)
        names = {a.id: a.display_name for a in self.services.agents.list()} if first else {}
        return interaction, messages, names

    async def _load(self, first: bool = False) -> None:
        try:
            interaction, messages, names = await run.io_bound(self._read, first)
        except HandlingError:
            if not self.gone:  # an end that said why stays as it was
                self.end("You can no longer see this interaction.", "Ended")
            return
        if self.card.is_deleted or self.gone:  # ended while this was read
            return
        self.transcript.names.update(names)
        self.transcript.contact_label = interaction.contact_label
        self.interaction = interaction
        self.contact_name.set_text(interaction.contact_label)
        self.contact_phone.set_text(interaction.contact_number)
        self.state.set_text(interaction.state_label)
        set_props(self.card, data_state=interaction.state.value)
        fresh = self.transcript.fresh(messages)
        if fresh:
            lines = await run.io_bound(self.transcript.lines, fresh)
            if self.card.is_deleted:  # the page went away while the lines were read
                return
            self.transcript.add(fresh, lines)
        if interaction.state is State.DONE:
            self.end("The interaction is closed.", CLOSED)
        elif interaction.state not in OWNED_STATES:
            self.show_notice("Nobody is handling this interaction now.")
