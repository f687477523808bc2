"""Case Information: the case data attached to an interaction; editable fields can change.

Hyperlink fields open in a new tab and show their address on hover (seed step 2).
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from domain.agents import Agent
from domain.case_data import CaseDataField, FieldKind
from domain.handling import HandlingError, is_web_address
from domain.interactions import Interaction
from domain.links import normalise_url
from domain.system import Services
from ui.testids import tid


class CaseDataPanel:
    def __init__(self, services: Services, agent: Agent, interaction: Interaction) -> None:
        self.services = services
        self.agent = agent
        self.interaction = interaction
        self.fields: list[CaseDataField] = services.handling.case_fields()
        with ui.column().classes("w-full gap-1"):
            ui.label("Case information").classes("text-subtitle2")
            self.box = tid(ui.element("dl"), "case-data").classes("parley-case-data w-full")
            self.error = tid(ui.label(), "case-data-error").classes("text-negative text-caption")
            self.error.set_visibility(False)
        self.show(interaction.case_data)

    def show(self, data: dict[str, Any]) -> None:
        self.box.clear()
        with self.box:
            for field in self.fields:
                value = str(data.get(field.key, "") or "")
                with ui.element("dt").classes("text-grey-8"):
                    ui.label(field.label)
                with tid(ui.element("dd"), "case-data-field", key=field.key):
                    if field.editable:
                        box = tid(ui.input(value=value), "case-data-input", key=field.key)
                        box.props("dense outlined")
                        box.props["aria-label"] = field.label
                        box.on("blur", lambda e, f=field: self.save(f, e.sender.value))
                        box.on("keydown.enter", lambda e, f=field: self.save(f, e.sender.value))
                    elif field.kind is FieldKind.URL and is_web_address(value):
                        address, href = normalise_url(value)
                        link = tid(ui.link(address, href or "#", new_tab=True), "case-data-link")
                        link.props["title"] = address
                        link.props["rel"] = "noopener noreferrer"
                    else:
                        ui.label(value or "—")

    async def reload(self) -> None:
        try:
            interaction = await run.io_bound(
                self.services.handling.owned, self.interaction.id, self.agent.id)
        except HandlingError:
            return
        if interaction is not None:
            self.interaction = interaction
            self.show(interaction.case_data)

    async def save(self, field: CaseDataField, value: Any) -> None:
        value = str(value or "")
        if value == str(self.interaction.case_data.get(field.key, "") or ""):
            return
        try:
            data = await run.io_bound(self.services.handling.set_case_value,
                                      self.interaction.id, self.agent.id, field.key, value)
        except HandlingError as exc:
            self.error.set_text(str(exc))
            self.error.set_visibility(True)
            return
        self.error.set_visibility(False)
        if data is not None:
            self.interaction.case_data.clear()
            self.interaction.case_data.update(data)
