"""The Contact Directory (``/contacts``): search, contact information, contact history,
party actions (Call, E-mail, New SMS), the New SMS view and Manual Contact Assignment.

Seeds: "Creating an Outbound SMS Interaction", "Party Actions", "Managing Contact History",
"Manual Contact Assignment". Every storage call runs off the event loop (``run.io_bound``);
event handlers only redraw.

For the interaction window: :func:`party_actions` builds the Contact Action menu,
:func:`open_new_sms` opens the New SMS view (below an interaction when given a container),
:func:`open_assign_dialog` and :func:`attach_contact` give Manual Contact Assignment.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui
from starlette.requests import Request

from domain.agents import Agent
from domain.contact_directory import (
    MAX_IMPORT_BYTES,
    ContactChanged,
    ContactError,
    ContactPage,
    HistoryEntry,
    HistoryStatus,
    ImportPreview,
    display_phone,
)
from domain.contacts import Contact
from domain.handling import HandlingError, SendResult
from domain.interactions import Channel, Direction, Interaction, State
from domain.queues import Mode
from domain.system import Services
from domain.wording import plural
from ui.compose import Compose
from ui.frame import Shell
from ui.hand_off import call_href
from ui.live import follow
from ui.mms import media_strip
from ui.safe_props import set_props
from ui.testids import tid
from ui.transcript import Transcript

log = logging.getLogger(__name__)
SEARCH_DELAY = 0.15  # seconds of quiet typing before a search
STATUS_LABELS = {HistoryStatus.ALL: "All", HistoryStatus.IN_PROGRESS: "In progress",
                 HistoryStatus.DONE: "Done"}


# -- party actions ------------------------------------------------------------------------


def party_actions(
    services: Services, agent: Agent, contact: Contact | None, number: str | None = None,
    container: ui.element | None = None,
) -> ui.button:
    """The Contact Action menu (``contact-actions``): Call and E-mail the contact, New SMS.

    ``number`` is the number in use (an interaction's sender); ``container`` is where the
    New SMS view opens (below an active interaction); without it, in its own window."""
    numbers = [p.number for p in contact.phones] if contact else []
    if number and number not in numbers:
        numbers.insert(0, number)
    emails = [e.address for e in contact.emails] if contact else []
    button = tid(ui.button(icon="more_vert"), "contact-actions",
                 contact_id=contact.id if contact else "")
    button.props('flat round dense aria-label="Contact actions" aria-haspopup="menu"')
    with button, ui.menu().props('role="menu"'):
        for n in numbers:
            href = call_href(services, n)
            item = tid(ui.menu_item(f"Call {display_phone(n)}",
                                    on_click=lambda h=href: ui.navigate.to(h)),
                       "party-call", number=n, href=href)
            item.props('role="menuitem"')
        for address in emails:
            href = f"mailto:{quote(address, safe='@')}"
            item = tid(ui.menu_item(f"E-mail {address}",
                                    on_click=lambda h=href: ui.navigate.to(h)),
                       "party-email", address=address, href=href)
            item.props('role="menuitem"')
        if agent.options.may_send_sms and numbers:
            tid(ui.menu_item("New SMS", on_click=lambda: open_new_sms(
                services, agent, contact.id if contact else None, number or numbers[0],
                container=container)), "new-sms").props('role="menuitem"')
        if not numbers and not emails:
            ui.menu_item("No number or e-mail address").props("disable")
    return button


# -- New SMS ------------------------------------------------------------------------------


class _OutboundHandling:
    """What Compose needs from handling, sending a new outbound SMS instead of a reply."""

    def __init__(self, services: Services, view: NewSmsView) -> None:
        self._services = services
        self._view = view
        self.max_parts = services.outbound.max_parts

    def preview_split(self, text: str) -> Any:
        return self._services.handling.preview_split(text)

    def send(self, _interaction_id: str, agent_id: int, text: str) -> SendResult:
        view = self._view
        return self._services.outbound.send(
            agent_id, view.contact_id, view.to_select.value, view.from_select.value, text,
            request_id=view.request_id).send

    def draft(self, _interaction_id: str, _agent_id: int) -> str:
        return ""  # a new SMS has no stored draft

    def save_draft(self, _interaction_id: str, _agent_id: int, _text: str) -> None:
        raise HandlingError("not stored")  # Compose then stops trying


class _OutboundServices:
    """The services as Compose sees them, with outbound sending in place of replies."""

    def __init__(self, services: Services, view: NewSmsView) -> None:
        self._services = services
        self.handling = _OutboundHandling(services, view)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._services, name)


class NewSmsView:
    """The New SMS view: page mode, text only; the agent picks the sending centre number;
    the same counter, splitting, spelling and standard responses as a reply."""

    def __init__(
        self, services: Services, agent: Agent, contact: Contact | None, number: str | None,
        centres: list[Any], on_close: Callable[[], None],
    ) -> None:
        self.services = services
        self.agent = agent
        self.contact_id = contact.id if contact else None
        self.request_id = uuid.uuid4().hex
        self.on_close = on_close
        numbers = [p.number for p in contact.phones] if contact else []
        if number and number not in numbers:
            numbers.insert(0, number)
        label = contact.name if contact else (number or "")
        self.card = tid(ui.card(), "new-sms-view", contact_id=self.contact_id or "")
        self.card.classes("w-full parley-interaction q-pa-md gap-2")
        # a contact's name is data: never inside a props string (issue 20)
        set_props(self.card, role="region", aria_label=f"New SMS to {label}")
        with self.card:
            with ui.row().classes("w-full items-center gap-3"):
                ui.icon("sms", size="1.5rem").classes("text-primary")
                tid(ui.label(f"New SMS to {label}"), "new-sms-title").classes("text-h6")
                ui.label("SMS · Page mode").classes("parley-chip")
                ui.space()
                tid(ui.button(icon="close", on_click=self.close), "new-sms-cancel").props(
                    'flat round dense aria-label="Cancel the new SMS"')
            with ui.row().classes("w-full gap-3 items-center"):
                self.to_select = tid(
                    ui.select({n: display_phone(n) for n in numbers},
                              value=number if number in numbers else
                              (numbers[0] if numbers else None), label="To"),
                    "new-sms-to").props("outlined dense").classes("min-w-[14rem]")
                self.from_select = tid(
                    ui.select({c.number: f"{display_phone(c.number)} · {c.label or c.number}"
                               for c in centres},
                              value=next((c.number for c in centres
                                          if c.mode is Mode.PAGE), None)
                              or (centres[0].number if centres else None),
                              label="From (centre number)"),
                    "new-sms-from").props("outlined dense").classes("min-w-[16rem]")
            self.error = tid(ui.label(), "new-sms-error").classes(
                "text-negative").props('role="alert"')
            self.error.set_visibility(False)
            placeholder = Interaction(
                id=f"new-sms-{self.request_id}", channel=Channel.SMS,
                direction=Direction.OUTBOUND, mode=Mode.PAGE, state=State.ACTIVE,
                contact_number=number or "", centre_number=self.from_select.value or "",
                queue_id=None, created_at=services.clock.now(), contact_id=self.contact_id,
                owner_id=agent.id)
            self.compose = Compose(_OutboundServices(services, self), agent,  # type: ignore[arg-type]
                                   placeholder, on_sent=self._sent, on_error=self._error)

    def _error(self, text: str) -> None:
        self.error.set_text(text)
        self.error.set_visibility(bool(text))

    def _sent(self, result: SendResult) -> None:
        ui.notify(f"SMS sent ({result.split.count} part{'s' if result.split.count > 1 else ''}).",
                  type="positive")
        self.close()

    def close(self) -> None:
        self.card.delete()
        self.on_close()


def open_new_sms(
    services: Services, agent: Agent, contact_id: int | None, number: str | None = None,
    container: ui.element | None = None,
) -> None:
    """Open the New SMS view for a contact (or a bare number): inside ``container`` (below
    an active interaction), or else in its own window. Refused at once, with a message,
    for agents whose role does not allow new SMS (the server checks again on Send)."""
    if not agent.options.may_send_sms:
        ui.notify("Your role does not allow sending new SMS.", type="negative")
        return
    page = ui.context.client.content  # a background task has no parent of its own

    async def build() -> None:
        try:
            contact = (await run.io_bound(services.contacts.get, contact_id)
                       if contact_id is not None else None)
            centres = await run.io_bound(services.outbound.centre_numbers)
        except ContactError as exc:
            with page:
                ui.notify(str(exc), type="negative")
            return
        if container is not None:
            with container:
                NewSmsView(services, agent, contact, number, centres, lambda: None)
            return
        with page, ui.dialog().props("persistent") as dialog, ui.element("div").classes(
                "parley-new-sms-window").style("width: min(48rem, 95vw); max-width: 95vw"):
            NewSmsView(services, agent, contact, number, centres, dialog.close)
        dialog.on("hide", dialog.delete)
        dialog.open()

    background_tasks.create(build(), name="new-sms")


# -- contact information ------------------------------------------------------------------


class ContactEditor:
    """Create or edit a contact: name, several labelled numbers and e-mail addresses.
    Nothing typed is lost on a refusal: the dialog stays open with the reasons."""

    def __init__(self, services: Services, contact: Contact | None,
                 on_saved: Callable[[Contact], None], region: str) -> None:
        self.services = services
        self.contact = contact
        self.on_saved = on_saved
        self.phones: list[tuple[ui.input, ui.input, ui.row]] = []
        self.emails: list[tuple[ui.input, ui.input, ui.row]] = []
        with ui.dialog() as self.dialog, tid(ui.card(), "contact-editor").classes(
                "q-pa-md gap-2").style("width: min(40rem, 95vw); max-width: 95vw"):
            ui.label("Edit contact" if contact else "New contact").classes("text-h6")
            self.name = tid(ui.input("Name", value=contact.name if contact else ""),
                            "contact-name").props("outlined dense").classes("w-full")
            ui.label("Phone numbers").classes("text-subtitle2")
            ui.label(f"Any common format; numbers without + are read as {region} numbers."
                     ).classes("text-caption text-grey-8")
            self.phone_box = ui.column().classes("w-full gap-1")
            tid(ui.button("Add number", icon="add", on_click=lambda: self._phone("", "mobile")),
                "contact-phone-add").props("flat dense no-caps")
            ui.label("E-mail addresses").classes("text-subtitle2")
            self.email_box = ui.column().classes("w-full gap-1")
            tid(ui.button("Add e-mail", icon="add", on_click=lambda: self._email("", "work")),
                "contact-email-add").props("flat dense no-caps")
            self.error = tid(ui.column(), "contact-error").classes(
                "text-negative gap-0").props('role="alert"')
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Cancel", on_click=self.dialog.close), "contact-cancel").props(
                    "flat no-caps")
                self.save_button = tid(ui.button("Save", icon="save", on_click=self.save),
                                       "contact-save").props("unelevated no-caps color=primary")
        for p in (contact.phones if contact else ()):
            self._phone(p.number, p.label)
        for e in (contact.emails if contact else ()):
            self._email(e.address, e.label)
        if not self.phones:
            self._phone("", "mobile")
        if not self.emails:
            self._email("", "work")
        self.dialog.on("hide", self.dialog.delete)
        self.dialog.open()

    def _phone(self, value: str, label: str) -> None:
        self._line(self.phone_box, self.phones, value, label, "contact-phone", "Number")

    def _email(self, value: str, label: str) -> None:
        self._line(self.email_box, self.emails, value, label, "contact-email", "E-mail")

    def _line(self, box: ui.column, lines: list[Any], value: str, label: str, name: str,
              caption: str) -> None:
        with box, ui.row().classes("w-full items-center gap-2 no-wrap") as row:
            field = tid(ui.input(caption, value=value), name).props(
                "outlined dense").classes("col")
            kind = tid(ui.input("Label", value=label), f"{name}-label").props(
                "outlined dense").classes("w-32")
            entry = (field, kind, row)

            def remove() -> None:
                lines.remove(entry)
                row.delete()

            remover = tid(ui.button(icon="delete", on_click=remove), f"{name}-remove")
            remover.props("flat round dense")
            set_props(remover, aria_label=f"Remove this {caption.lower()}")
        lines.append(entry)

    async def save(self) -> None:
        phones = [(f.value or "", k.value or "") for f, k, _ in self.phones]
        emails = [(f.value or "", k.value or "") for f, k, _ in self.emails]
        self.save_button.props("loading")
        try:
            saved = await run.io_bound(self.services.contacts.save,
                                       self.contact.id if self.contact else None,
                                       self.name.value or "", phones, emails)
        except ContactError as exc:
            self._show(exc.problems)
            return
        finally:
            self.save_button.props(remove="loading")
        self.dialog.close()
        ui.notify(f"Saved {saved.name}.", type="positive")
        self.on_saved(saved)

    def _show(self, problems: list[str]) -> None:
        self.error.clear()
        with self.error:
            for problem in problems:
                ui.label(problem)


# -- history ------------------------------------------------------------------------------


def open_transcript(services: Services, agent: Agent, entry: HistoryEntry) -> None:
    """The full transcript of one interaction from the history, read-only."""
    zone = ZoneInfo(agent.options.time_zone)
    phone = services.settings.section("phone")
    i = entry.interaction
    with ui.dialog() as dialog, tid(ui.card(), "history-transcript",
                                    interaction_id=i.id).classes("q-pa-md gap-2").style(
            "width: min(52rem, 95vw); max-width: 95vw"):  # wider than Quasar's 560px
        with ui.row().classes("w-full items-center"):
            ui.label(f"{i.contact_label} · {i.created_at.astimezone(zone):%Y-%m-%d %H:%M} · "
                     f"{i.channel.value.upper()} {i.direction.value}").classes("text-h6")
            ui.space()
            tid(ui.button(icon="close", on_click=dialog.close), "history-transcript-close"
                ).props('flat round dense aria-label="Close the transcript"')
        names = {i.owner_id: entry.agent_name} if i.owner_id and entry.agent_name else {}
        transcript = Transcript(i.contact_label, zone,
                                services.settings.section("transcript").get("colours", {}),
                                region=phone.get("default_region", "US"),
                                dialer=phone.get("dialer_url_template") or None,
                                # MMS images, served to whoever may read this history
                                render_media=lambda m: media_strip(services, agent, i.id,
                                                                   m.media),
                                names=names)  # type: ignore[arg-type]
        if entry.notes:
            ui.label("Notes").classes("text-subtitle2")
            for note in entry.notes:
                ui.label(note).classes("parley-note")
    dialog.on("hide", dialog.delete)
    dialog.open()

    async def load() -> None:
        try:
            messages = await run.io_bound(services.contacts.transcript, i.id)
        except ContactError as exc:
            with transcript.box:
                ui.notify(str(exc), type="negative")
            return
        lines = await run.io_bound(transcript.lines, messages)
        transcript.add(messages, lines)

    background_tasks.create(load(), name="history-transcript")


class HistoryPanel:
    """Every interaction of the contact, newest first, filtered by date and status."""

    def __init__(self, services: Services, agent: Agent, contact_id: int) -> None:
        self.services = services
        self.agent = agent
        self.contact_id = contact_id
        self.zone = ZoneInfo(agent.options.time_zone)
        self.root = tid(ui.column(), "contact-history", contact_id=contact_id).classes(
            "w-full gap-2")
        with self.root:
            with ui.row().classes("w-full items-end gap-2"):
                self.since = tid(ui.input("From").props('type=date outlined dense'),
                                 "history-from")
                self.until = tid(ui.input("To").props('type=date outlined dense'),
                                 "history-to")
                self.status = tid(ui.select(STATUS_LABELS, value=HistoryStatus.ALL,
                                            label="Status"), "history-status").props(
                    "outlined dense").classes("w-40")
                for control in (self.since, self.until, self.status):
                    control.on_value_change(lambda _e: self.reload())
            self.error = tid(ui.label(), "history-error").classes("text-negative")
            self.error.set_visibility(False)
            self.rows = ui.column().classes("w-full gap-1")
        self.reload()

    def _day(self, value: str | None, end: bool = False) -> datetime | None:
        if not value:
            return None
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            return None
        start = datetime.combine(day, time(0, 0), tzinfo=self.zone)
        return start + timedelta(days=1) if end else start

    def reload(self) -> None:
        background_tasks.create(self._load(), name="history-load")

    async def _load(self) -> None:
        try:
            entries = await run.io_bound(
                self.services.contacts.history, self.contact_id, self._day(self.since.value),
                self._day(self.until.value, end=True), self.status.value or HistoryStatus.ALL)
        except ContactError as exc:
            self.error.set_text(str(exc))
            self.error.set_visibility(True)
            return
        if self.root.is_deleted:
            return
        self.error.set_visibility(False)
        self.rows.clear()
        with self.rows:
            if not entries:
                tid(ui.label("No interactions match."), "history-empty").classes("text-grey-8")
            for entry in entries:
                self._row(entry)

    def _row(self, entry: HistoryEntry) -> None:
        i = entry.interaction
        with tid(ui.column(), "history-row", interaction_id=i.id, state=i.state.value,
                 direction=i.direction.value).classes(
                "w-full gap-0 q-pa-sm parley-history-row cursor-pointer"
        ).style("border-bottom: 1px solid #e5e7eb").props(
                'tabindex="0" role="button" aria-label="Open the transcript"') as row:
            with ui.row().classes("w-full items-center gap-3 no-wrap"):
                ui.label(i.created_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
                         ).classes("text-weight-medium")
                ui.label(f"{i.channel.value.upper()} · {i.mode.value}").classes("parley-chip")
                ui.label(i.direction.value).classes("parley-chip")
                ui.label(i.state.value.replace("_", " ")).classes("parley-chip")
                ui.space()
                ui.label(entry.agent_name or "—").classes("text-grey-9")
                tid(ui.label(f"Disposition: {entry.disposition or '—'}"),
                    "history-disposition").classes("text-grey-8")
            if entry.notes:
                ui.label("Notes: " + " · ".join(entry.notes)).classes(
                    "text-caption text-grey-8")
        row.on("click", lambda e=entry: open_transcript(self.services, self.agent, e))
        row.on("keydown.enter", lambda e=entry: open_transcript(self.services, self.agent, e))


# -- the directory page -------------------------------------------------------------------


class ContactDirectory:
    """``/contacts``: search as you type; a row opens the contact's information and
    history; ``?contact=<id>&history=1`` opens a contact on its History tab."""

    def __init__(self, services: Services, agent: Agent, shell: Shell, request: Request) -> None:
        self.services = services
        self.agent = agent
        self.shell = shell
        self.region = services.settings.section("phone").get("default_region", "US")
        self.generation = 0
        self.offset = 0
        self.selected: int | None = None
        with tid(ui.row(), "contact-directory").classes("w-full no-wrap items-start gap-4"):
            with ui.column().classes("gap-2").style("width: 26rem; max-width: 45vw"):
                with ui.row().classes("w-full items-center gap-2 no-wrap"):
                    self.search_input = tid(
                        ui.input(placeholder="Search by name, number or e-mail"),
                        "contact-search").props(
                        'outlined dense clearable autofocus aria-label="Search contacts"'
                    ).classes("col")
                    with self.search_input.add_slot("prepend"):
                        ui.icon("search")
                    tid(ui.button(icon="person_add", on_click=self.new_contact),
                        "contact-new").props('flat round aria-label="New contact"')
                    tid(ui.button(icon="upload_file", on_click=self.import_csv),
                        "contact-import").props('flat round aria-label="Import contacts (CSV)"')
                self.count = tid(ui.label(""), "contact-count").classes(
                    "text-caption text-grey-8").props('aria-live="polite"')
                self.list = tid(ui.column(), "contact-list").classes("w-full gap-0").props(
                    'role="list"')
                self.more = tid(ui.button("More", on_click=self.load_more), "contact-more"
                                ).props("flat no-caps")
                self.more.set_visibility(False)
            self.detail = tid(ui.column(), "contact-detail").classes("col gap-2")
        self.search_input.on_value_change(lambda _e: self.schedule())
        follow(services.bus, self._changed, ContactChanged)
        self.schedule(delay=0)
        wanted = request.query_params.get("contact")
        if wanted and wanted.isdigit():
            self.open(int(wanted), history=request.query_params.get("history") == "1")

    # -- search ---------------------------------------------------------------------------

    def schedule(self, delay: float = SEARCH_DELAY) -> None:
        self.generation += 1
        background_tasks.create(self._search(self.generation, delay), name="contact-search")

    async def _search(self, generation: int, delay: float, offset: int = 0) -> None:
        if delay:
            await asyncio.sleep(delay)
        if generation != self.generation:
            return  # typing went on: only the last query runs
        query = self.search_input.value or ""
        try:
            page: ContactPage = await run.io_bound(self.services.contacts.search, query,
                                                   50, offset)
        except Exception:
            log.exception("contact search failed")
            self.count.set_text("The search failed; try again.")
            return
        if generation != self.generation or self.list.is_deleted:
            return
        if offset == 0:
            self.list.clear()
        self.offset = offset + len(page.contacts)
        with self.list:
            for contact in page.contacts:
                self._row(contact)
        shown = self.offset
        self.count.set_text(
            (f"{shown}+ contacts" if page.has_more else f"{shown} contact{'s' * (shown != 1)}")
            + (f" matching “{query.strip()}”" if query.strip() else ""))
        self.more.set_visibility(page.has_more)

    async def load_more(self) -> None:
        await self._search(self.generation, 0, self.offset)

    def _row(self, contact: Contact) -> None:
        with tid(ui.row(), "contact-row", contact_id=contact.id).classes(
                "w-full items-center gap-2 q-px-sm q-py-xs no-wrap parley-contact-row"
        ).props('role="listitem"') as row:
            with ui.column().classes("col gap-0 cursor-pointer").props(
                    'tabindex="0" role="button"') as main:
                tid(ui.label(contact.name), "contact-row-name").classes("text-weight-medium")
                details = [display_phone(p.number) for p in contact.phones[:2]]
                details += [e.address for e in contact.emails[:1]]
                ui.label(" · ".join(details) or "No number or e-mail").classes(
                    "text-caption text-grey-8")
            party_actions(self.services, self.agent, contact)
        main.on("click", lambda c=contact.id: self.open(c))
        main.on("keydown.enter", lambda c=contact.id: self.open(c))
        if contact.id == self.selected:
            row.classes(add="parley-selected")

    def _changed(self, event: ContactChanged) -> None:
        self.schedule(delay=0)
        if event.contact_id == self.selected:
            self.open(event.contact_id, history=self.history_open)

    # -- one contact ----------------------------------------------------------------------

    history_open = False

    def open(self, contact_id: int, history: bool = False) -> None:
        background_tasks.create(self._open(contact_id, history), name="contact-open")

    async def _open(self, contact_id: int, history: bool) -> None:
        try:
            contact = await run.io_bound(self.services.contacts.get, contact_id)
        except ContactError as exc:
            self.detail.clear()
            with self.detail:
                tid(ui.label(str(exc)), "contact-missing").classes("text-negative")
            return
        self.selected = contact_id
        self.history_open = history
        self.detail.clear()
        with self.detail, tid(ui.card(), "contact-view", contact_id=contact.id).classes(
                "w-full q-pa-md gap-2"):
            with ui.row().classes("w-full items-center gap-2"):
                ui.icon("person", size="2rem").classes("text-primary")
                tid(ui.label(contact.name), "contact-view-name").classes("text-h6")
                ui.space()
                party_actions(self.services, self.agent, contact)
                tid(ui.button("Edit", icon="edit", on_click=lambda: ContactEditor(
                    self.services, contact, lambda c: self.open(c.id), self.region)),
                    "contact-edit").props("flat no-caps")
            with ui.tabs().props("dense align=left no-caps") as tabs:
                info = tid(ui.tab("Information"), "contact-tab-info")
                hist = tid(ui.tab("History"), "contact-tab-history")
            with ui.tab_panels(tabs, value=hist if history else info).classes("w-full"):
                with ui.tab_panel(info):
                    self._information(contact)
                with ui.tab_panel(hist):
                    HistoryPanel(self.services, self.agent, contact.id)
            tabs.on_value_change(lambda e: setattr(self, "history_open", e.value == "History"))

    def _information(self, contact: Contact) -> None:
        with tid(ui.column(), "contact-info").classes("gap-1"):
            ui.label("Phone numbers").classes("text-subtitle2")
            for p in contact.phones:
                with ui.row().classes("gap-2 items-center"):
                    tid(ui.link(display_phone(p.number), call_href(self.services, p.number)),
                        "contact-info-phone", number=p.number)
                    ui.label(p.label).classes("parley-chip")
            if not contact.phones:
                ui.label("None").classes("text-grey-8")
            ui.label("E-mail addresses").classes("text-subtitle2 q-mt-sm")
            for e in contact.emails:
                with ui.row().classes("gap-2 items-center"):
                    tid(ui.link(e.address, f"mailto:{quote(e.address, safe='@')}"),
                        "contact-info-email", address=e.address)
                    ui.label(e.label).classes("parley-chip")
            if not contact.emails:
                ui.label("None").classes("text-grey-8")

    def new_contact(self) -> None:
        ContactEditor(self.services, None, lambda c: self.open(c.id), self.region)

    def import_csv(self) -> None:
        ImportDialog(self.services, lambda: self.schedule(delay=0))


class ImportDialog:
    """Import contacts from CSV: upload or paste, preview every row with its problems,
    then import all of them at once, or nothing when any row is wrong."""

    def __init__(self, services: Services, on_done: Callable[[], None]) -> None:
        self.services = services
        self.on_done = on_done
        with ui.dialog() as self.dialog, tid(ui.card(), "contact-import-dialog").classes(
                "q-pa-md gap-2").style("width: min(56rem, 95vw); max-width: 95vw"):
            ui.label("Import contacts (CSV)").classes("text-h6")
            ui.label("The first line names the columns: name, phone, email (several numbers "
                     "or addresses in one cell separated by ;). Nothing is imported unless "
                     "every row is right.").classes("text-grey-8")
            tid(ui.upload(label="Choose a CSV file", auto_upload=True, max_files=1,
                          max_file_size=MAX_IMPORT_BYTES, on_upload=self._uploaded),
                "contact-import-file").props('accept=".csv,text/csv,text/plain" flat bordered'
                                             ).classes("w-full")
            self.text = tid(ui.textarea("…or paste the CSV here"), "contact-import-text").props(
                "outlined autogrow").classes("w-full")
            with ui.row().classes("w-full gap-2"):
                tid(ui.button("Preview", icon="preview", on_click=self.preview),
                    "contact-import-preview").props("unelevated no-caps")
                ui.space()
                tid(ui.button("Cancel", on_click=self.dialog.close), "contact-import-cancel"
                    ).props("flat no-caps")
                self.commit = tid(ui.button("Import", icon="upload", on_click=self.run),
                                  "contact-import-commit").props(
                    "unelevated no-caps color=primary")
                self.commit.set_enabled(False)
            self.summary = tid(ui.label(""), "contact-import-summary").props(
                'role="status"')
            self.errors = tid(ui.column(), "contact-import-errors").classes(
                "w-full gap-0 text-negative")
            self.rows = tid(ui.column(), "contact-import-rows").classes(
                "w-full gap-0").style("max-height: 40vh; overflow: auto")
        self.text.on_value_change(lambda _e: self.commit.set_enabled(False))
        self.dialog.on("hide", self.dialog.delete)
        self.dialog.open()

    async def _uploaded(self, event: Any) -> None:
        data = await event.file.read() if hasattr(event, "file") else event.content.read()
        self.text.set_value(data.decode("utf-8", errors="replace"))
        await self.preview()

    async def preview(self) -> None:
        preview: ImportPreview = await run.io_bound(self.services.contacts.preview_import,
                                                    self.text.value or "")
        self.errors.clear()
        self.rows.clear()
        with self.errors:
            for problem in preview.report[:200]:
                ui.label(problem)
            if len(preview.report) > 200:
                ui.label(f"… and {len(preview.report) - 200} more problems.")
        with self.rows:
            for row in preview.rows[:500]:
                with tid(ui.row(), "contact-import-row", line=row.line,
                         ok=str(row.ok).lower()).classes("w-full gap-3 no-wrap q-px-sm"):
                    ui.icon("check" if row.ok else "error").classes(
                        "text-positive" if row.ok else "text-negative")
                    ui.label(str(row.line)).classes("w-10 text-grey-8")
                    ui.label(row.name or "—").classes("w-48")
                    ui.label(", ".join(row.phones)).classes("w-48")
                    ui.label(", ".join(row.emails)).classes("col").style("min-width: 8rem")
        bad = sum(1 for r in preview.rows if not r.ok)
        verdict = (f"{bad} with problems — fix them and preview again; nothing is imported "
                   "until all are right." if bad or preview.problems else "all ready to import.")
        self.summary.set_text(f"{plural(len(preview.rows), 'row')}: {verdict}")
        self.commit.set_enabled(preview.ok)

    async def run(self) -> None:
        self.commit.set_enabled(False)
        try:
            count = await run.io_bound(self.services.contacts.import_contacts,
                                       self.text.value or "")
        except ContactError as exc:
            self.errors.clear()
            with self.errors:
                for problem in exc.problems[:200]:
                    ui.label(problem)
            self.summary.set_text("Nothing was imported.")
            return
        self.dialog.close()
        ui.notify(f"Imported {count} contact{'s' * (count != 1)}.", type="positive")
        self.on_done()


# -- Manual Contact Assignment ------------------------------------------------------------


def open_assign_dialog(
    services: Services, agent: Agent, interaction: Interaction,
    on_done: Callable[[Interaction], None],
) -> None:
    """Assign an interaction (unknown sender or wrong match) to an existing contact found
    by search, or to a new contact created on the spot; its other interactions from that
    number move with it and the number can be added to the contact."""
    state: dict[str, Any] = {"generation": 0}
    with ui.dialog() as dialog, tid(ui.card(), "contact-assign-dialog",
                                    interaction_id=interaction.id).classes(
            "q-pa-md gap-2").style("width: min(36rem, 95vw); max-width: 95vw"):
        ui.label(f"Assign {interaction.contact_number} to a contact").classes("text-h6")
        if interaction.contact_name:
            ui.label(f"Now matched to {interaction.contact_name}.").classes("text-grey-8")
        search = tid(ui.input(placeholder="Search by name, number or e-mail"),
                     "assign-search").props("outlined dense autofocus").classes("w-full")
        results = tid(ui.column(), "assign-results").classes("w-full gap-0")
        add_number = tid(ui.checkbox(f"Add {interaction.contact_number} to the contact",
                                     value=True), "assign-add-number")
        move_others = tid(ui.checkbox("Move this number's other interactions too", value=True),
                          "assign-move-others")
        ui.separator()
        ui.label("Or create a new contact").classes("text-subtitle2")
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            new_name = tid(ui.input("Name"), "assign-new-name").props(
                "outlined dense").classes("col")
            create = tid(ui.button("Create and assign", icon="person_add"), "assign-create"
                         ).props("unelevated no-caps color=primary")
        error = tid(ui.label(), "assign-error").classes("text-negative").props('role="alert"')
        error.set_visibility(False)
        with ui.row().classes("w-full justify-end"):
            tid(ui.button("Cancel", on_click=dialog.close), "assign-cancel").props(
                "flat no-caps")

    def fail(text: str) -> None:
        error.set_text(text)
        error.set_visibility(True)

    async def finish(call: Callable[..., Any], *args: Any) -> None:
        try:
            done = await run.io_bound(call, *args)
        except ContactError as exc:
            fail(str(exc))
            return
        dialog.close()
        ui.notify(f"Assigned to {done.contact.name}.", type="positive")
        on_done(done.interaction)

    async def find(generation: int) -> None:
        await asyncio.sleep(SEARCH_DELAY)
        if generation != state["generation"]:
            return
        page = await run.io_bound(services.contacts.search, search.value or "", 20)
        if generation != state["generation"] or results.is_deleted:
            return
        results.clear()
        with results:
            for contact in page.contacts:
                numbers = ", ".join(display_phone(p.number) for p in contact.phones[:2])
                with tid(ui.row(), "assign-row", contact_id=contact.id).classes(
                        "w-full items-center gap-2 q-px-sm no-wrap"):
                    ui.label(contact.name).classes("text-weight-medium")
                    ui.label(numbers).classes("col text-caption text-grey-8")
                    tid(ui.button("Assign", on_click=lambda c=contact.id: finish(
                        services.contacts.assign, interaction.id, agent.id, c,
                        add_number.value, move_others.value)), "assign-choose",
                        contact_id=contact.id).props("flat dense no-caps color=primary")
            if not page.contacts:
                ui.label("No contact matches.").classes("text-grey-8")
        set_props(results, data_query=search.value or "")  # which search the list answers

    def changed() -> None:
        state["generation"] += 1
        background_tasks.create(find(state["generation"]), name="assign-search")

    search.on_value_change(lambda _e: changed())
    create.on_click(lambda: finish(services.contacts.assign_new, interaction.id, agent.id,
                                   new_name.value or "", (), move_others.value))
    dialog.on("hide", dialog.delete)
    dialog.open()
    changed()


def attach_contact(window: Any) -> None:
    """Give an interaction window the Manual Contact Assignment button (``contact-assign``)
    in its toolbar; after an assignment the window reopens with the contact's name."""

    def done(interaction: Interaction) -> None:
        ui.navigate.to(f"/?interaction={interaction.id}")

    interaction = window.interaction
    with window.toolbar:
        # Party actions (Call, E-mail, New SMS below this interaction): built once the
        # contact is read off the event loop.
        slot = ui.element("span").classes("row items-center")

        async def load_actions() -> None:
            contact = None
            if interaction.contact_id is not None:
                try:
                    contact = await run.io_bound(window.services.contacts.get,
                                                 interaction.contact_id)
                except ContactError:
                    contact = None
            if slot.is_deleted:
                return
            with slot:
                party_actions(window.services, window.agent, contact,
                              interaction.contact_number, container=window.panels)

        background_tasks.create(load_actions(), name="party-actions")
        button = tid(ui.button(icon="person_search",
                               on_click=lambda: open_assign_dialog(
                                   window.services, window.agent, window.interaction, done)),
                     "contact-assign")
        button.props('flat round dense aria-label="Assign to a contact" aria-haspopup="dialog"')
        with button:
            ui.tooltip("Assign this interaction to a contact in the directory")


def history_link(contact_id: int) -> str:
    return f"/contacts?contact={contact_id}&history=1"
