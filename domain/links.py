"""Turning untrusted message text into safe tokens: text, URLs, e-mail addresses, phones.

The agent must always read a link's real address (seed: "URLs and Security"):
- a URL's display *is* its address: no other text can stand in for it, so markdown or
  HTML link syntax around it stays visible as plain text (the link text of such syntax is
  never a link itself);
- the address is parsed by a WHATWG URL parser (ada, the one in Node.js, checked against
  Chromium's ``new URL`` in ``tests/e2e/test_url_parsing.py``) and rebuilt from its parts
  (a backslash is a slash, tabs and newlines are dropped, the host is percent-decoded,
  numeric IPv4 forms are written as dotted quads, a default port is dropped); ``href`` is
  that serialization and the display the same with non-ASCII characters readable, so a
  click opens exactly what the agent reads;
- a link never ends inside its authority: ``https://user:pass@mybank.com@evil.example/x``
  is one link to ``evil.example``, as in a browser (linkify alone would stop at the second
  ``@``), ``http:\\\\host`` is ``http://host``, and no other link starts in the rest of
  a URL's word; a host browsers read differently (Chromium and WHATWG disagree on ``*``,
  ``%20``), or with an invisible character in it, is plain text;
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

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import ada_url
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
_ASCII_HOST = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*\.?")
_NOT_IN_A_NAME = frozenset("/\\?#@:[]%")  # an e-mail domain with one is not a plain name
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))
_NO_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME_AND_SLASHES = re.compile(r"[a-z][a-z0-9+.-]*:[/\\]{2}", re.IGNORECASE)
_ENCODED_NON_ASCII = re.compile(r"(?:%[89A-F][0-9A-F])+")
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


_BACKSLASHED_SCHEME = re.compile(r"(https?:)(\\[/\\]|/\\)", re.IGNORECASE)


def _shadow(text: str) -> str:
    """The text as the link finder sees it, with the same length: invisible characters are
    breaks (so a link never contains one), look-alike dots are dots, and ``http:\\\\`` is
    ``http://`` (as in a browser; linkify would find a link inside it instead)."""
    if "\\" in text:
        text = _BACKSLASHED_SCHEME.sub(r"\1//", text)
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


@lru_cache(maxsize=1024)
def _host_ascii(host: str) -> str | None:
    """A host name as a browser's URL parser reads it (lower case, IDNA punycode, numeric
    IPv4 forms as dotted quads), or None when it is not a plain host name."""
    if not host or any(ch in _NOT_IN_A_NAME or ch.isspace() or _is_hidden(ch) for ch in host):
        return None
    try:
        name = ada_url.URL(f"http://{host}/").hostname
    except ValueError:
        return None
    return name if _plain_host(name) else None


def _plain_host(host: str) -> bool:
    """A host whose reading every browser shares: letters, digits, ``-`` and ``_`` in
    labels of 1 to 63 (a dotted quad is one), or an IPv6 address. WHATWG also takes
    ``$``, ``*``, ``,`` ... in a name, and browsers disagree about those (Chromium
    percent-encodes ``*``, keeps ``%20``): such a link is not opened."""
    if host.startswith("[") and host.endswith("]"):
        return True
    return len(host.rstrip(".")) <= 253 and _ASCII_HOST.fullmatch(host) is not None


def ascii_host(host: str) -> str:
    """The host as the network sees it: IDNA punycode for international names (invalid
    ones with every unusual character percent-encoded instead)."""
    return _host_ascii(host) or _ascii_only(_safe_chars(host))


@dataclass(frozen=True)
class ParsedUrl:
    address: str  # the real address, user info left out; readable (IRI) form
    href: str | None  # what a click opens (http/https with a valid host) or None
    userinfo: str | None  # user information the URL carried (escaped), never sent
    host: str | None = None  # WHATWG ``url.host``: the ASCII host, and its port if any

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
    """Parse ``url`` with a WHATWG URL parser (ada, the one in Node.js) and rebuild it from
    its parts (see the module doc). Only a special-scheme URL written with ``//`` and a
    plain host is rebuilt; anything else is shown escaped and never opened."""
    url = url.strip(_C0_AND_SPACE).translate(_NO_TAB_OR_NEWLINE)  # what WHATWG drops too
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return _unparsed(url)
    scheme = parsed.protocol[:-1]
    host = parsed.hostname
    if scheme not in SPECIAL_SCHEMES or not _SCHEME_AND_SLASHES.match(url) \
            or not _plain_host(host):
        return _unparsed(url)
    origin = f"{parsed.protocol}//{parsed.host}"
    userinfo = parsed.username + (f":{parsed.password}" if parsed.password else "")
    parsed.username = parsed.password = ""  # never sent
    path = parsed.pathname
    rest = parsed.href[len(origin) + len(path):]  # with an empty "?" or "#", as written
    # "|" is the one path character that the standard keeps and Chromium encodes: encoded,
    # the href reads the same to both.
    tail = path.replace("|", "%7C") + rest
    href = origin + tail if scheme in CLICKABLE_SCHEMES else None
    return ParsedUrl(origin + _readable(tail), href, userinfo or None, parsed.host)


