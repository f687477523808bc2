"""The standard response library: browse by category, search, pick one to insert.

Also the shortcut keywords: typing ``#hello`` and then a space (or Enter) in the message
area replaces the keyword with the response whose shortcut is ``hello``. A keyword starts
a word (start of text or after whitespace) and is letters, digits, ``_`` or ``-``; the
match is case-insensitive. The browser expands as the agent types (no round trip, no
race with further typing); the server applies the same rule to whatever else reaches it
(a paste, a client whose script did not run), only to newly inserted text.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from nicegui import ui

from domain.standard_responses import StandardResponse
from ui.testids import tid

KEYWORD = re.compile(r"[A-Za-z0-9_-]+")
# '#keyword' starting a word, followed by the whitespace that triggers it.
_TRIGGER = re.compile(r"(?<!\S)#([A-Za-z0-9_-]+)(?=\s)")
SHORTCUT_HINT = "Type #shortcut then Space to insert a standard response"

Pick = Callable[[StandardResponse], Awaitable[None] | None]


# -- pure helpers -----------------------------------------------------------------------


def shortcut_map(responses: Iterable[StandardResponse]) -> dict[str, StandardResponse]:
    """Usable shortcut keywords (lower case) to their response; the first one wins."""
    found: dict[str, StandardResponse] = {}
    for response in responses:
        key = (response.shortcut or "").strip().lstrip("#").lower()
        if key and KEYWORD.fullmatch(key) and key not in found:
            found[key] = response
    return found


def search(responses: Sequence[StandardResponse], query: str) -> list[StandardResponse]:
    """Responses whose title, text, shortcut or category hold every word of ``query``.

    Best first: an exact shortcut, then title matches, then the rest (library order).
    """
    words = query.lower().split()
    if not words:
        return list(responses)
    exact = query.strip().lstrip("#").lower()
    scored: list[tuple[int, int, StandardResponse]] = []
    for position, response in enumerate(responses):
        shortcut = (response.shortcut or "").lower()
        haystack = " ".join(
            (response.title, response.text, response.category, shortcut, f"#{shortcut}")
        ).lower()
        if not all(word in haystack for word in words):
            continue
        if shortcut and shortcut == exact:
            rank = 0
        elif all(word in response.title.lower() for word in words):
            rank = 1
        else:
            rank = 2
        scored.append((rank, position, response))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [response for _, _, response in scored]


def by_category(responses: Iterable[StandardResponse]) -> list[tuple[str, list[StandardResponse]]]:
    """Categories in first-seen order (the library arrives sorted by category)."""
    groups: dict[str, list[StandardResponse]] = {}
    for response in responses:
        groups.setdefault(response.category or "Other", []).append(response)
    return list(groups.items())


@dataclass(frozen=True)
class Expansion:
    text: str
    caret: int  # code-point index just after the last expanded response and its separator


def inserted_region(before: str, after: str) -> tuple[int, int]:
    """Where ``after`` differs from ``before``: [start, end) in ``after`` (one edit)."""
    limit = min(len(before), len(after))
    lo, hi = 0, limit  # longest common prefix by bisection: slices compare in C
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if before[:mid] == after[:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, limit - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if before[len(before) - mid:] == after[len(after) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return prefix, len(after) - lo


def expand_shortcuts(
    before: str, after: str, shortcuts: dict[str, StandardResponse]
) -> Expansion | None:
    """Expand ``#keyword`` + whitespace where the whitespace was just typed or pasted."""
    if not shortcuts or "#" not in after:
        return None
    start, end = inserted_region(before, after)
    if end <= start:
        return None
    pieces: list[str] = []
    last = 0
    caret = None
    # A trigger's whitespace must be new; its keyword may be older (typed earlier).
    window_start = max(0, after.rfind("#", 0, start + 1) - 1) if start else 0
    for match in _TRIGGER.finditer(after, window_start, min(len(after), end + 1)):
        separator = match.end()
        if not start <= separator < end:
            continue
        response = shortcuts.get(match.group(1).lower())
        if response is None:
            continue
        pieces.append(after[last:match.start()])
        pieces.append(response.text)
        last = match.end()
        caret = sum(len(p) for p in pieces) + 1  # after the separator
    if caret is None:
        return None
    pieces.append(after[last:])
    return Expansion("".join(pieces), caret)


def shortcut_json(shortcuts: dict[str, StandardResponse]) -> str:
    """The keyword -> text map the browser's expander reads (``data-shortcuts``)."""
    return json.dumps({key: response.text for key, response in shortcuts.items()})


# A ``beforeinput`` handler on the textarea doing the same expansion while the agent types
# (the keyword map arrives later in its ``data-shortcuts`` attribute).
CLIENT_EXPANDER = """(e) => {
  const t = e.inputType;
  if (e.isComposing || !((t === 'insertText' && e.data === ' ') || t === 'insertLineBreak')) return;
  const el = e.target;
  if (!el || !el.dataset || !el.dataset.shortcuts) return;
  const caret = el.selectionStart;
  if (caret !== el.selectionEnd) return;
  const m = /(^|\\s)#([A-Za-z0-9_-]+)$/.exec(el.value.slice(0, caret));
  if (!m) return;
  let map = {};
  try { map = JSON.parse(el.dataset.shortcuts); } catch (_) { return; }
  const text = map[m[2].toLowerCase()];
  if (typeof text !== 'string') return;
  e.preventDefault();
  const sep = t === 'insertLineBreak' ? '\\n' : ' ';
  el.setRangeText(text + sep, caret - m[2].length - 1, caret, 'end');
  el.dispatchEvent(new Event('input', { bubbles: true }));
}"""


