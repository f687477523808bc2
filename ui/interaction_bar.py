"""The Interaction Bar: one item per open interaction; click to switch to it."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import (
    ConsultationChanged,
    InteractionAccepted,
    InteractionDone,
    InteractionTransferred,
    MessageReceived,
)
from domain.interactions import Channel, Interaction
from domain.system import Services
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
        follow(services.bus, self._moved, InteractionTransferred, ConsultationChanged)
        follow(services.bus, self._message, MessageReceived)
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
            for item in self.items:
                selected = item.id == self.selected
                button = ui.button(
                    item.contact_label,
                    icon=ICONS.get(item.channel, "sms"),
                    on_click=lambda i=item.id: self.on_select(i),
                ).props('no-caps role="tab"')
                tid(button, "interaction-bar-item", interaction_id=item.id,
                    state=item.state.value, unseen=str(item.id in self.unseen).lower())
                set_props(button, unelevated=selected, outline=not selected,
                          color="primary" if selected else None, aria_selected=selected)
                if item.id in self.unseen:
                    button.classes("parley-bar-unseen")
                    with button:
                        ui.badge("new", color="orange").props("floating")
            for item in self.consults:
                selected = item.id == self.selected
                button = ui.button(
                    f"Consulting: {item.contact_label}", icon="forum",
                    on_click=lambda i=item.id: self.on_select(i),
                ).props('no-caps role="tab"')
                tid(button, "interaction-bar-item", interaction_id=item.id, kind="consult",
                    state=item.state.value, unseen="false")
                set_props(button, unelevated=selected, outline=not selected,
                          color="warning" if selected else None, aria_selected=selected)
