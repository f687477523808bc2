"""Spelling Check in the message area (seeds "Spelling Check" and "SMS Message Area").

Words that are not in the chosen dictionary get a red wavy underline while the agent
types, pastes or inserts a standard response. The underline is drawn by a *backdrop*: an
element behind the (transparent) text area with the same font, padding, width and
scroll, holding the same text (built with ``textContent``, never HTML) in which each
misspelled word is a ``span``. The server checks the text shortly after typing stops
(off the event loop) and sends the ranges together with the exact text it checked; the
browser paints them only while the text area still holds that text. Between two results
the browser moves the underlines it has along with the edit and drops the touched ones.

Right-click on an underlined word opens ``spell-menu`` (suggestions in bold, Ignore,
Ignore All, Add to My Dictionary, Spell Checking on/off, Languages); right-click anywhere
else keeps the browser's own menu (cut, copy, paste, select all). With the caret in an
underlined word, Shift+F10 or the Menu key opens the same menu; arrows move, Enter
picks, Esc closes, and focus returns to the text area. The spelling button in the message
bar (``spell-settings``, showing the language code) opens the settings part of the menu:
how checking is switched back on, or the language changed, without a misspelled word.
Languages other than English are built on first use (a few seconds, off the event loop)
while "Loading the <language> dictionary…" shows over the field.

When the agent's ``spelling_warning`` option is on (and checking is on), sending a text
that still has misspellings (checked again on the server) asks first: Yes sends, No
returns to the text.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nicegui import background_tasks, run, ui
from nicegui.client import Client
from nicegui.events import GenericEventArguments, ValueChangeEventArguments

from domain import spelling
from domain.spell_check import SpellCheckError
from domain.spelling import Misspelling
from ui.safe_props import set_props
from ui.standard_responses import inserted_region
from ui.testids import tid

if TYPE_CHECKING:
    from ui.compose import Compose

log = logging.getLogger(__name__)

CHECK_DELAY = 0.2  # seconds of quiet typing before the text is checked
SUGGESTIONS = 5
LISTED_WORDS = 8  # misspelled words named in the send warning
REMEMBERED = 2000  # interactions whose Ignore All words are kept in memory
MENU_KEYS = "Shift+F10 ContextMenu"
HELP = ("Possibly misspelled words are underlined in red. Right-click one, or put the "
        "cursor in it and press Shift+F10 or the Menu key, for suggestions.")
NO_SUGGESTIONS = "No suggestions"
CHANGED = "The text changed: right-click the word again."


# -- pure helpers -------------------------------------------------------------------------


def _astral(text: str) -> list[int]:
    """Indices of the characters that take two UTF-16 units (emoji and the like)."""
    if text.isascii() or max(text) <= "\uffff":
        return []
    return [i for i, ch in enumerate(text) if ch > "\uffff"]


def utf16_ranges(text: str, found: Iterable[Misspelling]) -> list[list[Any]]:
    """``[start, end, word]`` with the offsets in UTF-16 units, as a browser counts."""
    astral = _astral(text)
    if not astral:
        return [[m.start, m.end, m.word] for m in found]
    return [[m.start + bisect.bisect_left(astral, m.start),
             m.end + bisect.bisect_left(astral, m.end), m.word] for m in found]


def index_from_units(text: str, units: Any) -> int:
    """A browser offset (UTF-16 units) as an index into ``text`` (clamped); an offset
    inside a surrogate pair lands before that character."""
    if not isinstance(units, int | float) or units <= 0:
        return 0
    units = int(units)
    astral = _astral(text)
    if not astral:
        return min(units, len(text))
    low, high = 0, len(text)  # the first index whose offset reaches ``units``
    while low < high:
        mid = (low + high) // 2
        if mid + bisect.bisect_left(astral, mid) < units:
            low = mid + 1
        else:
            high = mid
    if low + bisect.bisect_left(astral, low) > units:
        low -= 1  # inside the pair of text[low - 1]
    return min(low, len(text))


def _word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


Span = tuple[int, int, str]


def shift_spans(before: str, after: str, spans: Iterable[Span]) -> set[Span]:
    """Move ignored occurrences along with one edit (``before`` -> ``after``); one that
    the edit touched, or that no longer stands as that whole word, is dropped."""
    spans = set(spans)
    if before == after or not spans:
        return spans
    start, end = inserted_region(before, after)
    old_end = len(before) - (len(after) - end)  # end of the replaced part in ``before``
    delta = len(after) - len(before)
    kept: set[Span] = set()
    for s, e, word in spans:
        if e <= start:
            ns, ne = s, e
        elif s >= old_end:
            ns, ne = s + delta, e + delta
        else:
            continue
        if after[ns:ne] == word and not _word_char(after, ns - 1) and not _word_char(after, ne):
            kept.add((ns, ne, word))
    return kept


def unique_words(found: Iterable[Misspelling]) -> list[str]:
    seen: dict[str, str] = {}
    for m in found:
        seen.setdefault(m.word.lower(), m.word)
    return list(seen.values())


def warning_text(words: Sequence[str]) -> str:
    """The send warning's question, naming the words (the first few)."""
    shown = ", ".join(f"“{w}”" for w in words[:LISTED_WORDS])
    if len(words) > LISTED_WORDS:
        shown += f" and {len(words) - LISTED_WORDS} more"
    noun = "word" if len(words) == 1 else "words"
    return f"Your message has {len(words)} possibly misspelled {noun}: {shown}. Send anyway?"


