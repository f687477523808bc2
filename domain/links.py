"""Turning untrusted message text into safe tokens: text, URLs, e-mail addresses, phones.

The agent must always read a link's real address (seed: "URLs and Security"):
- a URL's display *is* its address: no other text can stand in for it, so markdown or
  HTML link syntax around it stays visible as plain text (the link text of such syntax is
  never a link itself);
- the address is rebuilt from its parsed parts, the way a browser parses it (a backslash
  before the path is a slash, the host is percent-decoded, numeric IPv4 forms are written
  as dotted quads), and ``href`` is built from the same parts, so a click opens exactly
  what the agent reads;
- an international host name is shown in punycode (``xn--``), so a look-alike such as
  Cyrillic ``аррle.com`` cannot pass for ``apple.com``; full-width and ideographic dots
  (``．`` ``。`` ``｡``) separate labels, as they do in a browser;
- user information before an ``@`` never comes first: ``http://paypal.com@evil.example/``
  is shown as ``http://evil.example/ (user info: paypal.com)`` and the link opens
  ``http://evil.example/`` without sending it;
- invisible and bidirectional control characters are shown as ``[U+202E]`` markers in text
  (they end a link, so they are never inside one); zero-width joiners of emoji sequences
  and of joining scripts, and one variation selector after a character, stay;
- a very long URL keeps its scheme and host and shortens the middle of the rest (the full
  address is in ``address``, for the hover title);
- only http and https URLs, ``mailto:`` (one plain address, no headers) and ``tel:`` (or a
  dialer URL) are clickable; ``href`` is plain printable ASCII.

Concatenating every token's ``raw`` gives back the input exactly.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import idna
import phonenumbers
import regex
from linkify_it import LinkifyIt

MAX_URL_DISPLAY = 80
MAX_USERINFO_DISPLAY = 40
CLICKABLE_SCHEMES = ("http", "https")
SPECIAL_SCHEMES = ("http", "https", "ftp", "ws", "wss")  # WHATWG: "\" is "/" for these
# Bidirectional controls: they can make text read in another order than it is stored.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Dots a browser treats as the label separator "." in a host name (UTS #46 mapping).
LOOKALIKE_DOTS = {"\u3002": ".", "\uff0e": ".", "\uff61": "."}
ZWJ, ZWNJ = "\u200d", "\u200c"
BLACK_FLAG = "\U0001f3f4"
# Characters that may appear in an href as they are; everything else is percent-encoded.
_HREF_SAFE = "!#$%&'()*+,/:;=?@~-._"
_MAILTO_LOCAL_SAFE = "!$'*+-._~^`{|}"
_ASCII_HOST = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,30}\U000e007f")
# Every link linkify-it can find has one of these: a scheme ("x:" or "//"), an "@" (e-mail),
# or a host name "label.tld" (a dot followed by a letter or digit). Text without any of
# them skips linkify's large regular expressions, which cost ~0.2 ms per message.
_MAY_HOLD_LINK = re.compile(r"[:/@]|\.\w|localhost", re.IGNORECASE)


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


# -- invisible characters -------------------------------------------------------------------


def _marker(ch: str) -> str:
    return f"[U+{ord(ch):04X}]"


# Characters that draw nothing or steer other characters: controls (not \n, \r, \t), format
# characters (bidi controls, zero-width spaces and joiners, tags), line and paragraph
# separators, private use, surrogates, unassigned, and every Default_Ignorable_Code_Point
# (soft hyphen, Hangul fillers, variation selectors, ...).
_HIDDEN = regex.compile(
    r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}--[\n\r\t]]",
    regex.V1,
)


def _is_hidden(ch: str) -> bool:
    return _HIDDEN.match(ch) is not None


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _is_emoji(ch: str) -> bool:
    return (
        unicodedata.category(ch) == "So"
        or 0x1F000 <= ord(ch) <= 0x1FAFF
        or ch == "\ufe0f"
        or ch == "\u20e3"
    )


def _is_joining_letter(ch: str) -> bool:
    """A non-ASCII letter or mark: ZWJ / ZWNJ between two of them shape a script
    (Persian, Arabic, Indic), they hide nothing."""
    return not ch.isascii() and unicodedata.category(ch)[0] in "LM"


def visible_text(text: str) -> str:
    """Plain text for display: bidi and other invisible characters become visible markers.

    Kept as they are, because they draw something legitimate: a zero-width joiner inside an
    emoji sequence (family, profession, rainbow flag) or between letters of a joining script
    (with ZWNJ), one variation selector right after a visible character, and the tag
    characters of a subdivision flag (England, Scotland, Wales).
    """
    hidden = [m.start() for m in _HIDDEN.finditer(text)]
    if not hidden:
        return text
    tagged: set[int] = set()
    if BLACK_FLAG in text:
        for match in _TAG_SEQUENCE.finditer(text):
            tagged.update(range(match.start() + 1, match.end()))
    out = []
    last = len(text) - 1
    cursor = 0
    for i in hidden:
        out.append(text[cursor:i])
        cursor = i + 1
        ch = text[i]
        if i in tagged or _kept(text, i, ch, last):
            out.append(ch)
        else:
            out.append(_marker(ch))
    out.append(text[cursor:])
    return "".join(out)


def _kept(text: str, i: int, ch: str, last: int) -> bool:
    """An invisible character that draws something legitimate with its neighbours."""
    if ch == ZWJ and 0 < i < last and (
        (_is_emoji(text[i - 1]) or _is_emoji_modifier(text[i - 1])) and _is_emoji(text[i + 1])
    ):
        return True
    if ch in (ZWJ, ZWNJ) and 0 < i < last and (
        _is_joining_letter(text[i - 1]) and _is_joining_letter(text[i + 1])
    ):
        return True
    return (
        _is_variation_selector(ch) and i > 0
        and not _is_hidden(text[i - 1]) and not text[i - 1].isspace()
    )


def _is_emoji_modifier(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF


_DOTS = regex.compile("[" + "".join(LOOKALIKE_DOTS) + "]")


def _shadow(text: str) -> str:
    """The text as the link finder sees it, with the same length: invisible characters are
    breaks (so a link never contains one) and look-alike dots are dots."""
    if text.isascii() and text.isprintable():
        return text
    return _DOTS.sub(".", _HIDDEN.sub(" ", text))


# -- addresses ------------------------------------------------------------------------------


def _quote(value: str, safe: str) -> str:
    return quote(value, safe=safe, errors="surrogatepass")


def _safe_chars(value: str) -> str:
    """Percent-encode what could hide or mislead inside an address (controls, spaces)."""
    return "".join(
        _quote(ch, "") if _is_hidden(ch) or ch.isspace() else ch for ch in value
    )


def _ascii_only(value: str) -> str:
    """Printable ASCII only: everything else percent-encoded (existing escapes kept)."""
    return "".join(
        ch if "!" <= ch <= "~" else _quote(ch, "") for ch in value
    )


def _href(value: str) -> str:
    """An href never holds controls, spaces or non-ASCII characters."""
    return "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in _HREF_SAFE) else _quote(ch, "")
        for ch in value
    )


def _ipv4_number(part: str) -> int | None:
    """One part of a WHATWG IPv4 host: decimal, 0x hexadecimal or 0 octal."""
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() and part.isascii() else None
    except ValueError:
        return None


def _ipv4(host: str) -> str | None:
    """A host that ends in a number is an IPv4 address for a browser: its dotted quad, or
    None when it is not a valid one (the browser refuses it too)."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4 or any(p == "" for p in parts):
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for i, n in enumerate(values[:-1]):
        address += n * 256 ** (3 - i)
    return str(ipaddress.IPv4Address(address))


