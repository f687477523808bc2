"""The contact directory: search, contact information, contact history and Manual Contact
Assignment (seeds: "View and manage contact information", "Managing Contact History",
"Manual Contact Assignment").

Phone numbers are kept in E.164, normalised with the configured default region; e-mail
addresses are checked with ``email_validator`` (syntax only, no network). A number or an
address belongs to one contact at most: an inbound text must find exactly one person.
Search is by prefix on stored terms (name words, e-mail addresses, phone numbers in
international and national form), so it stays fast on a large directory.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.agents import Agent
from domain.clock import Clock
from domain.contacts import Contact, ContactEmail, ContactPhone
from domain.events import Event, EventPublisher, InteractionUpdated
from domain.interactions import OPEN_STATES, Interaction, Message, State

MAX_NAME = 200
MAX_LABEL = 32
MAX_TERM = 254
MAX_PHONES = 10
MAX_EMAILS = 10
PAGE_SIZE = 50
SHORT_CODE = re.compile(r"\d{3,8}")
PHONE_QUERY = re.compile(r"\+?[\d\s().\-/]+")
WORD = re.compile(r"\w+")


class ContactError(Exception):
    """Input the directory refuses; the message says why (one line per problem)."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ContactChanged(Event):
    """A contact was created, edited, imported or given an interaction."""

    contact_id: int


# -- normalising --------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for search terms and queries."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_phone(raw: str, region: str = "US") -> str:
    """A phone number in any common format as E.164 (``+`` then digits); short codes
    (3 to 8 digits) stay as they are. Raises ContactError when it is not a number."""
    text = (raw or "").strip()
    if not text:
        raise ContactError("A phone number is empty.")
    if SHORT_CODE.fullmatch(text):
        return text
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ContactError(f"“{text}” is not a phone number.") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ContactError(f"“{text}” is not a possible phone number "
                           f"(numbers without + are read as {region} numbers).")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not re.fullmatch(r"\+\d{8,15}", e164):
        raise ContactError(f"“{text}” is not a phone number.")
    return e164


def display_phone(number: str) -> str:
    """E.164 in the international format people read (``+1 415-555-0123``)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ContactError("An e-mail address is empty.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ContactError(f"“{text}” is not an e-mail address: {exc}") from None


def _label(raw: str, default: str) -> str:
    label = (raw or "").strip() or default
    if len(label) > MAX_LABEL:
        raise ContactError(f"The label “{label[:40]}” is longer than {MAX_LABEL} characters.")
    return label


def phone_terms(number: str) -> set[str]:
    terms = {number}
    if number.startswith("+"):
        try:
            terms.add(str(phonenumbers.parse(number, None).national_number))
        except phonenumbers.NumberParseException:
            pass
    return terms


def contact_terms(name: str, phones: Iterable[str], emails: Iterable[str]) -> set[str]:
    """Every term a contact is found by (each searched by prefix)."""
    terms = {w[:MAX_TERM] for w in WORD.findall(fold(name))}
    terms |= {fold(e)[:MAX_TERM] for e in emails}
    for number in phones:
        terms |= phone_terms(number)
    return {t for t in terms if t}


@dataclass(frozen=True)
class Match:
    term: str
    prefix: bool = True


# A query is a list of groups; a contact matches when each group has a matching term.
Query = list[tuple[Match, ...]]


def parse_query(query: str, region: str = "US") -> Query:
    text = (query or "").strip()[:200]
    if not text:
        return []
    digits = re.sub(r"\D", "", text)
    if PHONE_QUERY.fullmatch(text) and len(digits) >= 3:
        if text.startswith("+"):
            alternatives = [Match("+" + digits)]
        else:
            alternatives = [Match(digits), Match("+" + digits)]
        try:
            parsed = phonenumbers.parse(text, region)
            if phonenumbers.is_possible_number(parsed):
                alternatives.append(Match(phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.E164), prefix=False))
        except phonenumbers.NumberParseException:
            pass
        return [tuple(alternatives)]
    groups: Query = []
    for token in text.split():
        if "@" in token:
            groups.append((Match(fold(token)[:MAX_TERM]),))
        else:
            groups.extend((Match(w[:MAX_TERM]),) for w in WORD.findall(fold(token)))
    return groups[:6]


@dataclass(frozen=True)
class ContactDraft:
    name: str
    phones: tuple[ContactPhone, ...]
    emails: tuple[ContactEmail, ...]


def validate_contact(
    name: str, phones: Sequence[tuple[str, str]], emails: Sequence[tuple[str, str]],
    region: str = "US",
) -> ContactDraft:
    """Check and normalise a contact's information; every problem is reported at once."""
    problems: list[str] = []
    name = " ".join((name or "").split())
    if not name:
        problems.append("The contact needs a name.")
    elif len(name) > MAX_NAME:
        problems.append(f"A name can be at most {MAX_NAME} characters.")
    clean_phones: list[ContactPhone] = []
    for raw, label in phones:
        if not (raw or "").strip():
            continue  # an empty row is simply not kept
        try:
            number = normalise_phone(raw, region)
            if any(p.number == number for p in clean_phones):
                problems.append(f"The number {number} is listed twice.")
                continue
            clean_phones.append(ContactPhone(number, _label(label, "mobile")))
        except ContactError as exc:
            problems.extend(exc.problems)
    clean_emails: list[ContactEmail] = []
    for raw, label in emails:
        if not (raw or "").strip():
            continue
        try:
            address = normalise_email(raw)
            if any(fold(e.address) == fold(address) for e in clean_emails):
                problems.append(f"The e-mail address {address} is listed twice.")
                continue
            clean_emails.append(ContactEmail(address, _label(label, "work")))
        except ContactError as exc:
            problems.extend(exc.problems)
    if len(clean_phones) > MAX_PHONES:
        problems.append(f"A contact can have at most {MAX_PHONES} phone numbers.")
    if len(clean_emails) > MAX_EMAILS:
        problems.append(f"A contact can have at most {MAX_EMAILS} e-mail addresses.")
    if problems:
        raise ContactError(problems)
    return ContactDraft(name, tuple(clean_phones), tuple(clean_emails))


