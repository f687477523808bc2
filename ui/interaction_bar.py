"""The Interaction Bar: one item per open interaction; click to switch to it.

Each item tells its interaction apart from the others with one contact: the contact, the
kind ("SMS session", "SMS page", "MMS"), the state ("Connected", "Session expired" with an
Expired badge) and the elapsed time, which the browser ticks on (ui/elapsed.py).
Selectors: ``interaction-bar-item`` (``data-interaction-id``, ``data-state``, ``data-mode``,
``data-channel``, ``data-unseen``, ``data-kind="consult"`` for consultations) holding
``interaction-bar-contact``, ``interaction-bar-mode``, ``interaction-bar-state``,
``interaction-bar-elapsed`` (``data-elapsed``, ``data-ticking``) and, once a session
expired, ``interaction-bar-expired``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import (
    ClockAdvanced,
    ConsultationChanged,
    InteractionAccepted,
    InteractionDone,
    InteractionExpired,
    InteractionTransferred,
    InteractionUpdated,
    MessageReceived,
)
from domain.interactions import Channel, Interaction, State
from domain.system import Services
from ui.elapsed import elapsed_label
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid

ICONS = {Channel.SMS: "sms", Channel.MMS: "image", Channel.CALLBACK: "event"}


class InteractionBar:
    def __init__(
        self, services: Services, agent: Agent, on_select: Callable[[str], None]
    ) -> None:
        self.services = services
        self.agent = agent
        self.on_select = on_select
        self.items: list[Interaction] = []
        self.consults: list[Interaction] = []  # interactions this agent is consulted on
        self.selected: str | None = None
        self.unseen: set[str] = set()
        self.row = tid(ui.row(), "interaction-bar").classes(
            "parley-interaction-bar w-full items-center q-px-md gap-2 no-wrap"
        ).props('role="tablist" aria-label="Interaction Bar"')
        self.redraw()
        follow(services.bus, self._changed, InteractionAccepted, InteractionDone)
        follow(services.bus, self._state, InteractionExpired, InteractionUpdated)
        follow(services.bus, self._moved, InteractionTransferred, ConsultationChanged)
        follow(services.bus, self._message, MessageReceived)
        follow(services.bus, self._clock_moved, ClockAdvanced)
        background_tasks.create(self.reload(), name="interaction-bar-load")

    def _read(self) -> tuple[list[Interaction], list[Interaction]]:
        owned = self.services.routing.owned(self.agent.id)
        return owned, [i for _c, i in self.services.transfers.consulting(self.agent.id)]

    async def reload(self) -> None:
        self.items, self.consults = await run.io_bound(self._read) or ([], [])
        self.redraw()

    def _moved(self, event: InteractionTransferred | ConsultationChanged) -> None:
        involved = ((event.from_agent_id,) if isinstance(event, InteractionTransferred)
                    else (event.consultant_id,))
        if self.agent.id in involved:
            background_tasks.create(self.reload(), name="interaction-bar-reload")

    def _changed(self, event: InteractionAccepted | InteractionDone) -> None:
        if event.agent_id == self.agent.id:
            background_tasks.create(self.reload(), name="interaction-bar-reload")

    def _state(self, event: InteractionExpired | InteractionUpdated) -> None:
        """A session expired or a page reply waits in wrap-up: the item shows it."""
        if event.owner_id != self.agent.id:
            return
        if isinstance(event, InteractionExpired) or event.what == "wrap_up":
            background_tasks.create(self.reload(), name="interaction-bar-reload")

    def _clock_moved(self, _event: ClockAdvanced) -> None:
        """A test moved the application clock: the elapsed times start from it again."""
        if self.items or self.consults:
            self.redraw()

    def _message(self, event: MessageReceived) -> None:
        if event.owner_id == self.agent.id and event.interaction_id != self.selected:
            self.unseen.add(event.interaction_id)
            self.redraw()

    def select(self, interaction_id: str | None) -> None:
        self.selected = interaction_id
        if interaction_id:
            self.unseen.discard(interaction_id)
        self.redraw()

    def redraw(self) -> None:
        self.row.clear()
        # a tablist must hold tabs: while empty it is a plain labelled group
        set_props(self.row, role="tablist" if self.items or self.consults else "group")
        with self.row:
            if not self.items and not self.consults:
                ui.label("No interactions").classes("text-grey-8 text-caption").mark(
                    "interaction-bar-empty"
                )
            now = self.services.clock.now()
            for item in self.items:
                self._item(item, now, consult=False)
            for item in self.consults:
                self._item(item, now, consult=True)

    def _item(self, item: Interaction, now: datetime, consult: bool) -> None:
        selected = item.id == self.selected
        unseen = item.id in self.unseen and not consult
        button = ui.button(icon="forum" if consult else ICONS.get(item.channel, "sms"),
                           on_click=lambda i=item.id: self.on_select(i))
        button.props('no-caps role="tab"').classes("parley-bar-item")
        data = {"kind": "consult"} if consult else {}
        tid(button, "interaction-bar-item", interaction_id=item.id, state=item.state.value,
            mode=item.mode.value, channel=item.channel.value, unseen=str(unseen).lower(),
            **data)
        colour = "warning" if consult else "primary"
        set_props(button, unelevated=selected, outline=not selected,
                  color=colour if selected else None, aria_selected=selected)
        expired = item.state is State.EXPIRED
        with button, ui.column().classes("items-start gap-0 q-ml-sm parley-bar-text"):
            name = f"Consulting: {item.contact_label}" if consult else item.contact_label
            tid(ui.label(name), "interaction-bar-contact").classes("parley-bar-contact")
            with ui.row().classes("items-center no-wrap gap-1 parley-bar-detail"):
                tid(ui.label(item.kind_label), "interaction-bar-mode")
                ui.label("·").props('aria-hidden="true"')
                tid(ui.label(item.state_label), "interaction-bar-state")
                ui.label("·").props('aria-hidden="true"')
                tid(elapsed_label(self.services.handling.elapsed(item, now)),
                    "interaction-bar-elapsed")
        if unseen:
            button.classes("parley-bar-unseen")
        with button:
            if expired:
                tid(ui.badge("Expired", color="negative"), "interaction-bar-expired").props(
                    "floating")
            elif unseen:
                ui.badge("new", color="orange").props("floating")
