"""The status menu: Ready / Not Ready (with reasons) for the SMS channel."""

from __future__ import annotations

from nicegui import run, ui

from domain.events import PresenceChanged
from domain.presence import Presence, PresenceError, Status
from domain.system import Services
from ui.live import follow
from ui.preferences import ASK_NOTIFICATIONS
from ui.safe_props import set_props
from ui.testids import tid


class StatusMenu:
    def __init__(self, services: Services, agent_id: int, presence: Presence) -> None:
        self.services = services
        self.agent_id = agent_id
        with tid(ui.button(), "status-menu").props("flat no-caps color=white") as button:
            button.props('aria-label="My status"')
            self.dot = ui.element("span").classes("parley-status-dot q-mr-sm")
            self.label = tid(ui.label(), "agent-status").props('aria-live="polite"')
            with ui.menu().props('role="menu"'):
                tid(ui.menu_item("Ready", lambda: self.change(None, ready=True)), "status-ready"
                    ).props('role="menuitem"')
                tid(
                    ui.menu_item("Not Ready", lambda: self.change(None, ready=False)),
                    "status-not-ready",
                ).props('role="menuitem"')
                ui.separator()
                for reason in services.presence.not_ready_reasons:
                    item = ui.menu_item(
                        f"Not Ready - {reason}",
                        lambda r=reason: self.change(r, ready=False),
                    )
                    tid(item, "status-not-ready-reason", reason=reason)
                    item.props('role="menuitem"')
                    # a second marker per reason lets UI tests pick one (mark() replaces)
                    slug = reason.lower().replace(" ", "-")
                    item.mark("status-not-ready-reason", f"status-reason-{slug}")
        self.show(presence)
        follow(services.bus, self._on_change, PresenceChanged)

    def show(self, presence: Presence) -> None:
        self.label.set_text(presence.label)
        set_props(self.label, data_status=presence.status.value)
        self.dot.classes(
            replace=f"parley-status-dot q-mr-sm {presence.status.value}"
        )

    def _on_change(self, event: PresenceChanged) -> None:
        if event.agent_id == self.agent_id:
            self.show(Presence(event.agent_id, Status(event.status), event.reason, event.since))

    async def change(self, reason: str | None, *, ready: bool) -> None:
        presence = self.services.presence
        try:
            if ready:
                # Going Ready is a click: the moment a browser lets a page ask to notify.
                ui.run_javascript(ASK_NOTIFICATIONS)
                result = await run.io_bound(presence.set_ready, self.agent_id)
            else:
                result = await run.io_bound(presence.set_not_ready, self.agent_id, reason)
        except PresenceError as exc:
            ui.notify(str(exc), type="warning")
            return
        if result is not None:
            self.show(result)
