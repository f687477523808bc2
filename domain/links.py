"""Turning untrusted message text into safe tokens: text, URLs, e-mail addresses, phones.

The agent must always read a link's real address (seed: "URLs and Security"):
- a URL's display *is* its address: no other text can stand in for it, so markdown or
  HTML link syntax around it stays visible as plain text;
- an international host name is shown in punycode (``xn--``), so a look-alike such as
  Cyrillic ``аррle.com`` cannot pass for ``apple.com``;
- invisible and bidirectional control characters are shown as ``[U+202E]`` markers in text
  and percent-encoded in addresses, so they cannot hide or reorder anything;
- a very long URL keeps its scheme and host and shortens the middle of the rest;
- only http and https URLs, ``mailto:`` and ``tel:`` (or a dialer URL) are clickable.

Concatenating every token's ``raw`` gives back the input exactly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

import idna
import phonenumbers
from linkify_it import LinkifyIt

MAX_URL_DISPLAY = 80
CLICKABLE_SCHEMES = ("http", "https")
# Bidirectional controls: they can make text read in another order than it is stored.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "text" | "url" | "email" | "phone"
    raw: str
    display: str
    href: str | None = None
    address: str | None = None  # the full real address (hover text); display may shorten it


@lru_cache(maxsize=1)
def _linkify() -> LinkifyIt:
    return LinkifyIt()


def _marker(ch: str) -> str:
    return f"[U+{ord(ch):04X}]"


def _is_hidden(ch: str) -> bool:
    """Characters that draw nothing or steer other characters (not \\n and \\t)."""
    if ch in "\n\t":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn") or ch in BIDI_CONTROLS


def visible_text(text: str) -> str:
    """Plain text for display: bidi and other control characters become visible markers.

    Zero-width joiners inside emoji sequences are kept (they draw one emoji).
    """
    out = []
    for i, ch in enumerate(text):
        if ch == "\u200d" and 0 < i < len(text) - 1 and _is_emoji(text[i - 1]) and _is_emoji(
            text[i + 1]
        ):
            out.append(ch)
        elif ch in ("\ufe0f", "\ufe0e") and i > 0:  # variation selectors after a symbol
            out.append(ch)
        elif _is_hidden(ch):
            out.append(_marker(ch))
        else:
            out.append(ch)
    return "".join(out)


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF or ch == "\ufe0f"


def _safe_chars(value: str) -> str:
    """Percent-encode what could hide or mislead inside an address (controls, spaces)."""
    return "".join(quote(ch, safe="") if _is_hidden(ch) or ch.isspace() else ch for ch in value)


def ascii_host(host: str) -> str:
    """The host as the network sees it: IDNA punycode for international names."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        # Not a valid IDN: show every non-ASCII character escaped instead.
        return "".join(ch if ch.isascii() else quote(ch, safe="") for ch in host)


def normalise_url(url: str) -> tuple[str, str | None]:
    """(the real address to show, the href to open or None when not clickable)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    netloc = ascii_host(host) if host else ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    if parts.username or parts.password:
        # "https://apple.com@evil.example" — the user-info part is shown, never hidden.
        userinfo = _safe_chars(parts.username or "")
        if parts.password is not None:
            userinfo += ":" + _safe_chars(parts.password)
        netloc = f"{userinfo}@{netloc}"
    path = _safe_chars(parts.path)
    query = _safe_chars(parts.query)
    fragment = _safe_chars(parts.fragment)
    address = urlunsplit((scheme, netloc, path, query, fragment))
    return address, address if scheme in CLICKABLE_SCHEMES and host else None


def shorten(address: str, limit: int = MAX_URL_DISPLAY) -> str:
    """Keep scheme and host whole; shorten the rest in the middle."""
    if len(address) <= limit:
        return address
    parts = urlsplit(address)
    head = f"{parts.scheme}://{parts.netloc}" if parts.netloc else address[:limit // 2]
    rest = address[len(head):]
    room = max(12, limit - len(head) - 1)
    keep_start = room * 2 // 3
    keep_end = room - keep_start
    return f"{head}{rest[:keep_start]}…{rest[-keep_end:]}"


def _dial_href(e164: str, dialer_template: str | None) -> str:
    if dialer_template:
        return dialer_template.replace("{number}", quote(e164, safe="+"))
    return f"tel:{e164}"


def tokenize(
    text: str, default_region: str = "US", dialer_template: str | None = None
) -> list[Token]:
    """Split untrusted text into safe tokens (see the module docstring)."""
    spans: list[tuple[int, int, Token]] = []
    for match in _linkify().match(text) or []:
        raw = text[match.index:match.last_index]
        if match.schema == "mailto:" or (not match.schema and "@" in raw and "/" not in raw):
            address = raw[7:] if raw.lower().startswith("mailto:") else raw
            shown = visible_text(address)
            href = None if shown != address else f"mailto:{address}"
            spans.append(
                (match.index, match.last_index, Token("email", raw, shown, href, address))
            )
            continue
        address, href = normalise_url(match.url)
        spans.append(
            (match.index, match.last_index, Token("url", raw, shorten(address), href, address))
        )
    taken = [(s, e) for s, e, _ in spans]
    for found in phonenumbers.PhoneNumberMatcher(text, default_region):
        if any(s < found.end and found.start < e for s, e in taken):
            continue  # digits inside a URL or e-mail address stay part of it
        e164 = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
        raw = text[found.start:found.end]
        href = _dial_href(e164, dialer_template)
        spans.append((found.start, found.end, Token("phone", raw, visible_text(raw), href, e164)))
    spans.sort(key=lambda s: s[0])
    tokens: list[Token] = []
    cursor = 0
    for start, end, token in spans:
        if start > cursor:
            chunk = text[cursor:start]
            tokens.append(Token("text", chunk, visible_text(chunk)))
        tokens.append(token)
        cursor = end
    if cursor < len(text):
        chunk = text[cursor:]
        tokens.append(Token("text", chunk, visible_text(chunk)))
    return tokens