def language_or_default(code: str | None) -> str:
    try:
        return spelling.language_code(code)
    except ValueError:
        return spelling.DEFAULT_LANGUAGE


# Ignore All lasts as long as the interaction (here: while the server runs), across reloads.
_IGNORED: OrderedDict[tuple[int, Any], set[str]] = OrderedDict()


def ignored_words(agent_id: int, interaction_id: Any) -> set[str]:
    key = (agent_id, interaction_id)
    words = _IGNORED.get(key)
    if words is None:
        words = _IGNORED[key] = set()
        while len(_IGNORED) > REMEMBERED:
            _IGNORED.popitem(last=False)
    else:
        _IGNORED.move_to_end(key)
    return words


# -- the browser's part ------------------------------------------------------------------

CLIENT_JS = r"""
(() => {
  if (window.ParleySpell && window.ParleySpell.version === 4) return;
  const COPY = ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontVariant', 'fontStretch',
    'fontKerning', 'fontFeatureSettings', 'fontVariationSettings', 'lineHeight', 'letterSpacing',
    'wordSpacing', 'textTransform', 'textIndent', 'textAlign', 'tabSize', 'direction',
    'unicodeBidi', 'whiteSpace', 'overflowWrap', 'wordBreak', 'hyphens', 'textRendering',
    'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft'];
  const states = new Map();
  const byId = (id) => document.getElementById('c' + id);
  const textareaOf = (id) => {
    const r = byId(id);
    return r && (r.tagName === 'TEXTAREA' ? r : r.querySelector('textarea'));
  };

  function ensure(st) {
    const bd = byId(st.backdrop);
    if (!bd) { if (st.ro) st.ro.disconnect(); states.delete(st.backdrop); return false; }
    const ta = textareaOf(st.input);
    if (!ta) return false;
    st.bd = bd;
    if (st.ta !== ta) {
      if (st.ro) st.ro.disconnect();
      st.ta = ta;
      ta.addEventListener('input', () => follow(st));
      ta.addEventListener('scroll', () => scroll(st), { passive: true });
      ta.addEventListener('focus', () => { layout(st); follow(st); });
      if (window.ResizeObserver) {
        st.ro = new ResizeObserver(() => layout(st));
        st.ro.observe(ta);
        if (bd.parentElement) st.ro.observe(bd.parentElement);
      }
      layout(st);
      render(st);
    }
    return true;
  }

  function attach(cfg) {
    const st = states.get(cfg.backdrop) || { text: '', ranges: [], pending: null };
    Object.assign(st, cfg);
    states.set(cfg.backdrop, st);
    let n = 0;
    const go = () => { if (!ensure(st) && n++ < 200) setTimeout(go, 50); };
    go();
  }

  function layout(st) {
    const ta = st.ta, bd = st.bd;
    if (!ta || !bd || !ta.isConnected || !bd.isConnected) return;
    const cs = getComputedStyle(ta);
    for (const p of COPY) bd.style[p] = cs[p];
    const field = bd.offsetParent;
    let x = 0, y = 0, n = ta;
    while (n && n !== field) {
      x += n.offsetLeft; y += n.offsetTop; n = n.offsetParent;
      if (n && n !== field) { x += n.clientLeft; y += n.clientTop; }
    }
    if (n !== field && field) {  // not below the field (should not happen): measure
      const fr = field.getBoundingClientRect(), tr = ta.getBoundingClientRect();
      const scale = field.offsetWidth ? fr.width / field.offsetWidth : 1;
      x = (tr.left - fr.left) / scale - field.clientLeft;
      y = (tr.top - fr.top) / scale - field.clientTop;
    }
    const num = (v) => parseFloat(v) || 0;
    const bl = num(cs.borderLeftWidth), br = num(cs.borderRightWidth);
    const bt = num(cs.borderTopWidth);
    let width = num(cs.width);
    if (cs.boxSizing !== 'border-box') {
      width += num(cs.paddingLeft) + num(cs.paddingRight) + bl + br;
    }
    const bar = Math.max(0, ta.offsetWidth - ta.clientWidth - Math.round(bl) - Math.round(br));
    bd.style.left = (x + bl) + 'px';
    bd.style.top = (y + bt) + 'px';
    bd.style.width = Math.max(0, width - bl - br - bar) + 'px';
    bd.style.height = ta.clientHeight + 'px';
    scroll(st);
  }

  function scroll(st) {
    if (!st.ta || !st.bd) return;
    st.bd.scrollTop = st.ta.scrollTop;
    st.bd.scrollLeft = st.ta.scrollLeft;
  }

  function render(st) {
    const bd = st.bd, t = st.text;
    if (!bd) return;
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const [s, e, w] of st.ranges) {
      if (s < last || e > t.length || e <= s) continue;
      if (s > last) frag.appendChild(document.createTextNode(t.slice(last, s)));
      const span = document.createElement('span');
      span.className = 'parley-spell-error';
      span.textContent = t.slice(s, e);
      span.dataset.start = String(s);
      span.dataset.end = String(e);
      span.dataset.word = w;
      frag.appendChild(span);
      last = e;
    }
    if (last < t.length) frag.appendChild(document.createTextNode(t.slice(last)));
    if (t.endsWith('\n')) frag.appendChild(document.createTextNode('\u200b'));
    bd.replaceChildren(frag);
    bd.dataset.count = String(st.ranges.length);
    scroll(st);
  }

  // Move ranges along one edit (old -> now); the ones the edit touched are dropped.
  function shift(old, now, ranges) {
    const min = Math.min(old.length, now.length);
    let p = 0;
    while (p < min && old.charCodeAt(p) === now.charCodeAt(p)) p++;
    let s = 0;
    const same = (k) => old.charCodeAt(old.length - 1 - k) === now.charCodeAt(now.length - 1 - k);
    while (s < min - p && same(s)) s++;
    const oldEnd = old.length - s, delta = now.length - old.length;
    const out = [];
    for (const r of ranges) {
      if (r[1] < p) out.push(r);
      else if (r[0] > oldEnd) out.push([r[0] + delta, r[1] + delta, r[2]]);
    }
    return out;
  }

  function follow(st) {
    if (!st.ta) return;
    const v = st.ta.value;
    if (v !== st.text) {
      st.ranges = shift(st.text, v, st.ranges);
      st.text = v;
      render(st);
    }
    if (st.pending) tryPending(st);
  }

  function tryPending(st) {
    const p = st.pending;
    if (!p || !st.ta) return;
    if (st.ta.value === p.text) {
      st.pending = null;
      st.text = p.text;
      st.ranges = p.ranges;
      layout(st);
      render(st);
      return;
    }
    if (p.tries++ < 10) setTimeout(() => { if (st.pending === p) { follow(st); } }, 40);
    else st.pending = null;  // typed on since: the next result will come
  }

  function paint(id, text, ranges) {
    const st = states.get(id);
    if (!st || !ensure(st)) return;
    st.pending = { text, ranges, tries: 0 };
    follow(st);
  }

  function anchorAt(id, r) {
    const st = states.get(id);
    const a = st && byId(st.anchor);
    if (!a || !r) return;
    if (r instanceof Element) r = r.getBoundingClientRect();
    const f = a.offsetParent || a.parentElement;
    const fr = f.getBoundingClientRect();
    const scale = f.offsetWidth ? fr.width / f.offsetWidth : 1;
    a.style.left = ((r.left - fr.left) / scale - f.clientLeft) + 'px';
    a.style.top = ((r.top - fr.top) / scale - f.clientTop) + 'px';
    a.style.width = (r.width / scale) + 'px';
    a.style.height = (r.height / scale) + 'px';
  }

  function hit(st, x, y) {
    st.bd.classList.add('parley-spell-probe');
    try {
      for (const n of document.elementsFromPoint(x, y)) {
        const ours = n.classList && n.classList.contains('parley-spell-error');
        if (ours && st.bd.contains(n)) return n;
      }
    } finally {
      st.bd.classList.remove('parley-spell-probe');
    }
    return null;
  }

  function usable(st) {
    return ensure(st) && !st.ta.disabled && !st.ta.readOnly;
  }

  function atCaret(st) {
    follow(st);
    const ta = st.ta, a = ta.selectionStart, b = ta.selectionEnd;
    const r = st.ranges.find(([s, e]) => s <= a && b <= e);
    if (!r) return null;
    const span = st.bd.querySelector('span[data-start="' + r[0] + '"]');
    if (span) anchorAt(st.backdrop, span.getClientRects()[0] || span.getBoundingClientRect());
    return { start: r[0], end: r[1], word: r[2], value: ta.value, via: 'keyboard' };
  }

  function contextmenu(e, id) {
    const st = states.get(id);
    if (!st || !usable(st)) return null;
    if (Date.now() < (st.suppress || 0)) { e.preventDefault(); return null; }
    if (e.button !== 2) {  // opened from the keyboard: the word at the caret, if any
      const p = atCaret(st);
      if (p) e.preventDefault();
      return p;
    }
    follow(st);
    const span = hit(st, e.clientX, e.clientY);
    if (!span) return null;  // not on a misspelled word: the browser's own menu
    const a = st.ta.selectionStart, b = st.ta.selectionEnd;
    if (a !== b && (a < Number(span.dataset.start) || b > Number(span.dataset.end))) {
      return null;  // on a selection wider than the word: cut, copy and paste first
    }
    e.preventDefault();
    // Below the word's line (the part under the pointer), not over the text.
    const rects = [...span.getClientRects()];
    const under = rects.find((r) => r.top <= e.clientY && e.clientY <= r.bottom);
    const r = under || rects[0] || span.getBoundingClientRect();
    anchorAt(id, { left: e.clientX, top: r.top, width: 0, height: r.height });
    return { start: Number(span.dataset.start), end: Number(span.dataset.end),
             word: span.dataset.word, value: st.ta.value, via: 'mouse' };
  }

  function keydown(e, id) {
    const menuKey = e.key === 'ContextMenu'
      || (e.key === 'F10' && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey);
    if (!menuKey) return null;
    const st = states.get(id);
    if (!st || !usable(st)) return null;
    const p = atCaret(st);
    if (!p) return null;
    e.preventDefault();
    st.suppress = Date.now() + 1000;  // the context menu event that may follow
    return p;
  }

  // Arrow keys, Home and End move between a menu's items; ArrowRight opens a submenu.
  function menuKeys(e) {
    const box = e.currentTarget;
    const items = [...box.querySelectorAll('.q-item[tabindex="0"]')]
      .filter((el) => el.offsetParent !== null);
    if (!items.length) return;
    const current = document.activeElement && document.activeElement.closest('.q-item');
    const at = items.indexOf(current);
    let next = null;
    if (e.key === 'ArrowDown') next = items[at < 0 ? 0 : (at + 1) % items.length];
    else if (e.key === 'ArrowUp') next = items[at <= 0 ? items.length - 1 : at - 1];
    else if (e.key === 'Home') next = items[0];
    else if (e.key === 'End') next = items[items.length - 1];
    else if (e.key === 'ArrowRight' && current && current.getAttribute('aria-haspopup')) {
      e.preventDefault(); current.click(); return;
    }
    if (next) { e.preventDefault(); next.focus(); }
  }

  // Quasar places a menu with the viewport's (zoomed) numbers; under the desktop's zoom
  // (CSS zoom on the body) that puts it in the wrong place: place it from its anchor.
  function place(menu, box) {
    const r = menu.getBoundingClientRect();
    const scale = menu.offsetWidth ? r.width / menu.offsetWidth : 1;
    const anchor = byId(box.dataset.anchor);
    if (Math.abs(scale - 1) < 0.01 || !anchor) return;
    const s = menu.style;
    if (s.left === menu.dataset.parleyLeft && s.top === menu.dataset.parleyTop) return;
    const a = anchor.getBoundingClientRect(), w = r.width, h = r.height;
    const vw = window.innerWidth, vh = window.innerHeight, side = box.dataset.side === 'right';
    let left = side ? a.right : a.left, top = side ? a.top : a.bottom;
    if (left + w > vw - 4) left = side ? a.left - w : vw - 4 - w;
    if (top + h > vh - 4) top = side ? vh - 4 - h : a.top - h;
    s.left = (Math.max(4, left) / scale) + 'px';
    s.top = (Math.max(4, top) / scale) + 'px';
    menu.dataset.parleyLeft = s.left;
    menu.dataset.parleyTop = s.top;
  }

  function fixMenus() {
    setTimeout(() => {
      for (const box of document.querySelectorAll('.parley-spell-menu')) {
        const menu = box.closest('.q-menu');
        if (!menu) continue;
        if (!menu.__parleyZoom) {
          menu.__parleyZoom = new MutationObserver(() => place(menu, box));
          menu.__parleyZoom.observe(menu, { attributes: true, attributeFilter: ['style'] });
        }
        place(menu, box);
      }
    }, 0);
  }

  function focusMenu(id) {
    // The menu may take a while to show on a busy machine: keep looking for up to 5 s.
    // Focus moves to the item meant for it unless the agent already chose another item
    // (an earlier autofocus target, e.g. Ignore before the suggestions came, is no choice).
    const until = Date.now() + 5000;
    const go = () => {
      const box = byId(id);
      const el = box && box.querySelector('[data-autofocus]');
      if (el && el.offsetParent !== null) {
        const active = document.activeElement;
        if (active !== el && (!box.contains(active) || active.hasAttribute('data-autofocus')))
          el.focus();
      } else if (Date.now() < until) setTimeout(go, 25);
    };
    setTimeout(go, 0);
  }

  window.ParleySpell = { version: 4, attach, paint, contextmenu, keydown, anchorAt, menuKeys,
                         focusMenu, fixMenus, states };
})();
"""