def _ends_in_number(host: str) -> bool:
    labels = host.rstrip(".").split(".") if host != "." else [""]
    last = labels[-1] if labels else ""
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])


@lru_cache(maxsize=1024)
def _host_ascii(host: str) -> str | None:
    """The host as the network sees it (lower case, IDNA punycode), or None if invalid."""
    if not host:
        return None
    if host.isascii():
        candidate = host.lower()
    else:
        try:
            candidate = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            try:  # IDNA 2003 also takes symbols (☕.com); the result is shown as punycode
                mapped = "".join(LOOKALIKE_DOTS.get(ch, ch) for ch in host)
                candidate = mapped.encode("idna").decode("ascii").lower()
            except (UnicodeError, ValueError):
                return None
    if _ends_in_number(candidate):
        return _ipv4(candidate)
    if len(candidate) > 253 or not _ASCII_HOST.fullmatch(candidate):
        return None
    if any(len(label) > 63 for label in candidate.split(".")):
        return None
    return candidate


def ascii_host(host: str) -> str:
    """The host as the network sees it: IDNA punycode for international names (invalid
    ones with every unusual character percent-encoded instead)."""
    return _host_ascii(host) or _ascii_only(_safe_chars(host))


@dataclass(frozen=True)
class ParsedUrl:
    address: str  # the real address, user info left out; readable (IRI) form
    href: str | None  # what a click opens (http/https with a valid host) or None
    userinfo: str | None  # user information the URL carried (escaped), never sent

    @property
    def display(self) -> str:
        shown = shorten(self.address)
        if self.userinfo:
            info = self.userinfo
            if len(info) > MAX_USERINFO_DISPLAY:
                info = info[: MAX_USERINFO_DISPLAY - 1] + "…"
            shown += f" (user info: {info})"
        return shown


