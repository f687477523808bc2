"""The Team Communicator dialog: find an internal target and act on it (seed "Starting an
instant SMS transfer": click Transfer, find the target, open its Action Menu, pick SMS
Transfer).

Search-as-you-type runs off the event loop; stale answers are dropped. Each target row
has an Action Menu button that opens its actions inside the row (so keyboard and test
automation reach them in place): Instant SMS Transfer, IM consultation (agents), and Call
where a number is known (a telephone hand-off: Parley has no voice channel).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.interactions import Interaction
from domain.routing import RoutingError
from domain.system import Services
from domain.team_communicator import Target
from ui.hand_off import call_href
from ui.safe_props import set_props
from ui.testids import tid

ICONS = {"agent": "person", "queue": "groups", "routing_point": "alt_route", "flow": "account_tree"}
KIND_TEXT = {"agent": "Agent", "queue": "Queue", "routing_point": "Routing point",
             "flow": "Flow"}


class TeamCommunicator:
    """A dialog opened by Transfer or Consult in an interaction window."""

    def __init__(
        self, services: Services, agent: Agent, interaction: Interaction, purpose: str,
        on_done: Callable[[str, Target], None],
    ) -> None:
        self.services = services
        self.agent = agent
        self.interaction = interaction
        self.purpose = purpose  # "transfer" | "consult": the title and the first action
        self.on_done = on_done
        self.open_menu: str | None = None
        self.asked = 0
        self.targets: list[Target] = []
        title = ("Instant SMS Transfer" if purpose == "transfer" else "Start Consultation")
        with ui.dialog() as self.dialog, tid(ui.card(), "team-communicator").classes(
                "parley-tc q-pa-md gap-2"):
            self.dialog.props('aria-label="Team Communicator"')
            with ui.row().classes("w-full items-center no-wrap"):
                ui.icon("groups", size="1.4rem").classes("text-primary")
                ui.label(f"Team Communicator · {title}").classes("text-h6")
                ui.space()
                tid(ui.button(icon="close", on_click=self.dialog.close), "tc-close").props(
                    'flat round dense aria-label="Close the Team Communicator"')
            ui.label(f"{interaction.contact_label} · find an agent, queue or routing point"
                     ).classes("text-grey-8")
            self.search = tid(ui.input(placeholder="Type a name", on_change=self._typed),
                              "tc-search").props(
                'outlined dense autofocus clearable aria-label="Search internal targets"'
            ).classes("w-full")
            self.error = tid(ui.label(), "tc-error").classes("text-negative").props(
                'role="alert"')
            self.error.set_visibility(False)
            self.list = tid(ui.column(), "tc-results").classes("w-full gap-1 parley-tc-list")
            self.list.props('role="list" aria-label="Internal targets"')
        self.dialog.on("hide", lambda: self.dialog.delete())
        self.dialog.open()
        self._ask("")

    # -- searching ------------------------------------------------------------------------

    def _typed(self) -> None:
        self._ask(self.search.value or "")

    def _ask(self, query: str) -> None:
        self.asked += 1
        background_tasks.create(self._search(query, self.asked), name="tc-search")

    async def _search(self, query: str, number: int) -> None:
        found = await run.io_bound(self.services.team.search, self.agent.id, query)
        if number != self.asked or self.list.is_deleted:
            return  # a newer search is under way
        self.targets = found or []
        self._draw()
        set_props(self.list, data_query=query)  # which search the list answers (for tests)

    def _draw(self) -> None:
        self.list.clear()
        with self.list:
            if not self.targets:
                ui.label("No matching agent, queue or routing point.").classes("text-grey-7")
            for target in self.targets:
                self._row(target)

    def _row(self, target: Target) -> None:
        expanded = self.open_menu == target.key
        with tid(ui.element("div"), "tc-target", target_kind=target.kind,
                 target_name=target.name, target_id=target.id,
                 ready=str(target.ready).lower()).classes("parley-tc-target w-full") as row:
            row.props('role="listitem"')
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                ui.icon(ICONS.get(target.kind, "person")).classes(
                    "text-positive" if target.ready else "text-grey-7")
                with ui.column().classes("gap-0 col"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(target.name).classes("text-weight-medium")
                        if target.recent:
                            ui.label("Recent").classes("parley-chip")
                    details = [KIND_TEXT.get(target.kind, target.kind)]
                    if target.kind == "agent":
                        details += [target.status, target.capacity_text]
                    elif target.wait_text:
                        details.append(target.wait_text)
                    tid(ui.label(" · ".join(d for d in details if d)), "tc-target-detail"
                        ).classes("text-caption text-grey-8")
                menu = tid(ui.button("Actions", icon="arrow_drop_down",
                                     on_click=lambda t=target: self._toggle(t)),
                           "tc-target-actions").props("flat dense no-caps")
                set_props(menu, aria_haspopup="menu", aria_expanded=expanded,
                          aria_label=f"Actions for {target.name}")
            if expanded:
                self._actions(target)

    def _actions(self, target: Target) -> None:
        with set_props(ui.row().classes("w-full gap-2 q-pl-xl q-pt-xs"),
                       role="menu", aria_label=f"Actions for {target.name}"):
            first = tid(ui.button("Instant SMS Transfer", icon="forward_to_inbox",
                                  on_click=lambda t=target: self._transfer(t)),
                        "tc-action-transfer").props('no-caps unelevated color=primary '
                                                    'role="menuitem"')
            if target.kind == "agent":
                consult = tid(ui.button("IM consultation", icon="forum",
                                        on_click=lambda t=target: self._consult(t)),
                              "tc-action-consult").props('no-caps outline role="menuitem"')
                if self.purpose == "consult":
                    first = consult
            if target.phone:
                call = tid(ui.link("Call", call_href(self.services, target.phone)),
                           "tc-action-call").classes("q-btn q-btn--flat parley-call-link").props(
                    'role="menuitem"')
                set_props(call, aria_label=f"Call {target.name} on {target.phone}")
        # A QBtn has no focus method of its own: focus its DOM element once it is drawn.
        ui.run_javascript(f"requestAnimationFrame(() => getHtmlElement({first.id})?.focus())")

    def _toggle(self, target: Target) -> None:
        self.open_menu = None if self.open_menu == target.key else target.key
        self._draw()

    # -- acting ---------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    async def _transfer(self, target: Target) -> None:
        transfers = self.services.transfers
        try:
            if target.kind == "agent":
                await run.io_bound(transfers.transfer_to_agent, self.interaction.id,
                                   self.agent.id, target.id)
            else:
                await run.io_bound(transfers.transfer_to_queue, self.interaction.id,
                                   self.agent.id, target.id)
        except RoutingError as exc:
            self.show_error(str(exc))
            return
        self._finish("transfer", target)

    async def _consult(self, target: Target) -> None:
        try:
            await run.io_bound(self.services.transfers.consult, self.interaction.id,
                               self.agent.id, target.id)
        except RoutingError as exc:
            self.show_error(str(exc))
            return
        self._finish("consult", target)

    def _finish(self, action: str, target: Target) -> None:
        # The service's events may already have closed the window this dialog lives in.
        if not self.dialog.is_deleted:
            self.dialog.close()
        self.on_done(action, target)
