"""The agent's own preferences: how new previews get their attention."""

from __future__ import annotations

from nicegui import run, ui

from domain.agents import Agent
from domain.system import Services
from ui.testids import tid

ASK_NOTIFICATIONS = (
    "if ('Notification' in window && Notification.permission === 'default') "
    "Notification.requestPermission();"
)


class PreferencesMenu:
    def __init__(self, services: Services, agent: Agent) -> None:
        self.services = services
        self.agent = agent
        with tid(ui.button(icon="tune"), "preferences").props(
            'flat round color=white aria-label="Preferences"'
        ):
            with ui.menu(), ui.column().classes("q-pa-md gap-1"):
                ui.label("New interaction previews").classes("text-subtitle2")
                tid(ui.switch("Move keyboard focus to them", value=agent.options.focus_preview,
                              on_change=lambda e: self.save("focus_preview", e.value)),
                    "pref-focus-preview")
                tid(ui.switch("Play a sound", value=agent.options.preview_sound,
                              on_change=lambda e: self.save("preview_sound", e.value)),
                    "pref-preview-sound")
                tid(ui.button("Allow desktop notifications",
                              on_click=lambda: ui.run_javascript(ASK_NOTIFICATIONS)),
                    "pref-notifications").props("flat dense no-caps")

    async def save(self, name: str, value: bool) -> None:
        self.agent = await run.io_bound(
            self.services.agents.set_preference, self.agent.id, name, value
        ) or self.agent
        ui.notify("Preference saved.", type="positive", timeout=1500)
