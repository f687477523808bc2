"""The main window: the workspace an agent lives in, and the not-yet-built sections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, run, ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from domain.agents import Agent
from domain.events import ConsultationChanged, InteractionAccepted, InteractionExpired
from domain.handling import HandlingError
from domain.interactions import Interaction
from domain.system import Services
from ui.callbacks import CallbacksView
from ui.contacts import ContactDirectory
from ui.flags import FlagsPage
from ui.frame import DesktopState, Shell, desktop_frame, load_state
from ui.interaction_window import InteractionWindow
from ui.lessons import LessonsPage
from ui.live import follow
from ui.session import current_agent
from ui.testids import tid
from ui.transfer_controls import consultant_view

Body = Callable[[Services, Agent, Shell, Request], None]


def agent_page(
    services: Services, path: str, active: str, body: Body, supervisors_only: bool = False
) -> Callable[[], Awaitable[RedirectResponse | None]]:
    """A page behind login: no agent in this browser means the login page."""

    @ui.page(path, title="Parley")
    async def page(request: Request) -> RedirectResponse | None:
        agent = await current_agent(services)
        if agent is None:
            return RedirectResponse("/login", status_code=303)
        state: DesktopState = await run.io_bound(load_state, services, agent)
        with desktop_frame(services, agent, state, active) as shell:
            if supervisors_only and not agent.is_supervisor:
                tid(ui.label("This view is for supervisors."), "forbidden").classes(
                    "text-negative"
                )
            else:
                body(services, agent, shell, request)
        return None

    return page


class Workspace:
    """The workspace: the selected interaction's window, or a calm empty state."""

    def __init__(self, services: Services, agent: Agent, shell: Shell, request: Request) -> None:
        self.services = services
        self.agent = agent
        self.shell = shell
        self.area = tid(ui.column(), "workspace").classes("w-full gap-2")
        self.minimised: str | None = None  # the session the workspace says is in the bar
        shell.open_interaction = lambda i: background_tasks.create(self.open(i), name="open")
        follow(services.bus, self._accepted, InteractionAccepted)
        follow(services.bus, self._consulted, ConsultationChanged)
        follow(services.bus, self._expired, InteractionExpired)
        wanted = request.query_params.get("interaction")
        background_tasks.create(self.open(wanted), name="workspace-open")

    def _accepted(self, event: InteractionAccepted) -> None:
        if event.agent_id == self.agent.id:
            background_tasks.create(self.open(event.interaction_id), name="open-accepted")

    def _consulted(self, event: ConsultationChanged) -> None:
        if event.consultant_id == self.agent.id and event.active:
            background_tasks.create(self.open(event.interaction_id), name="open-consult")

    def _expired(self, event: InteractionExpired) -> None:
        if event.interaction_id == self.minimised and event.owner_id == self.agent.id:
            background_tasks.create(self._minimised_expired(event.interaction_id),
                                    name="minimised-expired")

    async def _minimised_expired(self, interaction_id: str) -> None:
        try:
            interaction = await run.io_bound(self.services.handling.owned, interaction_id,
                                             self.agent.id)
        except HandlingError:
            return
        if interaction is not None and self.minimised == interaction_id:
            self._draw_minimised("timer_off", f"{self.services.handling.expiry_text(interaction)}"
                                 " Open it from the Interaction Bar to close it.", expired=True)

    async def open(self, interaction_id: str | None) -> None:
        owned, consults, names = await run.io_bound(self._load, self.agent.id) or ([], [], {})
        self.minimised = None
        chosen = next((i for i in owned if i.id == interaction_id), None)
        consult = next((c for c, i in consults if i.id == interaction_id), None)
        if chosen is None and consult is None and owned and interaction_id is None:
            chosen = owned[-1]
        self.area.clear()
        with self.area:
            if consult is not None:
                consultant_view(self.services, self.agent, consult, names,
                                on_close=lambda: self.closed(consult.interaction_id))
            elif chosen is None:
                self.empty()
            else:
                InteractionWindow(self.services, self.agent, chosen, self.closed, self.minimise)
        if self.shell.bar:
            shown = consult.interaction_id if consult else chosen.id if chosen else None
            self.shell.bar.select(shown)

    def _load(self, agent_id: int) -> tuple[list[Interaction], list[Any], dict[int, str]]:
        """Worker thread: the agent's interactions and consultations, and the reference
        data the window reads while it is built (cached, so building touches no storage)."""
        self.services.handling.disposition_codes()
        self.services.handling.case_fields()
        names = {a.id: a.display_name for a in self.services.agents.list()}
        return (self.services.routing.owned(agent_id),
                self.services.transfers.consulting(agent_id), names)

    def closed(self, interaction_id: str) -> None:
        background_tasks.create(self.open(None), name="after-close")

    def minimise(self, interaction_id: str) -> None:
        """Session mode after Send: the window goes to the Interaction Bar."""
        self.minimised = interaction_id
        self._draw_minimised(
            "minimize", "Sent. The session is in the Interaction Bar: click it to restore.")
        if self.shell.bar:
            self.shell.bar.select(None)

    def _draw_minimised(self, icon: str, text: str, expired: bool = False) -> None:
        self.area.clear()
        with self.area:
            with tid(ui.column(), "workspace-minimised", interaction_id=self.minimised,
                     expired=str(expired).lower()).classes(
                "w-full items-center q-mt-xl gap-2"
            ):
                ui.icon(icon, size="2rem").classes("text-negative" if expired else "text-grey-5")
                ui.label(text).classes("text-grey-9" if expired else "text-grey-8").props(
                    'role="status"')

    def empty(self) -> None:
        with ui.column().classes("w-full items-center q-mt-xl gap-2"):
            ui.icon("forum", size="3rem").classes("text-grey-5")
            ui.label("No interaction is open.").classes("text-h6 text-grey-8")
            ui.label("Interactions offered to you appear as previews. Go Ready in the status "
                     "menu to receive SMS and MMS.").classes("text-grey-7")


def coming_soon(name: str) -> Body:
    def body(_services: Services, _agent: Agent, _shell: Shell, _request: Request) -> None:
        with tid(ui.column(), "coming-soon").classes("w-full items-center q-mt-xl gap-2"):
            ui.icon("construction", size="3rem").classes("text-grey-5")
            ui.label(f"{name} is coming soon.").classes("text-h6 text-grey-8")

    return body


def register(services: Services) -> None:
    agent_page(services, "/", "nav-desktop", Workspace)
    agent_page(services, "/contacts", "nav-contacts", ContactDirectory)
    agent_page(services, "/callbacks", "nav-callbacks", CallbacksView)
    agent_page(services, "/lessons", "nav-lessons", LessonsPage)
    agent_page(services, "/flags", "nav-flags", FlagsPage, supervisors_only=True)
