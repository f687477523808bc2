"""The main window: the workspace an agent lives in, and the not-yet-built sections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui
from starlette.responses import RedirectResponse

from domain.agents import Agent
from domain.system import Services
from ui.frame import DesktopState, desktop_frame, load_state
from ui.session import current_agent
from ui.testids import tid

Body = Callable[[Services, Agent], None]


def agent_page(
    services: Services, path: str, active: str, body: Body, supervisors_only: bool = False
) -> Callable[[], Awaitable[RedirectResponse | None]]:
    """A page behind login: no agent in this browser means the login page."""

    @ui.page(path, title="Parley")
    async def page() -> RedirectResponse | None:
        agent = await current_agent(services)
        if agent is None:
            return RedirectResponse("/login", status_code=303)
        state: DesktopState = await run.io_bound(load_state, services, agent)
        with desktop_frame(services, agent, state, active):
            if supervisors_only and not agent.is_supervisor:
                tid(ui.label("This view is for supervisors."), "forbidden").classes(
                    "text-negative"
                )
            else:
                body(services, agent)
        return None

    return page


def workspace(services: Services, agent: Agent) -> None:
    with tid(ui.column(), "workspace").classes("w-full items-center q-mt-xl gap-2"):
        ui.icon("forum", size="3rem").classes("text-grey-5")
        ui.label("No interaction is open.").classes("text-h6 text-grey-8")
        ui.label("Go Ready in the status menu to receive SMS and MMS interactions.").classes(
            "text-grey-7"
        )


def coming_soon(name: str) -> Body:
    def body(_services: Services, _agent: Agent) -> None:
        with tid(ui.column(), "coming-soon").classes("w-full items-center q-mt-xl gap-2"):
            ui.icon("construction", size="3rem").classes("text-grey-5")
            ui.label(f"{name} is coming soon.").classes("text-h6 text-grey-8")

    return body


def register(services: Services) -> None:
    agent_page(services, "/", "nav-desktop", workspace)
    agent_page(services, "/contacts", "nav-contacts", coming_soon("The contact directory"))
    agent_page(services, "/callbacks", "nav-callbacks", coming_soon("Callbacks"))
    agent_page(services, "/lessons", "nav-lessons", coming_soon("Lessons"))
    agent_page(services, "/flags", "nav-flags", coming_soon("Supervisor flags"),
               supervisors_only=True)
