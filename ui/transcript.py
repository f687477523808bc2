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
    body = "".join(
        f'<span class="parley-token">{token_html(t)}</span>'
        for t in tokenize(message.text, region, dialer)
    ) if message.text else ""
    party = message.party.value
    return (
        f'<div class="parley-line" data-testid="transcript-line" data-party="{party}" '
        f'data-message-id="{message.id}" style="color: {html.escape(colour, quote=True)}">'
        f'<span class="parley-messages-time">{stamp}</span> '
        f'<span class="parley-who">{html.escape(who)}:</span> '
        f'<span class="parley-line-text">{body}</span></div>'
    )


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
        return "System" if message.party is Party.SYSTEM else "Internal"

    def add(self, messages: Sequence[Message]) -> int:
        """Append the messages not shown yet; returns how many were added."""
        fresh = [m for m in messages if m.id not in self.shown]
        if not fresh:
            return 0
        batch: list[str] = []
        with self.box:
            for message in fresh:
                self.shown.add(message.id)
                colour = self.colours.get(message.party.value, "#1f2937")
                batch.append(line_html(message, self.who(message), self.zone, colour,
                                       self.region, self.dialer))
                if message.media and self.render_media is not None:
                    self._flush(batch)
                    batch = []
                    with ui.row().classes("parley-media-row q-ml-xl q-mb-xs gap-2"):
                        self.render_media(message)
            self._flush(batch)
        # the box's own client: this may run in a background task with no UI context
        self.box.client.run_javascript(FOLLOW_JS % {"id": repr(f"c{self.box.id}")})
        return len(fresh)

    def _flush(self, batch: list[str]) -> None:
        if batch:
            # Built by line_html, which escapes every character of untrusted text.
            ui.html("".join(batch), sanitize=False).classes("w-full")
