"""The SMS message area at the bottom of an interaction window (seed "SMS Message Area").

Type, paste, copy and select as usual (the native context menu is left alone); the live
counter shows characters and SMS parts exactly as ``domain.sms.split_sms`` splits them;
Ctrl+Enter (Cmd+Enter) or Send delivers; an empty message is not sent; the standard
response library (button or Alt+R) inserts a response at the cursor, and ``#keyword``
then Space expands a shortcut. Each interaction keeps its own draft, saved shortly after
typing stops, so it survives a reload. Spelling Check (``ui.spell``) underlines
possibly misspelled words, offers suggestions on right-click (or Shift+F10) and, when the
agent's option says so, asks before sending a text that still has misspellings.

Nothing slow runs on the event loop: the draft, the library, sending and splitting a long
text all go through ``run.io_bound``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, run, ui
from nicegui.events import ValueChangeEventArguments

from domain.agents import Agent
from domain.handling import HandlingError, SendResult
from domain.interactions import Interaction, State
from domain.sms import GSM_BASIC, GSM_EXTENSION, UCS2, SmsSplit
from domain.standard_responses import StandardResponse
from domain.system import Services
from ui.safe_props import set_props
from ui.spell import MENU_KEYS, SpellLayer
from ui.standard_responses import (
    CLIENT_EXPANDER,
    SHORTCUT_HINT,
    StandardResponseLibrary,
    expand_shortcuts,
    shortcut_json,
    shortcut_map,
)
from ui.testids import tid

log = logging.getLogger(__name__)

PLACEHOLDER = "Type your reply. Ctrl+Enter sends; #shortcut then Space inserts a standard response."
EXPIRED_REASON = "This session has expired: click Done to close it."
CLOSED_REASON = "This interaction no longer takes replies."
IDLE_HINT = "Ctrl+Enter or Send delivers the message."
EMPTY_HINT = "Nothing to send yet: type a message first."
MAX_LENGTH = 20_000  # what a draft keeps; far beyond any sendable message
DRAFT_DELAY = 0.6  # seconds after typing stops before the draft is stored
COUNT_DELAY = 0.08  # seconds of quiet before a long text is split off the loop
INLINE_SPLIT = 200  # characters: split on the loop up to here (well under a millisecond)
JS_TIMEOUT = 1.0

# Finds the native <textarea> of a ui.textarea (Quasar gives it the element's html id).
_FIND = (
    "((r) => r && (r.tagName === 'TEXTAREA' ? r : r.querySelector('textarea')))"
    "(getHtmlElement({id}))"
)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def index_from_utf16(text: str, units: Any) -> int:
    """A browser's selection offset (UTF-16 code units) as an index into ``text``."""
    if not isinstance(units, int | float) or units <= 0:
        return 0
    units = int(units)
    if text.isascii() or max(text) <= "\uffff":
        return min(units, len(text))
    # Half of a surrogate pair is dropped: the index lands before that character.
    return len(text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore"))


def first_non_gsm(text: str) -> str | None:
    return next((ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENSION), None)


class Compose:
    """Message area for one interaction owned by ``agent``.

    ``on_sent(result)`` runs after a successful send (the input is already cleared);
    ``on_error(message)`` shows a refusal (default: a notification) and the text is kept.
    ``before_send`` may be set to an async ``(text) -> bool`` check (e.g. a spelling
    warning); ``False`` keeps the text and sends nothing.
    """

    def __init__(
        self,
        services: Services,
        agent: Agent,
        interaction: Interaction,
        on_sent: Callable[[SendResult], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.services = services
        self.agent = agent
        self.interaction = interaction
        self.on_sent = on_sent
        self.on_error = on_error
        self.before_send: Callable[[str], Awaitable[bool]] | None = None
        self.max_parts = services.handling.max_parts
        self.enabled = True
        self.reason = ""
        self._sending = False
        self._confirming = False  # before_send is being awaited
        self._hint_negative = False
        self._programmatic = False  # a value set by this component: no shortcut expansion
        self._saved: str | None = None  # the stored draft; None until it has been read
        self._draft_generation = 0
        self._count_generation = 0
        self._store_lock = asyncio.Lock()  # draft writes and the send, one at a time
        self._responses: list[StandardResponse] | None = None
        self._responses_lock = asyncio.Lock()
        self._shortcuts: dict[str, StandardResponse] = {}
        self.ready = asyncio.Event()  # set once the draft and the library are loaded

        self.root = tid(ui.column(), "compose").classes("parley-compose w-full gap-1")
        self.root.props('role="group" aria-label="Message"')
        with self.root:
            # The field sits in its own box: the spelling layer draws behind the text in it.
            with ui.element("div").classes("parley-compose-field w-full") as self.field:
                self.input = tid(ui.textarea("Message", placeholder=PLACEHOLDER),
                                 "compose-input")
                self.input.classes("w-full").props('outlined autogrow spellcheck="false"')
                set_props(self.input, maxlength=MAX_LENGTH,
                          aria_keyshortcuts=f"Control+Enter Meta+Enter Alt+R {MENU_KEYS}")
            with ui.row().classes(
                "w-full items-center gap-2 no-wrap parley-compose-bar"
            ) as self.bar:
                self.library_button = tid(
                    ui.button("Responses", icon="library_books", on_click=self.open_library),
                    "standard-responses",
                ).props('flat no-caps dense aria-keyshortcuts="Alt+R" '
                        'aria-haspopup="dialog"')
                with self.library_button:
                    ui.tooltip(f"Standard responses (Alt+R). {SHORTCUT_HINT}.")
                self.hint = tid(ui.label(IDLE_HINT), "compose-hint").classes(
                    "parley-compose-hint"
                ).props('aria-live="polite"')
                ui.space()
                self.warning = tid(ui.label(""), "compose-warning").classes(
                    "parley-compose-warning"
                ).props('aria-live="polite"')
                self.warning.visible = False
                self.encoding = tid(ui.label("GSM-7"), "compose-encoding").classes(
                    "parley-compose-encoding"
                )
                with self.encoding:
                    self.encoding_tip = ui.tooltip(self._encoding_text(None))
                self.counter = tid(ui.label("0/160 · 1 SMS"), "compose-counter").classes(
                    "parley-compose-counter"
                )
                self.send_button = tid(
                    ui.button("Send", icon="send", on_click=self.send), "compose-send"
                ).props('unelevated no-caps color=primary aria-keyshortcuts="Control+Enter"')
            self.library = StandardResponseLibrary(
                self._load_responses, self.insert_response, on_close=self.focus
            )

        self.input.on_value_change(self._changed)
        self.input.on("keydown.enter.ctrl.prevent", self.send)
        self.input.on("keydown.enter.meta.prevent", self.send)
        self.input.on(
            "keydown", self.open_library,
            js_handler="(e) => { if (e.altKey && !e.ctrlKey && !e.metaKey && "
                       "e.code === 'KeyR') { e.preventDefault(); emit(); } }",
        )
        self.input.on("blur", self.flush_draft)
        self.input.on("beforeinput", js_handler=CLIENT_EXPANDER)
        # Spelling Check: underlines, the right-click menu and the warning before sending.
        self.spelling = SpellLayer(self)
        self.before_send = self.spelling.confirm_send
        self._refresh_send()

        if interaction.state is State.EXPIRED:
            self.set_enabled(False, EXPIRED_REASON)
        elif interaction.state is not State.ACTIVE:
            self.set_enabled(False, CLOSED_REASON)
        background_tasks.create(self._start(), name="compose-start")

    # -- public ---------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.input.value or ""

    def set_enabled(self, enabled: bool, reason: str = "") -> None:
        """Turn the message area on or off; ``reason`` replaces the placeholder when off."""
        if enabled == self.enabled and (enabled or reason == self.reason):
            return  # unchanged: keep what the hint says now
        self.enabled = enabled
        self.reason = "" if enabled else reason
        self.input.set_enabled(enabled)
        self.library_button.set_enabled(enabled)
        self.input.props["placeholder"] = PLACEHOLDER if enabled else (reason or "")
        if enabled:
            self._hint(IDLE_HINT)
        else:
            self.library.close()
            self._hint(reason, negative=False)
        self._refresh_send()

    def focus(self) -> None:
        self.input.run_method("focus")

    @property
    def setting_text(self) -> bool:
        """True while this component itself is setting the text (not the agent typing)."""
        return self._programmatic

    def replace(self, start: int, end: int, text: str) -> None:
        """Put ``text`` in place of ``self.text[start:end]``; the caret follows it."""
        current = self.text
        self._set_text(current[:start] + text + current[end:], caret=start + len(text))

    async def send(self) -> None:
        """Send the text (off the loop); kept on refusal, cleared on success."""
        if self._sending or self._confirming or not self.enabled:
            return
        text = self.text
        if not text.strip():
            self._hint(EMPTY_HINT, negative=True)
            self.focus()
            return
        if self.before_send is not None:
            self._confirming = True  # a second Send while asking does nothing
            try:
                if not await self.before_send(text):
                    return
            finally:
                self._confirming = False
            if not self.enabled or self._sending:
                return
        self._sending = True
        self._draft_generation += 1  # a pending draft save would be stale
        self.send_button.props("loading")
        self.input.props("readonly")
        self._hint("Sending…")
        self._refresh_send()
        try:
            async with self._store_lock:
                result: SendResult = await run.io_bound(
                    self.services.handling.send, self.interaction.id, self.agent.id, text
                )
        except HandlingError as exc:
            self._refuse(str(exc))
            return
        except Exception:
            log.exception("sending on interaction %s failed", self.interaction.id)
            self._refuse("The message could not be sent. Your text is kept: try again.")
            return
        finally:
            self._sending = False
            self.send_button.props(remove="loading")
            self.input.props(remove="readonly")
            self._refresh_send()
        self._saved = ""  # the service cleared the stored draft
        self._set_text("")
        self._hint(IDLE_HINT)
        self.on_sent(result)

    async def open_library(self) -> None:
        if self.enabled and not self._sending:
            await self.library.open()

    async def insert_response(self, response: StandardResponse) -> None:
        await self.insert_text(response.text)

    async def insert_text(self, text: str) -> None:
        """Insert ``text`` at the browser's cursor (replacing a selection), or at the end
        when the browser does not say; the caret then follows the inserted text."""
        if not self.enabled or self._sending:
            return
        selection = await self._selection()
        current = self.text
        if isinstance(selection, dict):
            if isinstance(selection.get("value"), str):
                current = selection["value"]
            start = index_from_utf16(current, selection.get("start"))
            end = max(start, index_from_utf16(current, selection.get("end")))
        else:
            start = end = len(current)
        self._set_text(current[:start] + text + current[end:], caret=start + len(text))

    async def flush_draft(self) -> None:
        """Store the draft now if it changed (on blur, on leaving the page)."""
        await self._store_draft()

    # -- typing ---------------------------------------------------------------------------

    def _changed(self, e: ValueChangeEventArguments) -> None:
        text = e.value or ""
        if not self._programmatic and self._shortcuts:
            expansion = expand_shortcuts(e.previous_value or "", text, self._shortcuts)
            if expansion is not None:
                # After this handler: a value set inside it would not reach the browser.
                asyncio.get_running_loop().call_soon(
                    self._apply_expansion, text, expansion.text, expansion.caret
                )
        if self._hint_negative:
            self._hint(IDLE_HINT)
        self._refresh_send()
        self._count(text)
        self._schedule_draft()

    def _apply_expansion(self, expected: str, text: str, caret: int) -> None:
        if self.text == expected and not self.input.is_deleted:
            self._set_text(text, caret=caret)

    def _set_text(self, text: str, caret: int | None = None) -> None:
        self._programmatic = True
        try:
            if self.input.value == text:
                self.input.update()  # the browser may hold something else: resend
            else:
                self.input.value = text
        finally:
            self._programmatic = False
        if caret is not None:
            position = utf16_length(text[:caret])
            code = (
                f"(() => {{ /* parley-compose-caret */ const el = {_FIND.format(id=self.input.id)};"
                " if (!el) return; let n = 0;"
                f" const go = () => {{ if (el.value.length !== {utf16_length(text)} && n++ < 40)"
                " { setTimeout(go, 15); return; }"
                f" el.focus(); el.setSelectionRange({position}, {position}); }};"
                " setTimeout(go, 0); })()"
            )
            self.input.client.run_javascript(code)

    async def _selection(self) -> dict[str, Any] | None:
        code = (
            f"(() => {{ /* parley-compose-selection */ const el = "
            f"{_FIND.format(id=self.input.id)}; if (!el) return null;"
            " return { start: el.selectionStart, end: el.selectionEnd, value: el.value }; })()"
        )
        try:
            result = await self.input.client.run_javascript(code, timeout=JS_TIMEOUT)
        except TimeoutError:
            return None
        return result if isinstance(result, dict) else None

    # -- counter --------------------------------------------------------------------------

    def _count(self, text: str) -> None:
        self._count_generation += 1
        if len(text) <= INLINE_SPLIT:
            self._show_split(*self._measure(text))
        else:
            background_tasks.create(self._count_later(text, self._count_generation),
                                    name="compose-count")

    async def _count_later(self, text: str, generation: int) -> None:
        await asyncio.sleep(COUNT_DELAY)
        if generation != self._count_generation:
            return
        split, odd = await run.io_bound(self._measure, text)
        if generation == self._count_generation and not self.counter.is_deleted:
            self._show_split(split, odd)

    def _measure(self, text: str) -> tuple[SmsSplit, str | None]:
        split = self.services.handling.preview_split(text)
        return split, first_non_gsm(text) if split.encoding == UCS2 else None

    def _show_split(self, split: SmsSplit, odd: str | None) -> None:
        self.counter.text = split.counter
        self.encoding.text = split.encoding
        self.encoding_tip.text = self._encoding_text(odd)
        too_long = split.count > self.max_parts
        self.warning.text = (
            f"Too long: {split.count} SMS, at most {self.max_parts}" if too_long else ""
        )
        self.warning.visible = too_long
        if too_long:
            self.counter.classes(add="text-negative")
        else:
            self.counter.classes(remove="text-negative")
        set_props(self.counter, data_parts=split.count, data_encoding=split.encoding)

    @staticmethod
    def _encoding_text(odd: str | None) -> str:
        if odd is None:
            return "GSM-7: 160 characters fit in one SMS, 153 per part when split."
        shown = json.dumps(odd, ensure_ascii=True) if not odd.isprintable() else f"“{odd}”"
        return (f"UCS-2 because of {shown}: 70 characters fit in one SMS, "
                "67 per part when split.")

    # -- state ----------------------------------------------------------------------------

    def _refresh_send(self) -> None:
        ready = self.enabled and not self._sending and bool(self.text.strip())
        self.send_button.set_enabled(ready)

    def _hint(self, text: str, negative: bool = False) -> None:
        self.hint.text = text
        self._hint_negative = negative
        if negative:
            self.hint.classes(add="text-negative")
        else:
            self.hint.classes(remove="text-negative")

    def _refuse(self, message: str) -> None:
        self._hint("Not sent: your text is kept.", negative=True)
        self._schedule_draft()  # the send dropped the pending save: keep the text stored
        if self.on_error is not None:
            self.on_error(message)
        else:
            with self.root:
                ui.notify(message, type="negative", multi_line=True)

    # -- loading and drafts ---------------------------------------------------------------

    async def _start(self) -> None:
        try:
            draft = await run.io_bound(
                self.services.handling.draft, self.interaction.id, self.agent.id
            )
        except HandlingError:
            draft = ""
        except Exception:
            log.exception("loading the draft of %s failed", self.interaction.id)
            draft = ""
        if not self.input.is_deleted:
            self._saved = draft
            if draft and not self.text:
                self._set_text(draft)
            elif self.text != draft:
                self._schedule_draft()  # typed before the draft arrived: that wins
        await self._load_responses()
        self.ready.set()

    async def _load_responses(self) -> list[StandardResponse]:
        async with self._responses_lock:
            if self._responses is None:
                try:
                    self._responses = await run.io_bound(
                        self.services.directory.standard_responses
                    )
                except Exception:
                    log.exception("loading standard responses failed")
                    return []
                self._shortcuts = shortcut_map(self._responses)
                if not self.input.is_deleted:  # read by the browser's expander
                    self.input.props["data-shortcuts"] = shortcut_json(self._shortcuts)
            return self._responses

    def _schedule_draft(self) -> None:
        self._draft_generation += 1
        background_tasks.create(self._draft_later(self._draft_generation), name="compose-draft")

    async def _draft_later(self, generation: int) -> None:
        await asyncio.sleep(DRAFT_DELAY)
        if generation == self._draft_generation:
            await self._store_draft()

    async def _store_draft(self) -> None:
        if self._saved is None or self._sending or self.text == self._saved:
            return
        async with self._store_lock:
            text = self.text  # the newest text, read after waiting for the lock
            if self._saved is None or self._sending or text == self._saved:
                return
            try:
                await run.io_bound(
                    self.services.handling.save_draft, self.interaction.id, self.agent.id, text
                )
            except HandlingError:
                self._saved = text  # no longer ours: nothing to keep trying
            except Exception:
                log.exception("saving the draft of %s failed", self.interaction.id)
            else:
                self._saved = text
