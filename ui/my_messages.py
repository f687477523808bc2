"""My Messages: the agent's notifications with their time and an unread count."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui

from domain.events import NotificationAdded, NotificationsRead
from domain.notifications import Level, Notification
from domain.system import Services
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid

ICONS = {Level.INFO: "info", Level.WARNING: "warning", Level.ERROR: "error"}


class MyMessages:
    def __init__(
        self, services: Services, agent_id: int, time_zone: str,
        notes: list[Notification], unread: int,
    ) -> None:
        self.services = services
        self.agent_id = agent_id
        self.zone = ZoneInfo(time_zone)
        self.notes = notes
        self.unread = unread
        with tid(ui.button(icon="notifications"), "my-messages").props(
            'flat round color=white aria-label="My Messages"'
        ) as self.button:
            self.badge = tid(ui.badge("", color="red").props("floating"), "my-messages-unread")
            menu = ui.menu().props('aria-label="My Messages list"')
            menu.on_value_change(self._opened)
            with menu:
                with ui.column().classes("q-pa-sm gap-1").style("min-width: 22rem"):
                    ui.label("My Messages").classes("text-subtitle1 text-weight-medium")
                    self.list = ui.column().classes("w-full gap-1").props('role="log"')
        self.redraw()
        follow(services.bus, self._on_added, NotificationAdded)
        follow(services.bus, self._on_read, NotificationsRead)

    def redraw(self) -> None:
        self.badge.set_text(str(self.unread))
        self.badge.set_visibility(self.unread > 0)
        set_props(self.button, aria_label=f"My Messages, {self.unread} unread")
        self.list.clear()
        with self.list:
            if not self.notes:
                ui.label("No messages yet.").classes("text-grey-7")
            for note in self.notes:
                with tid(ui.row(), "my-messages-item", level=note.level.value,
                         read=str(note.read).lower()).classes(
                    "items-start no-wrap gap-2" + ("" if note.read else " parley-unread")
                ):
                    ui.icon(ICONS[note.level]).classes("q-mt-xs")
                    ui.label(note.created_at.astimezone(self.zone).strftime("%H:%M:%S")).classes(
                        "parley-messages-time"
                    )
                    ui.label(note.text)

    async def _reload(self) -> None:
        service = self.services.notifications
        self.notes = await run.io_bound(service.recent, self.agent_id) or []
        self.unread = await run.io_bound(service.unread_count, self.agent_id) or 0
        self.redraw()

    def _on_added(self, event: NotificationAdded) -> None:
        if event.agent_id == self.agent_id:
            background_tasks.create(self._reload(), name="my-messages-reload")

    def _on_read(self, event: NotificationsRead) -> None:
        if event.agent_id == self.agent_id:
            self.unread = 0
            self.badge.set_visibility(False)

    async def _opened(self, event: object) -> None:
        if getattr(event, "value", False):
            await self.mark_read()

    async def mark_read(self) -> None:
        if self.unread:
            await run.io_bound(self.services.notifications.mark_all_read, self.agent_id)