# -- history ------------------------------------------------------------------------------


class HistoryStatus:
    ALL = "all"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CHOICES = (ALL, IN_PROGRESS, DONE)


@dataclass(frozen=True)
class HistoryEntry:
    interaction: Interaction
    agent_name: str | None
    notes: tuple[str, ...] = ()
    disposition_label: str | None = None  # the label of its code, when the code has one

    @property
    def disposition(self) -> str | None:
        """What the agent reads: the code's label ("Follow-up needed"), or the code itself
        when it has no label any more (removed from the configuration after use)."""
        return self.disposition_label or self.interaction.disposition


@dataclass(frozen=True)
class ContactPage:
    contacts: list[Contact]
    has_more: bool
    offset: int = 0


@dataclass(frozen=True)
class Assignment:
    interaction: Interaction
    contact: Contact
    moved: int  # other interactions from the same number that moved with it
    number_added: bool


class ContactRepository(Protocol):
    def search(self, query: Query, limit: int, offset: int) -> list[Contact]: ...

    def get(self, contact_id: int) -> Contact | None: ...

    def save(self, contact_id: int | None, draft: ContactDraft,
             terms: set[str]) -> Contact:
        """Create (``contact_id`` None) or replace a contact and its search terms.
        Raises ContactError when a number or address belongs to another contact."""
        ...

    def history(
        self, contact_id: int, since: datetime | None, until: datetime | None,
        states: Sequence[State] | None, limit: int, offset: int,
    ) -> list[HistoryEntry]: ...

    def messages(self, interaction_id: str) -> list[Message]: ...

    def interaction(self, interaction_id: str) -> Interaction | None: ...

    def assign(
        self, interaction_id: str, contact_id: int, add_number: bool, move_others: bool,
        terms_for: ContactTerms,
    ) -> tuple[int, bool]:
        """Give the interaction (and, with ``move_others``, the number's other
        interactions that had no or the same contact) to the contact; with ``add_number``
        the number becomes the contact's (taken from a wrongly matched contact).
        Returns (how many others moved, whether the number was added)."""
        ...

    def add_system_line(self, interaction_id: str, text: str, at: datetime) -> None: ...

    def owners(self, numbers: Sequence[str], addresses: Sequence[str]) -> dict[str, str]:
        """Which of these numbers and addresses already belong to a contact (its name)."""
        ...

    def save_many(self, drafts: Sequence[ContactDraft]) -> list[int]:
        """Create all these contacts in one transaction, or none."""
        ...


class ContactTerms(Protocol):
    def __call__(self, name: str, phones: Iterable[str], emails: Iterable[str]) -> set[str]:
        ...


class AgentLookup(Protocol):
    def get(self, agent_id: int) -> Agent | None: ...