def parse_url(url: str) -> ParsedUrl:
    """Parse ``url`` like a browser and rebuild it from its parts (see the module doc)."""
    url = url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
                    "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    url = url.replace("\t", "").replace("\n", "").replace("\r", "")
    scheme_end = url.find(":")
    scheme = url[:scheme_end].lower() if scheme_end > 0 else ""
    if scheme in SPECIAL_SCHEMES or url.startswith(("//", "\\\\")):
        cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
        url = url[:cut].replace("\\", "/") + url[cut:]
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        return _unparsed(url)
    scheme = parts.scheme.lower()
    userinfo_raw, at, hostport = parts.netloc.rpartition("@")
    userinfo = _ascii_only(_safe_chars(userinfo_raw)) if at and userinfo_raw else None
    host: str | None
    if hostport.startswith("["):
        try:
            host = f"[{ipaddress.IPv6Address((hostname or '').split('%')[0]).compressed}]"
        except ValueError:
            host = None
    else:
        raw_host = hostport.rsplit(":", 1)[0] if port is not None or hostport.endswith(":") \
            else hostport
        host = _host_ascii(unquote(raw_host, errors="replace")) if raw_host else None
    if host is None:
        if parts.netloc or scheme in SPECIAL_SCHEMES:
            return _unparsed(url)
        host = ""  # a scheme without a host (news:, urn:): shown as it is, never opened
    netloc = host + (f":{port}" if port is not None else "")
    path, query, fragment = parts.path, parts.query, parts.fragment
    tail = path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    prefix = f"{scheme}:" if scheme else ""
    if parts.netloc or url[len(prefix):].startswith("//"):
        prefix += "//"
    address = prefix + netloc + _safe_chars(tail)
    href = None
    if scheme in CLICKABLE_SCHEMES and host:
        href = prefix + netloc + _href(tail)  # netloc is a checked ASCII host
    return ParsedUrl(address, href, userinfo)


def _unparsed(url: str) -> ParsedUrl:
    """Not a URL a browser would open: shown with every unusual character escaped."""
    return ParsedUrl(_ascii_only(_safe_chars(url)), None, None)


def normalise_url(url: str) -> tuple[str, str | None]:
    """(the real address to show, the href to open or None when not clickable)."""
    parsed = parse_url(url)
    return parsed.address, parsed.href


_AUTHORITY_START = re.compile(r"[a-z][a-z0-9+.-]*:(//)?|//", re.IGNORECASE)