def _readable(tail: str) -> str:
    """The percent-encoded non-ASCII characters of a path, query or fragment decoded, when
    they are visible ones (a browser's address bar does the same); encoding them again
    gives the href back."""
    def decode(found: re.Match[str]) -> str:
        escaped = found.group()
        try:
            chars = bytes.fromhex(escaped.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return escaped
        if any(_is_hidden(ch) or ch.isspace() or not ch.isprintable() for ch in chars):
            return escaped
        return chars

    return _ENCODED_NON_ASCII.sub(decode, tail) if "%" in tail else tail


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

_SPACE = regex.compile(r"\s")
# What may follow a link without being part of it, at the end of a word ("see x.com.").
_SENTENCE_END = frozenset(".,:;!'\")]")
_NEVER_IN_A_HOST = frozenset("<>^|")  # WHATWG and Chromium refuse a host with one
_STAND_IN = "http://example.com"  # an authority linkify always takes (see _url_end)


def _is_link_label(text: str, start: int, end: int) -> bool:
    """The visible text of markdown ``[label](url)`` or HTML ``<a href=...>label</a>``."""
    before, after = text[:start], text[end:]
    if before.endswith("[") and after.startswith("]("):
        return True
    return before.rstrip().endswith(">") and after.lstrip()[:3].lower() == "</a"


def _word_end(text: str, start: int) -> int:
    found = _SPACE.search(text, start)
    return found.start() if found else len(text)


def _authority_end(text: str, begin: int, end: int) -> int:
    """Where a special URL's authority that begins at ``begin`` ends (WHATWG: at the first
    ``/``, ``\\``, ``?`` or ``#``); ``end`` is the end of the word."""
    return min((i for i in (text.find(c, begin, end) for c in "/\\?#") if i >= 0), default=end)


def _url_end(text: str, shadow: str, start: int, end: int, schema: str) -> int | None:
    """Where the URL that linkify found at ``start`` really ends, or None when it is not
    sure what a browser makes of it (then it is plain text to the end of its word).

    linkify ends a link where a browser does not: at a second ``@``
    (``https://user:pass@mybank.com@evil.example/x``, whose host is ``evil.example``), at
    a ``%`` or a backslash. The link is never allowed to end inside the authority: it is
    extended over the whole of it (as WHATWG delimits it), and the rest of the word is
    measured by linkify behind a stand-in authority; when that longer URL has a host that
    every browser refuses, linkify's link stands (nothing else opens). An invisible
    character inside the authority (browsers drop some: ``pay\\u200bpal.com`` opens
    ``paypal.com``) leaves nothing certain to show: plain text.
    """
    begin = start + len(schema) if schema.endswith(":") else start
    while begin < len(text) and text[begin] in "/\\":
        begin += 1
    whole_word = _word_end(text, start)
    authority = text[begin:_authority_end(text, begin, whole_word)]
    core = authority
    while core and _is_hidden(core[-1]):
        core = core[:-1]
    if any(_is_hidden(ch) for ch in core):
        return None
    word_end = _word_end(shadow, start)  # an invisible character ends a link
    authority_end = _authority_end(shadow, begin, word_end)
    if end >= authority_end and not shadow.startswith("\\", end):
        return end
    if authority_end == word_end and set(text[end:authority_end]) <= _SENTENCE_END:
        return end
    tail = shadow[authority_end:word_end]
    cut = min((i for i in (tail.find("?"), tail.find("#")) if i >= 0), default=len(tail))
    stand_in = _STAND_IN + tail[:cut].replace("\\", "/") + tail[cut:]
    found = _linkify().match(stand_in) or []
    longer = authority_end
    if found and found[0].index == 0 and found[0].last_index >= len(_STAND_IN):
        longer = authority_end + found[0].last_index - len(_STAND_IN)
    whole = text[start:longer] if schema else "http://" + text[start:longer]
    if ada_url.check_url(whole):
        return longer
    if _NEVER_IN_A_HOST.intersection(shadow[begin:authority_end].rpartition("@")[2]):
        # Every browser refuses such a host, so the longer URL opens nothing: linkify's
        # shorter link stands (``<a href="http://evil.example">``).
        return end
    return None  # browsers may not agree that it is no URL (Chromium takes "a%20b.com")


def tokenize(
    text: str, default_region: str = "US", dialer_template: str | None = None
) -> list[Token]:
    """Split untrusted text into safe tokens (see the module docstring)."""
    spans: list[tuple[int, int, Token]] = []
    plain: list[tuple[int, int]] = []  # found by linkify, but shown as plain text
    shadow = _shadow(text)
    found = _linkify().match(shadow) if _MAY_HOLD_LINK.search(shadow) else None
    covered = 0
    for match in found or []:
        start, end = match.index, match.last_index
        if start < covered:
            continue  # inside a link (or plain text) that was extended over it
        if _is_link_label(text, start, end):
            plain.append((start, end))  # fake link text stays plain text
            continue
        if match.schema == "mailto:":
            if text.startswith("@", end) or text[start - 1:start] == "@":
                # one of several "@" in a word: which one is the address's is a guess
                covered = _word_end(shadow, start)
                plain.append((start, covered))
                continue
            covered = end
            spans.append((start, end, _email_token(text[start:end])))
            continue
        url_end = _url_end(text, shadow, start, end, match.schema)
        if url_end is None:
            covered = _word_end(text, start)
            plain.append((start, covered))
            continue
        covered = url_end
        if url_end < len(text) and not shadow[url_end].isspace() \
                and text[url_end] not in _SENTENCE_END:
            # linkify stopped inside the path ("%", "\\" in a query): the rest of the word
            # is the same URL's, so no other link starts in it
            covered = _word_end(shadow, start)
            plain.append((url_end, covered))
        raw = text[start:url_end]
        parsed = parse_url(raw if match.schema else "http://" + raw)
        spans.append((start, url_end, Token("url", raw, parsed.display, parsed.href,
                                            parsed.address)))
    taken = sorted([(s, e) for s, e, _ in spans] + plain)
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

