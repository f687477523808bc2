"""Zoom in/out of the desktop's text, remembered per agent."""

from __future__ import annotations

from nicegui import run, ui

from domain.agents import ZOOM_STEP, clamp_zoom
from domain.system import Services
from ui.testids import tid


def apply_zoom(zoom: int) -> None:
    ui.run_javascript(f"document.body.style.zoom = '{int(zoom)}%'")


class ZoomControl:
    def __init__(self, services: Services, agent_id: int, zoom: int) -> None:
        self.services = services
        self.agent_id = agent_id
        self.zoom = zoom
        ui.add_head_html(f"<style>body {{ zoom: {int(zoom)}%; }}</style>")
        with ui.row().classes("items-center no-wrap gap-0"):
            tid(ui.button(icon="zoom_out", on_click=lambda: self.step(-1)), "zoom-out").props(
                'flat round dense color=white aria-label="Zoom out"'
            )
            self.label = tid(ui.label(), "zoom-level").classes("text-caption").style(
                "min-width: 2.6rem; text-align: center"
            )
            tid(ui.button(icon="zoom_in", on_click=lambda: self.step(1)), "zoom-in").props(
                'flat round dense color=white aria-label="Zoom in"'
            )
        self.label.set_text(f"{zoom}%")

    async def step(self, direction: int) -> None:
        wanted = clamp_zoom(self.zoom + direction * ZOOM_STEP)
        if wanted == self.zoom:
            return
        self.zoom = wanted
        self.label.set_text(f"{wanted}%")
        apply_zoom(wanted)
        await run.io_bound(self.services.agents.set_zoom, self.agent_id, wanted)
