"""Parley's links against a real browser's URL parser (issue 12, defect 3).

A seeded generator writes a few thousand tricky URLs (user info with ``@`` and ``:``,
backslashes, mixed case, IDN and look-alike dots, percent-escapes, IPv4 and IPv6 forms,
ports, tabs and newlines, invisible characters). Each one goes to Parley
(:func:`domain.links.parse_url` and :func:`domain.links.tokenize`) and, in one batch, to
Chromium's ``new URL(...)``. Whenever Parley makes a link clickable, the host it shows and
the href it opens must be exactly Chromium's ``url.host`` and ``url.href`` (user name and
password cleared: Parley never sends them, it shows them flagged after the host).
Parley may refuse (plain text or a dead link); it may never disagree.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from playwright.sync_api import Browser

from domain.links import parse_url, tokenize

SEED = 20261212
# For every input: what Chromium makes of it, or {"ok": false} when it throws.
PARSE_ALL = """(inputs) => inputs.map((s) => {
  try {
    const u = new URL(s);
    const seen = {ok: true, href: u.href, host: u.host, protocol: u.protocol,
                  username: u.username, password: u.password};
    u.username = ''; u.password = '';
    seen.bare = u.href;
    seen.again = new URL(u.href).href;
    return seen;
  } catch (e) { return {ok: false}; }
})"""

SCHEMES = ["http", "https", "HTTP", "HtTpS", "hTTp", "ftp", "javascript", "ws"]
SEPARATORS = ["://", "://", "://", ":\\\\", ":/\\", ":\\/", ":///", ":/", ":"]
USERINFO = ["", "", "", "user", "user:pass", "user:pass@mybank.com", "mybank.com",
            "paypal.com:login", "a@b", "p@ss:w@rd", ":", "u:", ":p", "%40", "us%3Aer",
            "аррle.com", "www.paypal.com%2Flogin", "a'b", "x\\y", "a%2F@b"]
HOSTS = [
    "example.com", "EXAMPLE.COM", "ExAmPle.CoM", "mybank.com.", "evil.example",
    "sub.evil.example", "ex%41mple.com", "evil%2Eexample", "%65vil.example", "pay%2Fpal.com",
    "a_b.com", "a*b.com", "a%20b.com", "a$b.com", "a,b.com", "-a.com", "a..b", ".a.com",
    "аррle.com", "пример.рф", "faß.de", "☕.com", "ｅｘａｍｐｌｅ.com", "paypal．com",
    "paypal。com", "paypal｡com", "xn--80ak6aa92e.com", "xn--a.com", "İ.com", "ⓐ.com",
    "gοogle.com", "paypal.com\u0338", "127.0.0.1", "0x7f.1", "2130706433", "0177.0.0.1",
    "127.1", "0x7f000001", "0x7F.0x0.0.0x1", "4294967295", "4294967296", "256.1.1.1",
    "1.2.3.4.5", "0.0.0.0.", "09.1", "1.2.3.0x1g", "example.123", "123.com", "0x",
    "[::1]", "[::ffff:127.0.0.1]", "[0:0::1]", "[2001:DB8::1]", "[::1", "[not-ipv6]",
    "a" * 64 + ".com", "x" * 63 + ".com", "localhost", "",
]
PORTS = ["", "", "", ":80", ":443", ":8080", ":0080", ":", ":99999", ":abc", ":65535"]
PATHS = ["", "", "/", "/x", "/a/../b", "/./c", "/café", "/a|b", "\\x\\y", "/%7e/%7E",
         "/a.b.", "/x)", "/@evil.example", "/a%2Fb", "/%E2%80%AE", "/a．b", "/%zz",
         "/a b", "/ü?ü#ü", "/~user/", "/a;b=c"]
QUERIES = ["", "", "?q=1", "?@evil.example", "?a|b", "?x\\y", "?a=b&c=d", "?é"]
FRAGMENTS = ["", "", "#f", "#@paypal.com", "#a b", "#`x`", "#é"]
INVISIBLE = ["\u200b", "\u00ad", "\u202e", "\u2066", "\ufeff", "\u200d"]
HAS_SCHEME = re.compile(r"https?:", re.IGNORECASE)  # the only schemes a link opens
SENTENCE_END = frozenset(".,:;!'\")]")


def mangle(rng: random.Random, url: str) -> str:
    """One more trick at a random place: a tab or newline (WHATWG drops them), a
    backslash for a slash, upper case, an invisible character, leading spaces."""
    trick = rng.randrange(8)
    at = rng.randrange(len(url) + 1)
    if trick == 0:
        return url[:at] + rng.choice("\t\n\r") + url[at:]
    if trick == 1:
        return url.replace("/", "\\", rng.randrange(1, 4))
    if trick == 2:
        return url[:at] + url[at:].upper()
    if trick == 3:
        return url[:at] + rng.choice(INVISIBLE) + url[at:]
    if trick == 4:
        return rng.choice([" ", "\x01", "\x1f "]) + url + rng.choice(["", " ", "\x00"])
    return url


def corpus(size: int = 2400) -> list[str]:
    rng = random.Random(SEED)
    urls: list[str] = []
    while len(urls) < size:
        fuzzy = rng.random() < 0.15
        head = "" if fuzzy else rng.choice(SCHEMES) + rng.choice(SEPARATORS)
        info = rng.choice(USERINFO)
        url = (head + (info + "@" if info else "") + rng.choice(HOSTS) + rng.choice(PORTS)
               + rng.choice(PATHS) + rng.choice(QUERIES) + rng.choice(FRAGMENTS))
        if rng.random() < 0.4:
            url = mangle(rng, url)
        urls.append(url)
    return urls


@pytest.fixture(scope="module")
def chromium(browser: Browser) -> Any:
    context = browser.new_context()  # about:blank: no server needed
    page = context.new_page()

    def parse(inputs: list[str]) -> list[dict[str, Any]]:
        return list(page.evaluate(PARSE_ALL, inputs))

    yield parse
    context.close()


def shows_host(display: str, seen: dict[str, Any]) -> bool:
    """The display starts with the scheme and exactly the host, then the path (or the
    user info flag), so the host cannot be read as part of something longer."""
    origin = f"{seen['protocol']}//{seen['host']}"
    return display.startswith(origin) and display[len(origin):len(origin) + 1] in (
        "", "/", "?", "#", " ")


def test_parse_url_opens_what_chromium_parses(chromium: Any) -> None:
    urls = corpus()
    seen_all = chromium(urls)
    clickable = 0
    web = sum(1 for seen in seen_all if seen["ok"] and seen["protocol"] in ("http:", "https:"))
    for url, seen in zip(urls, seen_all, strict=True):
        parsed = parse_url(url)
        if parsed.href is None:
            continue  # refused: shown, never opened
        clickable += 1
        assert seen["ok"], f"Parley opens what Chromium refuses: {url!r} -> {parsed.href}"
        assert seen["protocol"] in ("http:", "https:"), (url, seen)
        assert parsed.host == seen["host"], (url, parsed, seen)
        assert parsed.href == seen["bare"] == seen["again"], (url, parsed, seen)
        assert shows_host(parsed.display, seen), (url, parsed.display, seen)
        carried = bool(seen["username"] or seen["password"])
        assert (parsed.userinfo is not None) == carried, (url, parsed, seen)
        if carried:
            assert parsed.display.endswith(")") and " (user info: " in parsed.display
    # Refusals are hosts browsers disagree on ("a*b.com", "a%20b.com", "a..b"), labels
    # over 63 letters and "http:/x" without "//": most web URLs Chromium takes open.
    assert clickable > web * 0.6, f"only {clickable} of {web} web URLs clickable"


def links_in(text: str) -> list[tuple[int, Any]]:
    found, offset = [], 0
    for token in tokenize(text):
        if token.kind == "url" and token.href:
            found.append((offset, token))
        offset += len(token.raw)
    return found


def test_tokenize_shows_the_host_chromium_opens(chromium: Any) -> None:
    """Message text: each generated URL alone and in a sentence. A link may end before
    sentence punctuation or an invisible character (shown as a marker), never inside
    the authority Chromium reads: the host of the rest of the word is the link's host."""
    words = [u for u in corpus() if not any(c in u for c in " \t\n\r\x00\x01\x1f")]
    texts = words + [f"Go to {w}. Thanks" for w in words[::5]]
    checks: list[tuple[str, Any, str, str, str]] = []  # text, token, URL, word, rest
    for text in texts:
        for offset, token in links_in(text):
            scheme = "" if HAS_SCHEME.match(token.raw) else "http://"  # "example.com"
            word = text[offset:].split(" ", 1)[0]
            rest = word[len(token.raw):]
            checks.append((text, token, scheme + token.raw, scheme + word, rest))
    seen = chromium([c[2] for c in checks] + [c[3] for c in checks])
    own, whole = seen[:len(checks)], seen[len(checks):]
    for (text, token, _, _, rest), mine, all_of_it in zip(checks, own, whole, strict=True):
        assert mine["ok"] and mine["protocol"] in ("http:", "https:"), (text, token, mine)
        assert token.href == mine["bare"], (text, token, mine)
        assert shows_host(token.display, mine), (text, token.display, mine)
        if not all_of_it["ok"] or set(rest) <= SENTENCE_END:
            continue  # Chromium opens nothing for the whole word; or "example.com."
        assert all_of_it["host"] == mine["host"], (
            f"{text!r}: Parley shows {mine['host']}, the word opens {all_of_it['host']}")
    # Words written "http:///x" or "http:\\\\\\x" are plain text (linkify finds no link
    # there); most of what parse_url would open is found in text too.
    openable = [w for w in words if parse_url(w).href]
    found = [w for w in openable if any(offset == 0 for offset, _ in links_in(w))]
    assert len(found) > len(openable) * 0.7, f"{len(found)} of {len(openable)} found"