def shorten(address: str, limit: int = MAX_URL_DISPLAY) -> str:
    """Keep scheme and host whole; shorten the rest in the middle."""
    if len(address) <= limit:
        return address
    found = _AUTHORITY_START.match(address)
    begin = found.end() if found else 0
    ends = [i for i in (address.find(c, begin) for c in "/?#") if i >= 0]
    head = address[: min(ends, default=len(address))]
    if len(head) > 300:  # not a host a browser takes: do not let it fill the screen
        head = address[: limit // 2]
    rest = address[len(head):]
    room = max(12, limit - len(head) - 1)
    if len(rest) <= room + 1:
        return address  # cutting would not make it shorter
    keep_start = room * 2 // 3
    keep_end = room - keep_start
    return f"{head}{rest[:keep_start]}…{rest[-keep_end:]}"


# -- e-mail and phone -----------------------------------------------------------------------


def _email_token(raw: str) -> Token:
    address = raw[7:] if raw[:7].lower() == "mailto:" else raw
    local, _, domain = address.rpartition("@")
    host = _host_ascii(domain)
    shown_local = visible_text(local)
    shown = f"{shown_local}@{host or visible_text(domain)}"
    href = None
    if host and local and shown_local == local and "@" not in local:
        # Every character that could start a header or another address is encoded.
        href = _href("mailto:" + _quote(local, _MAILTO_LOCAL_SAFE) + "@" + host)
    return Token("email", raw, shown, href, shown)


def _phones(
    text: str, start: int, end: int, region: str, dialer_template: str | None
) -> list[tuple[int, int, Token]]:
    gap = text[start:end]
    if sum(ch.isdigit() for ch in gap) < 3:
        return []
    found: list[tuple[int, int, Token]] = []
    for match in phonenumbers.PhoneNumberMatcher(gap, region):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        href = dial_href(e164, dialer_template)
        found.append((start + match.start, start + match.end,
                      Token("phone", match.raw_string, visible_text(match.raw_string), href,
                            e164)))
    return found


def dial_href(e164: str, dialer_template: str | None) -> str:
    """The telephone hand-off for a number: the configured dialer (``{number}`` replaced),
    or a plain ``tel:`` link. Parley has no voice channel of its own."""
    if dialer_template:
        return _href(dialer_template.replace("{number}", _quote(e164, "+")))
    return f"tel:{e164}"


# -- tokenize -------------------------------------------------------------------------------


def _is_link_label(text: str, start: int, end: int) -> bool:
    """The visible text of markdown ``[label](url)`` or HTML ``<a href=...>label</a>``."""
    before, after = text[:start], text[end:]
    if before.endswith("[") and after.startswith("]("):
        return True
    return before.rstrip().endswith(">") and after.lstrip()[:3].lower() == "</a"


def tokenize(
    text: str, default_region: str = "US", dialer_template: str | None = None
) -> list[Token]:
    """Split untrusted text into safe tokens (see the module docstring)."""
    spans: list[tuple[int, int, Token]] = []
    labels: list[tuple[int, int]] = []
    shadow = _shadow(text)
    found = _linkify().match(shadow) if _MAY_HOLD_LINK.search(shadow) else None
    for match in found or []:
        start, end = match.index, match.last_index
        if _is_link_label(text, start, end):
            labels.append((start, end))  # fake link text stays plain text
            continue
        raw = text[start:end]
        if match.schema == "mailto:":
            spans.append((start, end, _email_token(raw)))
            continue
        parsed = parse_url(raw if match.schema else "http://" + raw)
        spans.append((start, end, Token("url", raw, parsed.display, parsed.href,
                                        parsed.address)))
    taken = sorted([(s, e) for s, e, _ in spans] + labels)
    # Phone numbers only in the text between links: digits inside a URL or an e-mail
    # address stay part of it (and the matcher has less to read).
    cursor = 0
    for start, end in [*taken, (len(text), len(text))]:
        if start > cursor:
            spans.extend(_phones(text, cursor, start, default_region, dialer_template))
        cursor = max(cursor, end)
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