FIX_MENUS = "() => window.ParleySpell && window.ParleySpell.fixMenus()"


def _js_call(name: str, *args: Any) -> str:
    body = ", ".join(json.dumps(a, ensure_ascii=True) for a in args)
    return f"window.ParleySpell && window.ParleySpell.{name}({body})"


_SCRIPTED: weakref.WeakSet[Client] = weakref.WeakSet()  # clients that have CLIENT_JS
_LAYERS: weakref.WeakSet[SpellLayer] = weakref.WeakSet()


@dataclass(frozen=True)
class Target:
    """The misspelled word a menu is about: ``text[start:end] == word`` (code points)."""

    start: int
    end: int
    word: str


class SpellLayer:
    """Spelling Check for one :class:`ui.compose.Compose` (built by it)."""

    def __init__(self, compose: Compose) -> None:
        self.compose = compose
        self.service = compose.services.spell_check
        self.agent_id = compose.agent.id
        options = compose.agent.options
        self.language = language_or_default(options.spell_language)
        self.enabled = bool(options.spell_check)
        self.warning = bool(options.spelling_warning)
        self.languages: list[tuple[str, str]] = self.service.languages()
        self.ignored = ignored_words(self.agent_id, compose.interaction.id)
        self.ignored_spans: set[Span] = set()  # occurrences (Ignore), in the current text
        self._span_text = compose.text
        self.checked_text: str | None = None  # the text the shown underlines belong to
        self.misspellings: list[Misspelling] = []
        self.target: Target | None = None
        self.suggestions: list[str] | None = None  # None: still loading
        self.loading: set[str] = set()  # languages whose dictionary is being built
        self._generation = 0
        self._asking = False
        self.checks = 0  # finished checks (tests wait on it)
        self.client = compose.input.client
        self._build()
        _LAYERS.add(self)
        background_tasks.create(self._start(), name="spell-start")

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        compose = self.compose
        with compose.field:
            self.backdrop = ui.element("div").classes("parley-spell-backdrop").props(
                'aria-hidden="true"')
            self.backdrop.move(target_index=0)  # before the text area: painted behind it
            self.anchor = ui.element("div").classes("parley-spell-anchor")
            with self.anchor:
                self.menu = ui.menu().props(
                    'no-parent-event anchor="bottom left" self="top left" max-height="70vh"')
                self.menu.on("show", js_handler=FIX_MENUS)
                with self.menu:
                    self.menu_list = tid(ui.list(), "spell-menu").props(
                        'dense role="menu" aria-label="Spelling"').classes("parley-spell-menu")
                    self.menu_list.props["data-anchor"] = self.anchor.id
                    self.menu_list.on("keydown", js_handler=(
                        "(e) => window.ParleySpell && window.ParleySpell.menuKeys(e)"))
            self.help = ui.label(HELP).classes("parley-sr-only")
            # "Loading the Spanish dictionary…", over the field's top right corner.
            self.status = tid(ui.row(), "spell-status").classes(
                "parley-spell-status items-center no-wrap gap-1").props('role="status"')
            with self.status:
                ui.spinner(size="0.8rem")
                self.status_text = ui.label("")
            self.status.visible = False
        with compose.bar:
            self.settings = tid(ui.button(icon="spellcheck"), "spell-settings").props(
                'flat dense no-caps aria-haspopup="menu"').classes("parley-spell-settings")
            self.settings.move(target_index=1)
        self.dialog = ui.dialog().props('no-refocus aria-label="Spelling warning"')
        with self.dialog, tid(ui.card(), "spell-warning").classes("parley-spell-warning q-pa-md"):
            ui.label("Spelling Check").classes("text-h6")
            self.dialog_text = ui.label("").props('role="alert"')
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button("Yes", on_click=lambda: self.dialog.submit(True)),
                    "spell-warning-yes").props("unelevated no-caps color=primary")
                tid(ui.button("No", on_click=lambda: self.dialog.submit(False)),
                    "spell-warning-no").props("flat no-caps autofocus")

        ta = compose.input
        ta.props["spellcheck"] = "false"  # the browser's own checker would underline twice
        ta.props["aria-describedby"] = f"c{self.help.id}"
        bid = self.backdrop.id
        ta.on("contextmenu", self._menu_event, js_handler=(
            f"(e) => {{ const p = window.ParleySpell && window.ParleySpell.contextmenu(e, {bid});"
            " if (p) emit(p); }"))
        ta.on("keydown", self._menu_event, js_handler=(
            f"(e) => {{ const p = window.ParleySpell && window.ParleySpell.keydown(e, {bid});"
            " if (p) emit(p); }"))
        self.settings.on("click", self.open_settings, js_handler=(
            f"(e) => {{ window.ParleySpell && window.ParleySpell.anchorAt({bid},"
            " e && (e.currentTarget || e.target)); emit(); }"))
        ta.on_value_change(self._changed)
        self._show_settings()

        config = {"backdrop": bid, "input": ta.id, "anchor": self.anchor.id}
        code = f"window.ParleySpell.attach({json.dumps(config)})"
        if self.client not in _SCRIPTED:
            _SCRIPTED.add(self.client)
            code = CLIENT_JS + ";" + code
        self.client.run_javascript(code)

    async def _start(self) -> None:
        try:  # the agent given to the window may be older than the stored options
            agent = await run.io_bound(self.compose.services.agents.get, self.agent_id)
        except Exception:
            log.exception("reading the spelling options of agent %s failed", self.agent_id)
            agent = None
        if agent is not None and not self.deleted:
            self.language = language_or_default(agent.options.spell_language)
            self.enabled = bool(agent.options.spell_check)
            self.warning = bool(agent.options.spelling_warning)
            self._show_settings()
        if self.deleted:
            return
        if self.enabled and not spelling.is_ready(self.language):
            background_tasks.create(self._load(self.language), name="spell-load")
        await self.check_now()

    @property
    def deleted(self) -> bool:
        # the page may be gone (tab closed, logged out) while its elements still stand
        return self.compose.input.is_deleted or self.client.is_deleted

    # -- checking -------------------------------------------------------------------------

    def _changed(self, e: ValueChangeEventArguments) -> None:
        text = e.value or ""
        self.ignored_spans = shift_spans(self._span_text, text, self.ignored_spans)
        self._span_text = text
        # A value set by the compose itself (a suggestion, a response, a draft): no typing
        # is under way, so check at once.
        self._schedule(0 if self.compose.setting_text else CHECK_DELAY)

    def _schedule(self, delay: float) -> None:
        self._generation += 1
        background_tasks.create(self._check_later(self._generation, delay), name="spell-check")

    async def _check_later(self, generation: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        if generation == self._generation:
            await self._check(generation)

    async def check_now(self) -> None:
        """Check the current text now and show the result."""
        self._generation += 1
        await self._check(self._generation)

    async def _check(self, generation: int) -> None:
        if self.deleted:
            return
        text, language = self.compose.text, self.language
        if not self.enabled or not text:
            self._publish(text, [])
            return
        try:
            found = await run.io_bound(
                self.service.check, self.agent_id, text, language, tuple(self.ignored))
        except Exception:
            log.exception("spell checking failed")
            return
        if (generation != self._generation or self.deleted or text != self.compose.text
                or language != self.language or not self.enabled):
            return  # a newer check follows
        spans = self.ignored_spans
        self._publish(text, [m for m in found if (m.start, m.end, m.word) not in spans])

    def _publish(self, text: str, found: list[Misspelling]) -> None:
        self.checked_text = text
        self.misspellings = found
        self.checks += 1
        if not self.deleted:
            self.client.run_javascript(
                _js_call("paint", self.backdrop.id, text, utf16_ranges(text, found)))

    def _republish(self) -> None:
        """Show the last result again without what was ignored since."""
        if self.checked_text is not None and self.checked_text == self.compose.text:
            self._publish(self.checked_text, [
                m for m in self.misspellings
                if (m.start, m.end, m.word) not in self.ignored_spans
                and m.word.lower() not in self.ignored])
        self._recheck()

    def _recheck(self) -> None:
        self._generation += 1
        background_tasks.create(self._check(self._generation), name="spell-check")

    # -- dictionaries ---------------------------------------------------------------------

    def language_name(self, code: str | None = None) -> str:
        code = code or self.language
        return dict(self.languages).get(code, code)

    async def _load(self, code: str) -> None:
        """Build a language's dictionary off the loop, showing that it is loading."""
        if code in self.loading:
            return
        self.loading.add(code)
        self._show_status()
        try:
            await run.io_bound(self.service.warm_up, code)
        except Exception:
            log.exception("loading the %s dictionary failed", code)
        finally:
            self.loading.discard(code)
            if not self.deleted:
                self._show_status()

    def _show_status(self) -> None:
        busy = self.enabled and self.language in self.loading
        self.status_text.text = f"Loading the {self.language_name()} dictionary…" if busy else ""
        self.status.visible = busy

    def _show_settings(self) -> None:
        self.settings.text = self.language.upper()
        state = "on" if self.enabled else "off"
        self.settings.props[
            "aria-label"] = f"Spelling: {self.language_name()}, checking {state}"
        self.settings.props["data-language"] = self.language
        self.settings.props["data-enabled"] = "true" if self.enabled else "false"
        self.settings.props["title"] = (f"Spelling Check: {self.language_name()}, {state}. "
                                        "Click for the language or to switch it on or off.")
        if self.enabled:
            self.settings.classes(remove="parley-spell-off")
        else:
            self.settings.classes(add="parley-spell-off")
        self._show_status()

    # -- the menu -------------------------------------------------------------------------

    async def _menu_event(self, e: GenericEventArguments) -> None:
        args = e.args if isinstance(e.args, dict) else {}
        value = args.get("value")
        if not isinstance(value, str):
            value = self.compose.text
        word = args.get("word")
        start = index_from_units(value, args.get("start"))
        end = index_from_units(value, args.get("end"))
        if isinstance(word, str) and value[start:end] == word:
            await self.open_menu(start, end, word)

    async def open_menu(self, start: int, end: int, word: str) -> bool:
        """The menu for the misspelled ``word`` at ``text[start:end]`` (code points)."""
        if self.deleted or not self.compose.enabled or not self.enabled:
            return False
        if self.compose.text[start:end] != word:
            self._notify(CHANGED)
            return False
        target = Target(start, end, word)
        self.target = target
        language = self.language
        ready = spelling.is_ready(language)
        self.suggestions = None
        if ready:
            self.suggestions = await self._suggest(word, language)
        self._render_menu()
        await self._show_menu()
        if not ready:
            await self._load(language)
            suggestions = await self._suggest(word, language)
            if self.target == target and language == self.language and not self.deleted:
                self.suggestions = suggestions
                self._render_suggestions()
                if self.menu.value:
                    self._focus_menu()
        return True

    async def open_settings(self) -> None:
        """The settings part of the menu only (the spelling button)."""
        if self.deleted:
            return
        self.target = None
        self.suggestions = None
        self._render_menu()
        await self._show_menu()

    async def _suggest(self, word: str, language: str) -> list[str]:
        try:
            return list(await run.io_bound(self.service.suggest, word, language, SUGGESTIONS))
        except Exception:
            log.exception("suggestions for %r failed", word)
            return []

    async def _show_menu(self) -> None:
        if self.menu.value:  # reopen so that it moves to the new place
            self.menu.close()
            await asyncio.sleep(0.05)
        if not self.deleted:
            self.menu.open()
            self._focus_menu()

    def _focus_menu(self) -> None:
        if self.deleted:
            return
        self.client.run_javascript(_js_call("focusMenu", self.menu_list.id))

    def _item(self, text: str, on_click: Any, testid: str, *, bold: bool = False,
              icon: str = "", role: str = "menuitem", checked: bool | None = None,
              autofocus: bool = False, disabled: bool = False, auto_close: bool = True,
              **data: object) -> ui.menu_item:
        item = tid(ui.menu_item(on_click=on_click, auto_close=auto_close), testid, **data)
        item.props("dense")
        set_props(item, role=role)
        if checked is not None:
            item.props["aria-checked"] = "true" if checked else "false"
        if autofocus:
            item.props["data-autofocus"] = "true"
        if disabled:
            item.props("disable")
        with item:
            with ui.item_section().props("avatar").classes("parley-spell-mark"):
                if icon:
                    ui.icon(icon, size="1.1rem").props('aria-hidden="true"')
            ui.item_section(text)
        if bold:
            item.classes("text-weight-bold")
        return item

    def _render_menu(self) -> None:
        self.menu_list.clear()
        with self.menu_list:
            first = True
            if self.target is not None:
                self.suggestion_box = ui.element("div").classes("parley-spell-suggestions")
                self._render_suggestions()
                first = False
                ui.separator()
                self._item("Ignore", self.ignore, "spell-ignore", autofocus=not self.suggestions)
                self._item("Ignore All", self.ignore_all, "spell-ignore-all")
                self._item("Add to My Dictionary", self.add_to_dictionary, "spell-add")
                ui.separator()
            self._item("Spell Checking", self.toggle, "spell-toggle",
                       role="menuitemcheckbox", checked=self.enabled,
                       icon="check" if self.enabled else "", autofocus=first,
                       state="on" if self.enabled else "off")
            languages = self._item("Languages", None, "spell-languages", icon="translate",
                                   auto_close=False)
            languages.props('aria-haspopup="menu"')
            with languages:
                with ui.item_section().props("side"):
                    ui.icon("chevron_right", size="1.1rem").props('aria-hidden="true"')
                with ui.menu().props('anchor="top end" self="top start"').on(
                        "show", js_handler=FIX_MENUS):
                    box = ui.list().props('dense role="menu" aria-label="Languages"').classes(
                        "parley-spell-menu")
                    box.props["data-anchor"] = languages.id
                    box.props["data-side"] = "right"
                    box.on("keydown", js_handler=(
                        "(e) => window.ParleySpell && window.ParleySpell.menuKeys(e)"))
                    with box:
                        for code, name in self.languages:
                            current = code == self.language
                            self._item(name, lambda c=code: self.choose_language(c),
                                       "spell-language", role="menuitemradio", checked=current,
                                       icon="check" if current else "", autofocus=current,
                                       language=code)

    def _render_suggestions(self) -> None:
        box = getattr(self, "suggestion_box", None)
        if box is None or box.is_deleted:
            return
        box.clear()
        with box:
            if self.suggestions is None:
                self._item(f"Loading the {self.language_name()} dictionary…", None,
                           "spell-loading", icon="hourglass_empty", disabled=True)
            elif not self.suggestions:
                self._item(NO_SUGGESTIONS, None, "spell-no-suggestions", disabled=True)
            else:
                for i, word in enumerate(self.suggestions):
                    self._item(word, lambda w=word: self.choose(w), "spell-suggestion",
                               bold=True, autofocus=i == 0, word=word)

    def _target(self) -> Target | None:
        """The menu's word if it is still there, unchanged."""
        t = self.target
        if t is None or self.compose.text[t.start:t.end] != t.word:
            self._notify(CHANGED)
            return None
        return t

    # -- menu actions ---------------------------------------------------------------------

    def choose(self, suggestion: str) -> None:
        """Replace the menu's word (that occurrence only) by ``suggestion``."""
        self.menu.close()
        t = self._target()
        if t is None or not self.compose.enabled:
            return
        self.target = None
        self.compose.replace(t.start, t.end, suggestion)
        self._used("suggestion", t.word)

    def ignore(self) -> None:
        """This occurrence only."""
        self.menu.close()
        t = self._target()
        if t is None:
            return
        self.ignored_spans.add((t.start, t.end, t.word))
        self._republish()
        self._used("ignore", t.word)

    def ignore_all(self) -> None:
        """This word, everywhere in this interaction's message area."""
        self.menu.close()
        t = self._target()
        if t is None:
            return
        self.ignored.add(t.word.lower())
        self._republish()
        self._used("ignore_all", t.word)

    async def add_to_dictionary(self) -> None:
        """Into the agent's own dictionary (stored: known in every interaction, later too)."""
        self.menu.close()
        t = self.target
        if t is None:
            return
        try:
            await run.io_bound(self.service.add_word, self.agent_id, t.word)
        except SpellCheckError as exc:
            self._notify(str(exc))
            return
        except Exception:
            log.exception("adding %r to My Dictionary failed", t.word)
            self._notify("The word could not be added to My Dictionary.")
            return
        for layer in self._same_agent():
            layer._republish()
        self._used("add", t.word)

    def _used(self, action: str, word: str) -> None:
        """Tell the domain (lessons follow it); never disturbs the menu."""
        try:
            self.service.used(self.agent_id, str(self.compose.interaction.id), action, word)
        except Exception:
            log.exception("recording a Spelling Check action failed")

    async def toggle(self) -> None:
        """Spell Checking on or off (remembered for the agent)."""
        self.menu.close()
        enabled = not self.enabled
        try:
            await run.io_bound(self.service.set_enabled, self.agent_id, enabled)
        except Exception:
            log.exception("switching spell checking failed")
            self._notify("Spell checking could not be switched.")
            return
        for layer in self._same_agent():
            layer._apply(enabled=enabled)

    async def choose_language(self, code: str) -> None:
        """The dictionary to check with (remembered for the agent), applied at once."""
        self.menu.close()
        try:
            code = await run.io_bound(self.service.set_language, self.agent_id, code)
        except SpellCheckError as exc:
            self._notify(str(exc))
            return
        except Exception:
            log.exception("choosing the %s dictionary failed", code)
            self._notify("The language could not be changed.")
            return
        for layer in self._same_agent():
            layer._apply(language=code)

    def _apply(self, language: str | None = None, enabled: bool | None = None) -> None:
        if self.deleted:
            return
        if language is not None:
            self.language = language
        if enabled is not None:
            self.enabled = enabled
        self._show_settings()
        if self.enabled and not spelling.is_ready(self.language):
            background_tasks.create(self._load(self.language), name="spell-load")
        if not self.enabled:
            self._generation += 1
            self._publish(self.compose.text, [])
        else:
            self._recheck()

    def _same_agent(self) -> list[SpellLayer]:
        layers = [layer for layer in list(_LAYERS)
                  if layer.agent_id == self.agent_id and not layer.deleted]
        return layers if self in layers else [self, *layers]

    def _notify(self, message: str) -> None:
        if self.deleted:
            return
        with self.compose.root:
            ui.notify(message, type="warning")

    # -- the send warning -----------------------------------------------------------------

    def _final_check(self, text: str, language: str, ignored: tuple[str, ...],
                     spans: frozenset[Span]) -> list[Misspelling]:
        """Runs in a worker thread: the misspellings the warning is about."""
        split = self.compose.services.handling.preview_split(text)
        if split.count > self.compose.max_parts:
            return []  # it will be refused as too long: no need to ask about spelling
        found = self.service.check(self.agent_id, text, language, ignored)
        return [m for m in found if (m.start, m.end, m.word) not in spans]

    async def confirm_send(self, text: str) -> bool:
        """``Compose.before_send``: ask first when the text still has misspellings."""
        if not (self.warning and self.enabled):
            return True
        if self._asking:
            return False
        try:
            spans = frozenset(self.ignored_spans if text == self._span_text else ())
            found = await run.io_bound(
                self._final_check, text, self.language, tuple(self.ignored), spans)
        except Exception:
            log.exception("the spelling check before sending failed")
            return True  # never keep a message back because the checker failed
        if not found or self.deleted:
            return True
        self.dialog_text.text = warning_text(unique_words(found))
        self._asking = True
        try:
            answer = await self.dialog
        finally:
            self._asking = False
        if answer is True:
            return True
        self.compose.focus()
        return False
