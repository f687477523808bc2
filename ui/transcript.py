"""The SMS transcript: time-stamped lines colour-coded by party, with safe links.

Lines are drawn as HTML that Parley builds itself, escaping every character of message
text: one element per batch of lines keeps a 2,000-line session fast. Links come only
from :func:`domain.links.tokenize`: the link text is always the real address, ``href`` is
only ever http(s), mailto, tel or the configured dialer, and links open in a new tab with
``noopener noreferrer``. Each token is bidi-isolated so text cannot reorder a neighbour.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import tzinfo
from functools import lru_cache

from nicegui import ui

from domain.interactions import Message, Party
from domain.links import Token, tokenize
from ui.testids import tid

FOLLOW_JS = """
(() => {
  const box = document.getElementById(%(id)s);
  if (!box) return;
  if (!box.dataset.watch) {
    box.dataset.watch = '1';
    box.addEventListener('scroll', () => {
      const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
      box.dataset.follow = atEnd ? 'true' : 'false';
    });
  }
  if (box.dataset.follow !== 'false') box.scrollTop = box.scrollHeight;
})();
"""

CLASS_BY_KIND = {"url": "transcript-link", "email": "transcript-email", "phone": "transcript-phone"}


def token_html(token: Token) -> str:
    shown = html.escape(token.display, quote=True)
    if token.kind == "text":
        return shown
    testid = CLASS_BY_KIND[token.kind]
    title = html.escape(token.address or token.display, quote=True)
    if token.href is None:
        return (f'<span class="parley-link-dead" data-testid="{testid}" title="{title}">'
                f"{shown}</span>")
    href = html.escape(token.href, quote=True)
    target = ' target="_blank" rel="noopener noreferrer"' if token.kind == "url" else ""
    return (f'<a class="parley-link" data-testid="{testid}" href="{href}" title="{title}"'
            f'{target}>{shown}</a>')


def line_html(
    message: Message, who: str, zone: tzinfo, colour: str,
    region: str = "US", dialer: str | None = None,
) -> str:
    """One transcript line. Everything from the message is escaped; nothing is trusted."""
    stamp = message.created_at.astimezone(zone).strftime("%H:%M:%S")
    body = body_html(message.text, region, dialer) if message.text else ""
    party = message.party.value
    return (
        f'<div class="parley-line" data-testid="transcript-line" data-party="{party}" '
        f'data-message-id="{message.id}" style="color: {html.escape(colour, quote=True)}">'
        f'<span class="parley-messages-time">{stamp}</span> '
        f'<span class="parley-who">{html.escape(who)}:</span> '
        f'<span class="parley-line-text">{body}</span></div>'
    )


@lru_cache(maxsize=20_000)
def body_html(text: str, region: str = "US", dialer: str | None = None) -> str:
    """A message's text as safe HTML; a pure function of its arguments, so it is memoised
    (messages never change: reopening a transcript costs no tokenizing)."""
    return "".join(
        f'<span class="parley-token">{token_html(t)}</span>'
        for t in tokenize(text, region, dialer)
    )


CHUNK = 100  # lines per block; the browser skips laying out blocks that are off screen


def chunked(lines: list[str]) -> str:
    """Lines in blocks of CHUNK, counted from the end: every full block but the last gets
    ``parley-cv`` (``content-visibility: auto``), so the newest lines, where the view
    opens, are always laid out for real and scrolling to the end lands exactly there."""
    if len(lines) <= CHUNK:
        return "".join(lines)
    cut = len(lines) % CHUNK
    parts = ["".join(lines[:cut])] if cut else []
    blocks = range(cut, len(lines), CHUNK)
    last = blocks[-1]
    for start in blocks:
        cls = "parley-chunk" if start == last else "parley-chunk parley-cv"
        parts.append(f'<div class="{cls}">{"".join(lines[start:start + CHUNK])}</div>')
    return "".join(parts)


MediaRenderer = Callable[[Message], None]


class Transcript:
    """A scrolling log that follows new lines unless the agent has scrolled up."""

    def __init__(
        self, contact_label: str, zone: tzinfo, colours: dict[str, str],
        region: str = "US", dialer: str | None = None,
        render_media: MediaRenderer | None = None,
        names: dict[int, str] | None = None,
    ) -> None:
        self.contact_label = contact_label
        self.zone = zone
        self.colours = colours
        self.region = region
        self.dialer = dialer or None
        self.render_media = render_media
        self.names = names or {}
        self.shown: set[int] = set()
        self.box = tid(ui.column(), "transcript").classes("w-full gap-0 parley-transcript")
        self.box.props('role="log" aria-live="polite" aria-label="Transcript" tabindex="0"')

    def who(self, message: Message) -> str:
        if message.party is Party.CONTACT:
            return self.contact_label
        if message.party is Party.AGENT:
            return self.names.get(message.agent_id or 0, "Agent")
        if message.party is Party.INTERNAL and message.agent_id in self.names:
            return f"{self.names[message.agent_id]} (internal)"
        return "System" if message.party is Party.SYSTEM else "Internal"

    def fresh(self, messages: Sequence[Message]) -> list[Message]:
        return [m for m in messages if m.id not in self.shown]

    def lines(self, messages: Sequence[Message]) -> list[str]:
        """The HTML of each line: pure CPU work, safe to run in a worker thread (a long
        transcript must not hold the event loop that every agent shares)."""
        return [
            line_html(m, self.who(m), self.zone, self.colours.get(m.party.value, "#1f2937"),
                      self.region, self.dialer)
            for m in messages
        ]

    def add(self, messages: Sequence[Message], lines: Sequence[str] | None = None) -> int:
        """Append the messages not shown yet (``lines`` from :meth:`lines`, if built
        already); returns how many were added."""
        if lines is not None:
            pairs = [(m, h) for m, h in zip(messages, lines, strict=True)
                     if m.id not in self.shown]
        else:
            fresh = self.fresh(messages)
            pairs = list(zip(fresh, self.lines(fresh), strict=True))
        if not pairs or self.box.is_deleted or self.box.client.is_deleted:
            return 0  # nothing new, or the page went away while the lines were read
        batch: list[str] = []
        with self.box:
            for message, line in pairs:
                self.shown.add(message.id)
                batch.append(line)
                if message.media and self.render_media is not None:
                    self._flush(batch)
                    batch = []
                    with ui.row().classes("parley-media-row q-ml-xl q-mb-xs gap-2"):
                        self.render_media(message)
            self._flush(batch)
        # the box's own client: this may run in a background task with no UI context
        self.box.client.run_javascript(FOLLOW_JS % {"id": repr(f"c{self.box.id}")})
        return len(pairs)

    def _flush(self, batch: list[str]) -> None:
        if batch:
            # Built by line_html, which escapes every character of untrusted text.
            ui.html(chunked(batch), sanitize=False).classes("w-full")
