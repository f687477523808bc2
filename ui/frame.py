"""The desktop shell every agent page shares: header, navigation, Interaction Bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nicegui import run, ui

from domain.agents import Agent
from domain.notifications import Notification
from domain.presence import Presence
from domain.system import Services
from ui.channel_status import channel_status
from ui.elapsed import install_ticker
from ui.interaction_bar import InteractionBar
from ui.lesson_panel import lesson_panel
from ui.my_messages import MyMessages
from ui.preferences import PreferencesMenu
from ui.preview import PreviewStack
from ui.safe_props import set_props
from ui.session import forget
from ui.status_menu import StatusMenu
from ui.testids import tid
from ui.zoom import ZoomControl

CSS = Path(__file__).resolve().parent.parent / "assets" / "css" / "parley.css"


@dataclass(frozen=True)
class NavItem:
    testid: str
    label: str
    icon: str
    path: str
    supervisors_only: bool = False


NAVIGATION = (
    NavItem("nav-desktop", "Workspace", "forum", "/"),
    NavItem("nav-contacts", "Contacts", "contacts", "/contacts"),
    NavItem("nav-callbacks", "Callbacks", "event", "/callbacks"),
    NavItem("nav-lessons", "Lessons", "school", "/lessons"),
    NavItem("nav-flags", "Flags", "flag", "/flags", supervisors_only=True),
)


@dataclass(frozen=True)
class DesktopState:
    presence: Presence
    notes: list[Notification]
    unread: int


def load_state(services: Services, agent: Agent) -> DesktopState:
    """Everything the shell shows, read in one go off the event loop."""
    return DesktopState(
        presence=services.presence.get(agent.id),
        notes=services.notifications.recent(agent.id),
        unread=services.notifications.unread_count(agent.id),
    )


def add_styles() -> None:
    ui.add_head_html(f"<style>{CSS.read_text(encoding='utf-8')}</style>")


@dataclass
class Shell:
    """What a page body can use of the shell. ``open_interaction`` shows an interaction:
    the workspace page opens it in place, other pages go to the workspace."""

    bar: InteractionBar | None = None
    previews: PreviewStack | None = None
    open_interaction: Callable[[str], None] = field(
        default=lambda i: ui.navigate.to(f"/?interaction={i}")
    )


@contextmanager
def desktop_frame(
    services: Services, agent: Agent, state: DesktopState, active: str
) -> Iterator[Shell]:
    """Build the shell; the ``with`` body fills the workspace."""
    shell = Shell()
    add_styles()
    install_ticker()  # elapsed times tick in the browser (ui/elapsed.py)
    ui.page_title("Parley")
    with ui.header().classes("parley-header items-center q-px-md q-py-xs gap-3"):
        ui.label("Parley").classes("text-h6 text-weight-bold").props('role="banner"')
        tid(ui.label(agent.display_name), "agent-name").classes("text-subtitle2")
        StatusMenu(services, agent.id, state.presence)
        channel_status(services, agent.id)
        ui.space()
        ZoomControl(services, agent.id, agent.options.zoom)
        PreferencesMenu(services, agent)
        MyMessages(services, agent.id, agent.options.time_zone, state.notes, state.unread)
        tid(ui.button("Log out", icon="logout", on_click=lambda: log_out(services, agent)),
            "logout").props("flat no-caps color=white")
    with ui.left_drawer(value=True, fixed=True).props("width=180 bordered").classes("q-pa-none"):
        with ui.column().classes("w-full gap-0").props('role="navigation" aria-label="Main"'):
            for item in NAVIGATION:
                if item.supervisors_only and not agent.is_supervisor:
                    continue
                selected = item.testid == active
                link = ui.button(item.label, icon=item.icon,
                                 on_click=lambda p=item.path: ui.navigate.to(p))
                link.props("flat no-caps align=left")
                set_props(link, color="primary" if selected else "grey-9")
                link.classes("w-full")
                if selected:
                    link.props('aria-current="page"')
                tid(link, item.testid)
    shell.bar = InteractionBar(services, agent, lambda i: shell.open_interaction(i))
    shell.previews = PreviewStack(services, agent)
    lesson_panel(services, agent)  # the running lesson's steps (ui/lesson_panel.py)
    with ui.column().classes("w-full q-pa-md"):
        yield shell


async def log_out(services: Services, agent: Agent) -> None:
    await run.io_bound(services.log_out, agent.id)
    forget()
    ui.navigate.to("/login")