# -- the library dialog -----------------------------------------------------------------

# Arrow keys move between the search box and the visible responses; Enter picks (QItem).
_ARROWS = """(e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const box = e.currentTarget;
  const items = [...box.querySelectorAll('[data-testid="standard-response-item"]')]
    .filter((el) => el.offsetParent !== null);
  const search = box.querySelector('input[data-testid="standard-responses-search"]')
    || box.querySelector('[data-testid="standard-responses-search"] input');
  const current = document.activeElement.closest('[data-testid="standard-response-item"]');
  const at = items.indexOf(current);
  let next = null;
  if (e.key === 'ArrowDown') next = at < 0 ? items[0] : items[Math.min(at + 1, items.length - 1)];
  else next = at <= 0 ? search : items[at - 1];
  if (next) { e.preventDefault(); next.focus(); }
}"""


class StandardResponseLibrary:
    """A dialog listing the standard responses; ``open()`` shows it, choosing one calls
    ``on_pick(response)`` after the dialog closes. ``on_close`` runs whenever it closes."""

    def __init__(
        self,
        load: Callable[[], Awaitable[list[StandardResponse]]],
        on_pick: Pick,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._load = load
        self._on_pick = on_pick
        self._responses: list[StandardResponse] = []
        self.dialog = ui.dialog().props('no-refocus aria-label="Standard responses"')
        if on_close is not None:
            self.dialog.on("hide", lambda _e: on_close())
        with self.dialog:
            self.card = tid(ui.card(), "standard-responses-dialog").classes(
                "parley-responses q-pa-md gap-2"
            )
            self.card.on("keydown", js_handler=_ARROWS)
            with self.card:
                with ui.row().classes("w-full items-center no-wrap"):
                    ui.label("Standard responses").classes("text-h6")
                    ui.space()
                    tid(ui.button(icon="close", on_click=self.dialog.close),
                        "standard-responses-close").props(
                        'flat round dense aria-label="Close"'
                    )
                self.search = tid(
                    ui.input("Search", placeholder="Title, text or #shortcut"),
                    "standard-responses-search",
                ).props("outlined dense clearable autofocus").classes("w-full")
                self.search.on_value_change(lambda _e: self._render())
                self.search.on("keydown.enter", self._pick_first)
                ui.label("↑ ↓ move · Enter inserts · Esc closes · " + SHORTCUT_HINT).classes(
                    "text-caption text-grey-7"
                )
                self.results = tid(ui.column(), "standard-responses-list").classes(
                    "w-full gap-0 parley-responses-list"
                ).props('role="list"')

    @property
    def responses(self) -> list[StandardResponse]:
        return self._responses

    async def open(self) -> None:
        self._responses = await self._load()
        self.search.value = ""
        self._render()
        self.dialog.open()

    def close(self) -> None:
        self.dialog.close()

    def visible(self) -> list[StandardResponse]:
        return search(self._responses, self.search.value or "")

    def _render(self) -> None:
        query = (self.search.value or "").strip()
        matches = search(self._responses, query)
        self.results.clear()
        with self.results:
            if not self._responses:
                tid(ui.label("No standard responses are configured."),
                    "standard-responses-empty").classes("text-grey-8 q-pa-sm")
                return
            if not matches:
                tid(ui.label(f"No standard response matches “{query}”."),
                    "standard-responses-empty").classes("text-grey-8 q-pa-sm")
                return
            if query:
                for response in matches:
                    self._item(response, show_category=True)
                return
            groups = by_category(matches)
            for category, members in groups:
                with tid(ui.expansion(f"{category} ({len(members)})", value=True),
                         "standard-responses-category", category=category).classes(
                    "w-full"
                ).props("dense header-class=text-weight-medium"):
                    for response in members:
                        self._item(response)

    def _item(self, response: StandardResponse, show_category: bool = False) -> None:
        item = tid(
            ui.item(on_click=lambda r=response: self._choose(r)),
            "standard-response-item",
            id=response.id, shortcut=response.shortcut or "", category=response.category,
        ).classes("parley-response").props('role="listitem"')
        with item:
            with ui.item_section():
                with ui.row().classes("items-baseline gap-2 no-wrap"):
                    ui.label(response.title).classes("text-weight-medium")
                    if response.shortcut:
                        ui.label(f"#{response.shortcut}").classes("parley-chip")
                    if show_category:
                        ui.label(response.category).classes("text-caption text-grey-7")
                ui.label(response.text).classes("parley-response-text text-grey-8")

    async def _pick_first(self) -> None:
        matches = self.visible()
        if matches:
            await self._choose(matches[0])

    async def _choose(self, response: StandardResponse) -> None:
        self.dialog.close()
        result = self._on_pick(response)
        if inspect.isawaitable(result):
            await result
