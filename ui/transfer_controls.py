"""Transfer and consultation controls of the interaction window (seed toolbar: Instant SMS
Transfer, Start Consultation), the consultation panel both agents see, and the consulted
agent's read-only view.

Redraws follow events: a declined or timed-out invitation shows its reason at the top of
the window (``interaction-error``; My Messages has it too), an accepted transfer closes
the window, a consultation opens or closes the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import (
    ConsultationChanged,
    InteractionTransferred,
    InteractionUpdated,
    InternalMessagePosted,
    InvitationFailed,
)
from domain.handling import HandlingError
from domain.interactions import Message, Party
from domain.routing import RoutingError
from domain.system import Services
from domain.team_communicator import Target
from domain.transfers import Consultation, PendingTransfer
from ui.live import follow
from ui.observer import ObserverView
from ui.team_communicator import TeamCommunicator
from ui.testids import tid

if TYPE_CHECKING:
    from ui.interaction_window import InteractionWindow


class ConsultPanel:
    """The consultation panel: its internal messages, a message box, End, and for the
    owner "Transfer to <consultant>"."""

    def __init__(self, services: Services, agent: Agent, consultation: Consultation,
                 names: dict[int, str]) -> None:
        self.services = services
        self.agent = agent
        self.consultation = consultation
        self.names = names
        owner = agent.id == consultation.owner_id
        other = consultation.consultant_id if owner else consultation.owner_id
        state = "active" if consultation.active else "pending"
        self.card = tid(ui.card(), "consult-panel", consultation_id=consultation.id,
                        state=state).classes("w-full q-pa-sm gap-2 parley-consult")
        self.card.props['role'] = "region"
        self.card.props['aria-label'] = "Consultation"
        other_name = names.get(other, "a colleague")
        with self.card:
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                ui.icon("forum").classes("text-warning")
                if consultation.active:
                    ui.label(f"Consultation with {other_name}").classes("text-subtitle2")
                else:
                    ui.label(f"Waiting for {other_name} to accept the consultation…"
                             ).classes("text-subtitle2")
                ui.space()
                ui.label("Internal: the contact never sees these messages").classes(
                    "text-caption text-grey-8")
            self.log = tid(ui.column(), "consult-messages").classes("w-full gap-1")
            self.error = tid(ui.label(), "consult-error").classes("text-negative").props(
                'role="alert"')
            self.error.set_visibility(False)
            with ui.row().classes("w-full items-end no-wrap gap-2"):
                self.input = tid(ui.textarea(placeholder="Internal message"),
                                 "consult-input").props(
                    'outlined dense autogrow aria-label="Internal message"').classes("col")
                self.input.set_enabled(consultation.active)
                self.input.on("keydown.ctrl.enter", self.send)
                send = tid(ui.button("Send", icon="send", on_click=self.send),
                           "consult-send").props("no-caps unelevated color=warning")
                send.set_enabled(consultation.active)
            with ui.row().classes("gap-2"):
                tid(ui.button("End consultation" if consultation.active else "Cancel",
                              icon="call_end", on_click=self.end),
                    "consult-end").props("no-caps outline color=negative")
                if owner and consultation.active:
                    tid(ui.button(f"Transfer to {other_name}", icon="forward_to_inbox",
                                  on_click=self.transfer), "consult-transfer").props(
                        "no-caps outline")
        follow(services.bus, self._posted, InternalMessagePosted, owner=self.card)
        background_tasks.create(self.reload(), name="consult-log")

    def _posted(self, event: InternalMessagePosted) -> None:
        if event.interaction_id == self.consultation.interaction_id:
            background_tasks.create(self.reload(), name="consult-log")

    async def reload(self) -> None:
        try:
            messages = await run.io_bound(self.services.handling.transcript,
                                          self.consultation.interaction_id, self.agent.id)
        except HandlingError:
            return
        since = self.consultation.started_at or self.consultation.created_at
        self._draw([m for m in messages or []
                    if m.party is Party.INTERNAL and m.created_at >= since])

    def _draw(self, messages: list[Message]) -> None:
        if self.log.is_deleted:
            return
        self.log.clear()
        with self.log:
            for message in messages[-20:]:
                with tid(ui.row(), "consult-message").classes("gap-2 no-wrap"):
                    ui.label(self.names.get(message.agent_id or 0, "Agent") + ":").classes(
                        "text-weight-medium")
                    ui.label(message.text).classes("parley-line-text")

    def show_error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    async def send(self) -> None:
        text = self.input.value or ""
        try:
            await run.io_bound(self.services.handling.post_internal,
                               self.consultation.interaction_id, self.agent.id, text)
        except HandlingError as exc:
            self.show_error(str(exc))
            return
        self.input.set_value("")
        self.show_error("")

    async def end(self) -> None:
        try:
            await run.io_bound(self.services.transfers.end_consultation,
                               self.consultation.id, self.agent.id)
        except RoutingError as exc:
            self.show_error(str(exc))

    async def transfer(self) -> None:
        try:
            await run.io_bound(self.services.transfers.consult_to_transfer,
                               self.consultation.id, self.agent.id)
        except RoutingError as exc:
            self.show_error(str(exc))


class TransferControls:
    """The owner's side: toolbar buttons, the waiting-transfer notice, the consultation."""

    def __init__(self, window: InteractionWindow) -> None:
        self.window = window
        self.services = window.services
        self.agent = window.agent
        self.names: dict[int, str] = {}
        with window.toolbar:
            # Labelled, not icon-only: an agent reads what each main action does.
            tid(ui.button("Transfer", icon="switch_account",
                          on_click=lambda: self._open("transfer")),
                "transfer").props('flat dense no-caps aria-label="Instant SMS Transfer"'
                                  ).tooltip("Instant SMS Transfer")
            tid(ui.button("Consult", icon="forum", on_click=lambda: self._open("consult")),
                "consult").props('flat dense no-caps aria-label="Start Consultation"'
                                 ).tooltip("Start Consultation")
        with window.panels:
            self.area = tid(ui.column(), "transfer-area").classes("w-full gap-2")
        bus, card = self.services.bus, window.card
        follow(bus, self._failed, InvitationFailed, owner=card)
        follow(bus, self._transferred, InteractionTransferred, owner=card)
        follow(bus, self._changed, InteractionUpdated, ConsultationChanged, owner=card)
        background_tasks.create(self.reload(), name="transfer-state")

    @property
    def interaction_id(self) -> str:
        return self.window.interaction.id

    def _open(self, purpose: str) -> None:
        TeamCommunicator(self.services, self.agent, self.window.interaction, purpose,
                         self._done)

    def _done(self, action: str, target: Target) -> None:
        if self.window.card.is_deleted:  # the transfer's own events closed the window
            return
        self.window.show_error("")
        if action == "transfer" and target.kind != "agent":
            self.window.on_closed(self.interaction_id)  # back to routing: it is gone
            return
        background_tasks.create(self.reload(), name="transfer-state")

    def _failed(self, event: InvitationFailed) -> None:
        if event.interaction_id == self.interaction_id and event.from_agent_id == self.agent.id:
            self.window.show_error(event.reason)
            background_tasks.create(self.reload(), name="transfer-state")

    def _transferred(self, event: InteractionTransferred) -> None:
        if event.interaction_id == self.interaction_id and event.from_agent_id == self.agent.id:
            self.window.on_closed(self.interaction_id)

    def _changed(self, event: Any) -> None:
        if event.interaction_id != self.interaction_id:
            return
        if isinstance(event, ConsultationChanged) or event.what in ("transfer", "consult"):
            background_tasks.create(self.reload(), name="transfer-state")

    def _read(self) -> tuple[PendingTransfer | None, Consultation | None]:
        transfers = self.services.transfers
        if not self.names:
            self.names = {a.id: a.display_name for a in self.services.agents.list()}
        return (transfers.pending_transfer(self.interaction_id),
                transfers.consultation_of(self.interaction_id))

    async def reload(self) -> None:
        found = await run.io_bound(self._read)
        if found is None or self.area.is_deleted:
            return
        pending, consultation = found
        self.area.clear()
        with self.area:
            if pending is not None:
                with tid(ui.row(), "transfer-pending", offer_id=pending.offer.id).classes(
                        "w-full items-center gap-2 parley-interaction-notice"):
                    ui.icon("hourglass_top")
                    text = (f"Waiting for {pending.target_name} to have room for the transfer."
                            if pending.offer.waiting else
                            f"Transfer invitation sent to {pending.target_name}. "
                            "Waiting for an answer…")
                    ui.label(text).props('role="status"')
                    ui.space()
                    tid(ui.button("Cancel transfer", on_click=self._cancel),
                        "transfer-cancel").props("flat dense no-caps")
            if consultation is not None:
                ConsultPanel(self.services, self.agent, consultation, self.names)

    async def _cancel(self) -> None:
        try:
            await run.io_bound(self.services.transfers.cancel_transfer, self.interaction_id,
                               self.agent.id)
        except RoutingError as exc:
            self.window.show_error(str(exc))
            return
        await self.reload()


def attach_transfer(window: InteractionWindow) -> TransferControls:
    return TransferControls(window)


def consultant_view(services: Services, agent: Agent, consultation: Consultation,
                    names: dict[int, str], on_close: Callable[[], None] | None = None,
                    ) -> ObserverView:
    """What the consulted agent sees: the contact transcript, read-only and live, with the
    consultation panel under it. When the consultation ends (either side, Done, a
    transfer) the view turns read-only at once and says why; ``on_close`` closes it."""
    owner = names.get(consultation.owner_id, "a colleague")

    def panel(column: ui.column) -> None:
        with column:
            ConsultPanel(services, agent, consultation, names)

    view = ObserverView(services, agent, consultation.interaction_id,
                        f"Consultation with {owner}", panel_builder=panel, on_close=on_close)

    def ended(event: ConsultationChanged) -> None:
        if event.consultation_id == consultation.id and not event.active:
            view.end(f"{event.reason or 'The consultation ended.'} You no longer follow "
                     "this interaction.", "Consultation ended")

    follow(services.bus, ended, ConsultationChanged, owner=view.card)
    return view