@dataclass
class ContactService:
    repo: ContactRepository
    bus: EventPublisher
    clock: Clock
    agents: AgentLookup | None = None
    region: str = "US"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- directory ------------------------------------------------------------------------

    def search(self, query: str, limit: int = PAGE_SIZE, offset: int = 0) -> ContactPage:
        """Contacts whose name, number or e-mail starts with what was typed, by name."""
        limit = max(1, min(limit, 200))
        offset = max(0, offset)
        parsed = parse_query(query, self.region)
        if not parsed and (query or "").strip():
            return ContactPage([], False, offset)  # only punctuation: nothing to look for
        found = self.repo.search(parsed, limit + 1, offset)
        return ContactPage(found[:limit], len(found) > limit, offset)

    def get(self, contact_id: int) -> Contact:
        contact = self.repo.get(contact_id)
        if contact is None:
            raise ContactError("This contact no longer exists.")
        return contact

    def save(
        self, contact_id: int | None, name: str, phones: Sequence[tuple[str, str]],
        emails: Sequence[tuple[str, str]],
    ) -> Contact:
        """Create (``contact_id`` None) or edit a contact. Nothing is stored on error."""
        draft = validate_contact(name, phones, emails, self.region)
        if contact_id is not None:
            self.get(contact_id)
        terms = contact_terms(draft.name, [p.number for p in draft.phones],
                              [e.address for e in draft.emails])
        with self._lock:  # two saves of one number at once: the second sees the first
            contact = self.repo.save(contact_id, draft, terms)
        self.bus.publish(ContactChanged(contact.id))
        return contact

    # -- history --------------------------------------------------------------------------

    def history(
        self, contact_id: int, since: datetime | None = None, until: datetime | None = None,
        status: str = HistoryStatus.ALL, limit: int = 100, offset: int = 0,
    ) -> list[HistoryEntry]:
        """Every interaction with this contact (by contact or by one of its numbers),
        newest first; ``status`` is all, in_progress or done."""
        if status not in HistoryStatus.CHOICES:
            raise ContactError(f"Unknown status filter “{status}”.")
        if since and until and since > until:
            raise ContactError("The start date is after the end date.")
        states: Sequence[State] | None = None
        if status == HistoryStatus.IN_PROGRESS:
            states = OPEN_STATES
        elif status == HistoryStatus.DONE:
            states = (State.DONE,)
        self.get(contact_id)
        return self.repo.history(contact_id, since, until, states,
                                 max(1, min(limit, 500)), max(0, offset))

    def in_history(self, interaction: Interaction, _agent_id: int) -> bool:
        """Whether every agent may read this interaction in a contact history, images
        included: a done one (one in progress stays its owner's), of a known contact
        (assigned, or from one of its numbers), and not a lesson's."""
        if interaction.state is not State.DONE or interaction.training:
            return False
        return interaction.contact_id is not None or bool(
            self.repo.owners([interaction.contact_number], []))

    def transcript(self, interaction_id: str) -> list[Message]:
        """The full transcript of an interaction in the history (internal lines too: the
        history is read by agents only, never by the contact)."""
        if self.repo.interaction(interaction_id) is None:
            raise ContactError("This interaction no longer exists.")
        return self.repo.messages(interaction_id)

    # -- CSV import -----------------------------------------------------------------------

    def preview_import(self, text: str) -> ImportPreview:
        """Validate a CSV of contacts, row by row, against itself and the directory."""
        preview = parse_contacts_csv(text, self.region)
        drafts = [r.draft for r in preview.rows if r.draft is not None]
        taken = self.repo.owners(
            [p.number for d in drafts for p in d.phones],
            [e.address for d in drafts for e in d.emails]) if drafts else {}
        if not taken:
            return preview
        rows = []
        for row in preview.rows:
            clashes = [f"{value} already belongs to {taken[value]}." for value in
                       ([p.number for p in row.draft.phones]
                        + [e.address for e in row.draft.emails])
                       if value in taken] if row.draft else []
            rows.append(replace(row, problems=row.problems + tuple(clashes),
                                draft=None if clashes else row.draft))
        return ImportPreview(tuple(rows), preview.problems)

    def import_contacts(self, text: str) -> int:
        """Create every contact of the CSV, or none: any bad row refuses the whole file
        (ContactError lists each problem with its line)."""
        preview = self.preview_import(text)
        if not preview.ok:
            raise ContactError(preview.report or ["Nothing to import."])
        drafts = [r.draft for r in preview.rows if r.draft is not None]
        with self._lock:
            ids = self.repo.save_many(drafts)
        for contact_id in ids[:1]:
            self.bus.publish(ContactChanged(contact_id))
        return len(ids)

    # -- Manual Contact Assignment --------------------------------------------------------

    def assign(
        self, interaction_id: str, agent_id: int, contact_id: int,
        add_number: bool = True, move_others: bool = True,
    ) -> Assignment:
        """Assign the agent's interaction (unknown sender or wrong match) to a contact."""
        interaction = self.repo.interaction(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise ContactError("You can only assign your own interactions.")
        if interaction.state not in OPEN_STATES:
            raise ContactError("This interaction is closed.")
        contact = self.get(contact_id)
        with self._lock:
            moved, added = self.repo.assign(interaction_id, contact_id, add_number,
                                            move_others, contact_terms)
        agent = self.agents.get(agent_id) if self.agents else None
        who = agent.display_name if agent else "An agent"
        self.repo.add_system_line(
            interaction_id, f"{who} assigned this interaction to {contact.name}.",
            self.clock.now())
        updated = self.repo.interaction(interaction_id)
        assert updated is not None
        self.bus.publish(ContactChanged(contact_id))
        if interaction.contact_id and interaction.contact_id != contact_id:
            self.bus.publish(ContactChanged(interaction.contact_id))
        self.bus.publish(InteractionUpdated(interaction_id, agent_id, "contact"))
        return Assignment(updated, self.get(contact_id), moved, added)

    def assign_new(
        self, interaction_id: str, agent_id: int, name: str,
        emails: Sequence[tuple[str, str]] = (), move_others: bool = True,
    ) -> Assignment:
        """Create a contact on the spot from the interaction's number and assign it."""
        interaction = self.repo.interaction(interaction_id)
        if interaction is None or interaction.owner_id != agent_id:
            raise ContactError("You can only assign your own interactions.")
        if interaction.state not in OPEN_STATES:
            raise ContactError("This interaction is closed.")
        taken = interaction.contact_id is not None and any(
            p.number == interaction.contact_number
            for p in self.get(interaction.contact_id).phones)
        # A wrongly matched number moves to the new contact with the assignment below.
        contact = self.save(None, name, [] if taken else [(interaction.contact_number,
                                                           "mobile")], emails)
        return self.assign(interaction_id, agent_id, contact.id, add_number=True,
                           move_others=move_others)



# -- CSV import ---------------------------------------------------------------------------

MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_BYTES = 2_000_000
NAME_COLUMNS = {"name", "full name", "contact", "contact name"}
PHONE_COLUMNS = {"phone", "phones", "number", "numbers", "mobile", "phone number", "telephone"}
EMAIL_COLUMNS = {"email", "emails", "e-mail", "e-mails", "email address", "mail"}


@dataclass(frozen=True)
class ImportRow:
    line: int  # the line in the file (the header is line 1)
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    problems: tuple[str, ...] = ()
    draft: ContactDraft | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ImportPreview:
    rows: tuple[ImportRow, ...]
    problems: tuple[str, ...] = ()  # about the file as a whole

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def report(self) -> list[str]:
        return list(self.problems) + [f"Line {r.line}: {p}" for r in self.rows
                                      for p in r.problems]


def _column(header: str, names: set[str]) -> bool:
    base = re.sub(r"[\s_]*\d+$", "", fold(header).strip().replace("_", " "))
    return base in names


def parse_contacts_csv(text: str, region: str = "US") -> ImportPreview:
    """Read a CSV (a header row naming ``name``, ``phone`` and ``email`` columns; several
    numbers or addresses in one cell are separated by ``;``, or use ``phone2``, ...) and
    validate every row; nothing is stored here."""
    import csv
    import io

    if len(text.encode("utf-8", errors="replace")) > MAX_IMPORT_BYTES:
        return ImportPreview((), (f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB.",))
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return ImportPreview((), ("The file is empty.",))
    name_at = [i for i, h in enumerate(header) if _column(h, NAME_COLUMNS)]
    phone_at = [i for i, h in enumerate(header) if _column(h, PHONE_COLUMNS)]
    email_at = [i for i, h in enumerate(header) if _column(h, EMAIL_COLUMNS)]
    if not name_at:
        return ImportPreview((), ("The first line must name the columns, with one called "
                                  "“name” (and “phone”, “email” as needed).",))
    rows: list[ImportRow] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                return ImportPreview(tuple(rows), (
                    f"At most {MAX_IMPORT_ROWS:,} contacts can be imported at once.",))

            def cells(at: list[int], record: list[str] = record) -> list[str]:
                return [v.strip() for i in at if i < len(record)
                        for v in record[i].split(";") if v.strip()]

            name = " ".join(cells(name_at))
            phones, emails = cells(phone_at), cells(email_at)
            problems: list[str] = []
            draft = None
            try:
                draft = validate_contact(name, [(p, "") for p in phones],
                                         [(e, "") for e in emails], region)
            except ContactError as exc:
                problems.extend(exc.problems)
            if draft is not None:
                for p in draft.phones:
                    if p.number in seen_numbers:
                        problems.append(f"The number {p.number} is also on line "
                                        f"{seen_numbers[p.number]}.")
                    seen_numbers.setdefault(p.number, line)
                for e in draft.emails:
                    key = fold(e.address)
                    if key in seen_emails:
                        problems.append(f"The e-mail address {e.address} is also on line "
                                        f"{seen_emails[key]}.")
                    seen_emails.setdefault(key, line)
            rows.append(ImportRow(line, name, tuple(phones), tuple(emails), tuple(problems),
                                  draft if not problems else None))
    except csv.Error as exc:
        return ImportPreview(tuple(rows), (f"The file is not valid CSV: {exc}",))
    if not rows:
        return ImportPreview((), ("The file has no contacts under its header line.",))
    return ImportPreview(tuple(rows))
