"""domain.links.tokenize, tested like an attacker would use it.

The promise (CONTRACTS.md, DESIGN.md "Security stance", seed "URLs and Security"): tokens
with ``kind``/``raw``/``display``/``href`` (and ``address`` for the hover title); the raws
concatenate to the text; a link always shows its real address; only http/https, mailto
and tel (or the configured dialer) are ever clickable.
"""

from __future__ import annotations

import random
import time
import unicodedata
from urllib.parse import quote, unquote, urlsplit

import pytest

from domain.links import (
    Token,
    ascii_host,
    normalise_url,
    parse_url,
    shorten,
    tokenize,
    visible_text,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"


def links(text: str, **kw: str) -> list[Token]:
    return [t for t in tokenize(text, **kw) if t.kind != "text"]


def only(text: str, kind: str = "url", **kw: str) -> Token:
    found = [t for t in tokenize(text, **kw) if t.kind == kind]
    assert len(found) == 1, found
    return found[0]


def shown(text: str) -> str:
    return "".join(t.display for t in tokenize(text))


def host_of(href: str) -> str:
    return urlsplit(href).hostname or ""


def assert_safe(text: str, tokens: list[Token] | None = None) -> None:
    """What must hold for any input."""
    tokens = tokenize(text) if tokens is None else tokens
    assert "".join(t.raw for t in tokens) == text
    for token in tokens:
        assert token.raw, "no empty token"
        assert token.kind in ("text", "url", "email", "phone")
        for ch in token.display:
            assert ch not in BIDI, f"bidi control shown raw in {token!r}"
        if token.kind == "text":
            assert token.href is None
        if token.href is None:
            continue
        href = token.href
        assert href.isascii() and href.isprintable() and " " not in href, token
        low = href.lower()
        assert low.startswith(("http://", "https://", "mailto:", "tel:")), token
        if token.kind == "url":
            parts = urlsplit(href)
            origin = f"{parts.scheme}://{parts.netloc}"
            assert "@" not in parts.netloc, "user info is never sent"
            assert token.display.startswith(origin), token  # the host is never hidden
            assert (token.address or "").startswith(origin)
        if token.kind == "email":
            assert "?" not in href and "&" not in href and "#" not in href, token
            assert href.count("@") == 1


# -- the basic contract -------------------------------------------------------------------


def test_plain_text_is_one_text_token() -> None:
    assert tokenize("Hello, see you at 5.") == [
        Token("text", "Hello, see you at 5.", "Hello, see you at 5.")
    ]


def test_empty_text_gives_no_tokens() -> None:
    assert tokenize("") == []


def test_url_email_and_phone_in_one_message() -> None:
    text = "Go to https://example.com/help, mail bob@example.com or call (415) 555-0123."
    tokens = tokenize(text)
    assert [t.kind for t in tokens] == ["text", "url", "text", "email", "text", "phone", "text"]
    url, email, phone = (t for t in tokens if t.kind != "text")
    assert (url.raw, url.display, url.href) == (
        "https://example.com/help", "https://example.com/help", "https://example.com/help")
    assert url.address == "https://example.com/help"
    assert (email.display, email.href) == ("bob@example.com", "mailto:bob@example.com")
    assert (phone.raw, phone.href, phone.address) == (
        "(415) 555-0123", "tel:+14155550123", "+14155550123")
    assert_safe(text, tokens)


def test_markup_is_never_interpreted() -> None:
    text = "<script>alert(1)</script> <b>bold</b> &amp; &#60;"
    tokens = tokenize(text)
    assert tokens == [Token("text", text, text)]  # shown as typed; the UI escapes it


def test_fuzzy_link_gets_its_scheme_in_display() -> None:
    token = only("visit example.com today")
    assert token.raw == "example.com"
    assert token.display == token.href == "http://example.com/"  # as a browser writes it


def test_trailing_punctuation_is_not_part_of_the_link() -> None:
    assert only("see https://example.com/a.").raw == "https://example.com/a"
    assert only("see https://example.com/a, then").raw == "https://example.com/a"


def test_scheme_and_host_are_lower_cased() -> None:
    token = only("HTTPS://EXAMPLE.COM/Path")
    assert token.href == "https://example.com/Path"


# -- link text cannot stand in for the address ---------------------------------------------


def test_markdown_link_keeps_fake_text_as_plain_text() -> None:
    text = "[paypal.com](http://evil.example)"
    tokens = tokenize(text)
    assert shown(text) == "[paypal.com](http://evil.example/)"
    url = only(text)
    assert url.display == url.href == "http://evil.example/"
    assert tokens[0] == Token("text", "[paypal.com](", "[paypal.com](")
    assert not any(t.href and "paypal" in t.href for t in tokens)
    assert_safe(text, tokens)


def test_markdown_link_with_a_full_url_as_fake_text() -> None:
    text = "[https://paypal.com/login](https://evil.example/login)"
    tokens = tokenize(text)
    assert [t.href for t in tokens if t.href] == ["https://evil.example/login"]
    assert "https://paypal.com/login" in shown(text)  # visible, as text
    assert_safe(text, tokens)


def test_html_anchor_keeps_fake_text_as_plain_text() -> None:
    text = '<a href="http://evil.example">paypal.com</a>'
    tokens = tokenize(text)
    url = only(text)
    assert url.display == url.href == "http://evil.example/"
    assert tokens[-1].kind == "text" and "paypal.com" in tokens[-1].display
    assert shown(text) == '<a href="http://evil.example/">paypal.com</a>'
    assert_safe(text, tokens)


@pytest.mark.parametrize(
    "text",
    [
        "<a href='javascript:alert(1)'>paypal.com</a>",
        '<A HREF="JAVASCRIPT:alert(1)">https://paypal.com</A>',
        "[click](javascript:alert(1))",
        "[paypal.com](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_markup_links_to_scripts_are_dead_text(text: str) -> None:
    tokens = tokenize(text)
    assert not [t for t in tokens if t.href], tokens
    assert_safe(text, tokens)


# -- look-alike hosts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("http://аррle.com/login", "xn--le-6kc8da.com"),  # Cyrillic а р р
        ("аррle.com", "xn--le-6kc8da.com"),  # fuzzy, no scheme
        ("https://pаypal.com", "xn--pypal-4ve.com"),  # one Cyrillic а among Latin
        ("http://gοogle.com", "xn--gogle-rce.com"),  # Greek omicron
        ("https://www.bаnk.com/", "www.xn--bnk-6cd.com"),
        ("https://ｅｘａｍｐｌｅ.com", "example.com"),  # full-width Latin maps to ASCII
        ("https://paypal．com/x", "paypal.com"),  # full-width full stop
        ("https://paypal。com/x", "paypal.com"),  # ideographic full stop
        ("https://paypal｡com/x", "paypal.com"),  # half-width ideographic full stop
        ("http://пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("http://☕.com", "xn--53h.com"),
        ("http://xn--80ak6aa92e.com", "xn--80ak6aa92e.com"),
    ],
)
def test_international_hosts_are_shown_in_punycode(text: str, host: str) -> None:
    token = only(text)
    assert token.raw == text
    assert token.href is not None and host_of(token.href) == host
    assert host in token.display and host in (token.address or "")
    assert token.display.isascii()
    assert_safe(text)


def test_homograph_never_displays_unicode_host() -> None:
    for text in ("http://аррle.com", "https://раураl.com/", "https://gооgle.com"):
        token = only(text)
        netloc = urlsplit(token.display).netloc
        assert netloc.isascii() and netloc.startswith("xn--"), token


def test_full_width_dot_in_path_is_kept_but_encoded_in_href() -> None:
    token = only("https://example.com/a．b")
    assert token.display == "https://example.com/a．b"
    assert token.href == "https://example.com/a%EF%BC%8Eb"


# -- user information -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "real", "info"),
    [
        ("http://paypal.com@evil.example/", "http://evil.example/", "paypal.com"),
        ("https://paypal.com:login@evil.example/x", "https://evil.example/x",
         "paypal.com:login"),
        ("https://www.paypal.com%2Flogin@evil.example", "https://evil.example/",
         "www.paypal.com%2Flogin"),
        ("https://аррle.com@evil.example/", "https://evil.example/",
         "%D0%B0%D1%80%D1%80le.com"),
    ],
)
def test_user_info_never_comes_first(text: str, real: str, info: str) -> None:
    """Chosen presentation: the real address first, the user info after it, labelled, and
    never sent: ``http://evil.example/ (user info: paypal.com)``."""
    token = only(text)
    assert token.raw == text
    assert token.display == f"{real} (user info: {info})"
    assert token.href == real
    assert token.address == real
    assert host_of(token.href) == "evil.example"
    assert_safe(text)


def test_long_user_info_is_shortened_after_the_host() -> None:
    text = "https://paypal.com-secure-login-verify-account-now-please@evil.example/"
    token = only(text)
    assert token.display.startswith("https://evil.example/ (user info: paypal.com-secure")
    assert token.display.endswith("…)")
    assert len(token.display) <= len("https://evil.example/ (user info: )") + 40
    assert token.href == "https://evil.example/"


def test_empty_user_info_is_dropped() -> None:
    assert normalise_url("http://@evil.example/x") == ("http://evil.example/x",
                                                       "http://evil.example/x")


@pytest.mark.parametrize(
    ("text", "href"),
    [
        # a browser reads "\" as "/" before the path: the host is example.com
        ("http://example.com\\@evil.example", "http://example.com/@evil.example"),
        # a fragment or a query cannot change the host
        ("http://evil.example#@paypal.com", "http://evil.example/#@paypal.com"),
        ("http://evil.example?@paypal.com", "http://evil.example/?@paypal.com"),
        ("http://evil.example/@paypal.com", "http://evil.example/@paypal.com"),
    ],
)
def test_at_sign_tricks_show_the_host_a_browser_would_use(text: str, href: str) -> None:
    token = only(text)
    assert token.href == href
    assert token.display == href
    assert_safe(text)


def test_second_at_sign_does_not_end_the_link_issue_12() -> None:
    """Issue 12, defect 3: linkify stopped at the second "@" and showed a link to
    mybank.com; a browser opens evil.example (the last "@" before the path wins)."""
    text = "see https://user:pass@mybank.com@evil.example/x now"
    tokens = tokenize(text)
    assert [t.kind for t in tokens] == ["text", "url", "text"]
    url = tokens[1]
    assert url.raw == "https://user:pass@mybank.com@evil.example/x"
    assert url.display == "https://evil.example/x (user info: user:pass%40mybank.com)"
    assert url.href == url.address == "https://evil.example/x"
    assert tokens[2].raw == " now"
    assert_safe(text, tokens)


@pytest.mark.parametrize(
    ("text", "raw", "href"),
    [
        ("http://a@b@c.example/p", "http://a@b@c.example/p", "http://c.example/p"),
        # linkify stops at "%" and at "\"; the host is the whole authority
        ("http://ex%41mple.com/path.", "http://ex%41mple.com/path", "http://example.com/path"),
        ("http://evil.example\\mybank.com/ ok", "http://evil.example\\mybank.com/",
         "http://evil.example/mybank.com/"),
        ("http://mybank.com\\@evil.example/", "http://mybank.com\\@evil.example/",
         "http://mybank.com/@evil.example/"),
        # sentence punctuation after the host stays outside the link
        ("Visit example.com.", "example.com", "http://example.com/"),
        ("(see http://example.com)", "http://example.com", "http://example.com/"),
    ],
)
def test_a_link_covers_the_authority_a_browser_reads(text: str, raw: str, href: str) -> None:
    url = only(text)
    assert (url.raw, url.href) == (raw, href)
    assert_safe(text)


def test_backslashes_after_the_scheme_are_slashes() -> None:
    url = only("see http:\\\\evil.example\\@mybank.com/ ok")
    assert url.raw == "http:\\\\evil.example\\@mybank.com/"
    assert url.href == "http://evil.example/@mybank.com/"


def test_no_second_link_starts_inside_a_urls_path() -> None:
    """linkify stops at "%" in a path; what follows is still that URL's, not a new link
    to "41mple.com"."""
    tokens = tokenize("https:\\\\x\\y@ex%41mple.com/a ok")
    assert [(t.kind, t.href) for t in tokens] == [
        ("url", "https://x/y@ex"), ("text", None)]


def test_host_that_browsers_read_differently_is_plain_text() -> None:
    """Chromium takes "a%20b.com" as a host, ada refuses it: Parley opens neither."""
    text = "http://a%2F@b@a%20b.com/x"
    assert not [t for t in tokenize(text) if t.href]
    assert shown(text) == text


def test_invisible_character_inside_a_host_makes_the_word_plain_text() -> None:
    """A browser drops a zero-width space in a host (``paypal.com``) but refuses a bidi
    control: which host a reader gets is not certain, so nothing is clickable."""
    for ch in ("\u200b", "\u00ad", "\u202e"):
        text = f"go https://pay{ch}pal.com/x ok"
        assert not links(text), ch
        assert shown(text) == f"go https://pay[U+{ord(ch):04X}]pal.com/x ok"


@pytest.mark.parametrize(
    "text", ["user:pass@mybank.com@evil.example/x", "paypal.com@mybank.com@evil.example/x"])
def test_email_in_a_word_with_another_at_sign_is_plain_text(text: str) -> None:
    assert tokenize(text) == [Token("text", text, text)]


def test_default_port_is_dropped_and_host_lower_cased() -> None:
    assert only("HTTP://EXAMPLE.COM:80/A").href == "http://example.com/A"
    assert only("https://example.com:443/").href == "https://example.com/"
    assert only("https://example.com:8443/").href == "https://example.com:8443/"


def test_pipe_in_a_path_is_encoded_as_chromium_does() -> None:
    assert only("https://example.com/a|b?c|d").href == "https://example.com/a%7Cb?c|d"


@pytest.mark.parametrize("path", ["/café", "/a．b", "/%C3%A9", "/%c3%a9", "/%E2%80%AE", "/x y"])
def test_readable_display_encodes_back_to_the_href(path: str) -> None:
    parsed = parse_url("https://example.com" + path)
    assert parsed.href is not None
    again = "".join(c if c.isascii() else quote(c) for c in parsed.address)
    assert again == parsed.href
    assert "\u202e" not in parsed.address


def test_numeric_ipv4_forms_are_shown_as_dotted_quads() -> None:
    assert only("http://0x7f.1/").href == "http://127.0.0.1/"
    assert only("http://2130706433/").href == "http://127.0.0.1/"
    assert only("http://127.1/").href == "http://127.0.0.1/"
    assert only("http://192.168.0.1:8080/x").href == "http://192.168.0.1:8080/x"


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("http://0177.0.0.1/", "http://127.0.0.1/"),  # octal
        ("http://0x7F.0x0.0.0x1/", "http://127.0.0.1/"),
        ("http://127.0.0.1./", "http://127.0.0.1/"),  # trailing dot
        ("http://0x/", "http://0.0.0.0/"),
        ("http://1.2.3.4.5/", None),  # too many parts
        ("http://1..2/", None),
        ("http://089.1.1.1/", None),  # not octal
        ("http://256.1.1.1/", None),
        ("http://1.2.3.0x1g/", "http://1.2.3.0x1g/"),  # last label not a number: a name
        ("http://example.123/", None),  # ends in a number: an IPv4 a browser refuses
        ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
        ("http://[not-ipv6]/", None),
        ("http://" + "a" * 64 + ".com/", None),  # a label longer than 63
        ("http://" + "a." * 130 + "com/", None),  # a name longer than 253
        ("http://exa$mple.com/", None),
        ("http://\u2615\u2615\u0301.com/", "http://xn--lsa370pa.com/"),
        ("http://a\u3002b\u0000.com/", None),
        ("https:/paypal.com", None),  # no "//": not opened
    ],
)
def test_hosts_are_parsed_like_a_browser(url: str, href: str | None) -> None:
    assert normalise_url(url)[1] == href


def test_a_scheme_without_a_host_is_shown_but_not_opened() -> None:
    parsed = parse_url("news:comp.lang.python")
    assert parsed.address == "news:comp.lang.python" and parsed.href is None


def test_ascii_host() -> None:
    assert ascii_host("аррle.com") == "xn--le-6kc8da.com"
    assert ascii_host("Example.COM") == "example.com"
    assert ascii_host("bad host\u202e.com") == "bad%20host%E2%80%AE.com"


def test_percent_encoded_host_is_decoded_like_a_browser() -> None:
    address, href = normalise_url("http://%70aypal.com/")
    assert address == href == "http://paypal.com/"
    address, href = normalise_url("http://evil%2Ecom/")
    assert href == "http://evil.com/"
    assert normalise_url("http://pay%2Fpal.com/")[1] is None  # "/" in a host: not a host


# -- invisible and bidirectional characters ---------------------------------------------------


@pytest.mark.parametrize("ch", BIDI)
def test_bidi_controls_in_plain_text_are_made_visible(ch: str) -> None:
    text = f"abc{ch}def"
    token = tokenize(text)[0]
    assert token.display == f"abc[U+{ord(ch):04X}]def"
    assert_safe(text)


@pytest.mark.parametrize("ch", BIDI)
def test_bidi_controls_around_a_url_stay_outside_it(ch: str) -> None:
    text = f"see {ch}https://example.com{ch} ok"
    tokens = tokenize(text)
    url = only(text)
    assert url.raw == "https://example.com" and url.href == "https://example.com/"
    assert f"[U+{ord(ch):04X}]https://example.com/[U+{ord(ch):04X}]" in shown(text)
    assert_safe(text, tokens)


@pytest.mark.parametrize("ch", BIDI + ZERO_WIDTH + ["\u2028", "\x00", "\x1b", "\ue000"])
def test_invisible_character_inside_a_url_ends_it_and_is_shown(ch: str) -> None:
    text = f"https://evil.example/{ch}gnp.exe"
    tokens = tokenize(text)
    url = tokens[0]
    assert url.kind == "url" and url.href == "https://evil.example/"
    assert ch not in (url.address or "") and ch not in url.raw
    assert f"[U+{ord(ch):04X}]" in shown(text)
    assert_safe(text, tokens)


def test_rtl_override_cannot_reverse_a_file_name() -> None:
    text = "https://evil.example/invoice\u202efdp.exe"
    assert "\u202e" not in shown(text)
    assert "[U+202E]" in shown(text)
    assert only(text).href == "https://evil.example/invoice"


@pytest.mark.parametrize("ch", ZERO_WIDTH)
def test_zero_width_inside_a_host_cannot_glue_a_fake_host(ch: str) -> None:
    text = f"https://pay{ch}pal.com"
    tokens = tokenize(text)
    hosts = {host_of(t.href) for t in tokens if t.href}
    assert "paypal.com" not in hosts
    assert f"[U+{ord(ch):04X}]" in shown(text)
    assert_safe(text, tokens)


@pytest.mark.parametrize("ch", ZERO_WIDTH + ["\u2060", "\u180e", "\u3164", "\u034f"])
def test_zero_width_in_plain_text_is_made_visible(ch: str) -> None:
    text = f"pay{ch}pal"
    assert tokenize(text)[0].display == f"pay[U+{ord(ch):04X}]pal"


@pytest.mark.parametrize(
    "text",
    [
        FAMILY,  # 👨‍👩‍👧
        "\U0001F3F3\ufe0f\u200d\U0001F308",  # 🏳️‍🌈
        "\u2764\ufe0f\u200d\U0001F525",  # ❤️‍🔥
        "\U0001F469\U0001F3FD\u200d\U0001F4BB",  # 👩🏽‍💻
        "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",  # Scotland
        "\u2764\ufe0f",  # ❤️ with a variation selector
        "1\ufe0f\u20e3",  # keycap
        "می\u200cخواهم",  # Persian: ZWNJ between letters
        "क्\u200dष",  # Devanagari: ZWJ between letters
    ],
)
def test_legitimate_joiners_and_selectors_stay_displayable(text: str) -> None:
    message = f"hi {text} ok"
    assert tokenize(message)[0].display == message


def test_stray_joiners_and_smuggled_selectors_are_made_visible() -> None:
    assert visible_text("a\u200db") == "a[U+200D]b"  # ASCII letters: nothing to join
    assert visible_text("\u200dabc") == "[U+200D]abc"
    assert visible_text("\U0001F600\u200d") == "\U0001F600[U+200D]"
    # data hidden in a run of variation selectors after one emoji ("emoji smuggling")
    assert visible_text("\U0001F600\ufe0f\ufe01") == "\U0001F600\ufe0f[U+FE01]"
    assert visible_text("x\U000E0041\U000E0042") == "x[U+E0041][U+E0042]"  # tag text


def test_carriage_return_newline_and_tab_stay() -> None:
    text = "line one\r\nline two\tend"
    assert tokenize(text)[0].display == text


def test_lone_surrogate_does_not_crash() -> None:
    text = "x \ud800 https://example.com/\udfff y"
    tokens = tokenize(text)
    assert "[U+D800]" in shown(text) and "[U+DFFF]" in shown(text)
    assert only(text).href == "https://example.com/"
    assert_safe(text, tokens)


def test_combining_mark_on_a_host_cannot_disguise_it() -> None:
    token = only("https://paypal.com\u0338/x ok")  # a long solidus overlay on the "m"
    assert token.raw == "https://paypal.com\u0338/x"
    assert token.display == token.href == "https://paypal.xn--com-wjc/x"


# -- long URLs ------------------------------------------------------------------------------


def test_long_url_keeps_scheme_and_host_visible() -> None:
    url = "https://login.secure-bank.example/" + "a" * 300 + "?next=" + "b" * 100
    token = only(f"go {url} now")
    assert token.display.startswith("https://login.secure-bank.example/")
    assert "…" in token.display
    assert len(token.display) <= 81
    assert token.address == url and token.href == url


def test_long_host_is_never_cut() -> None:
    host = ".".join(["sub" + "x" * 55] * 3) + ".example.com"
    url = f"https://{host}/" + "p" * 200
    token = only(url)
    assert token.display.startswith(f"https://{host}/")
    assert token.address == url


def test_long_url_on_a_spoofy_subdomain_still_shows_the_whole_host() -> None:
    url = "https://paypal.com.account-verify.evil.example/" + "x" * 200
    token = only(url)
    assert "paypal.com.account-verify.evil.example" in token.display


@pytest.mark.parametrize("length", [79, 80, 81, 100])
def test_shorten_never_repeats_text(length: int) -> None:
    address = "https://" + "h" * 70 + ".com/" + "abcdefghij"[: max(0, length - 83)]
    result = shorten(address)
    assert result == address or "…" in result
    head, _, tail = result.partition("…")
    assert address.startswith(head) and address.endswith(tail)
    assert len(head) + len(tail) < len(address) or result == address


def test_shorten_keeps_start_and_end_of_the_rest() -> None:
    address = "https://example.com/" + "".join(str(i % 10) for i in range(200))
    result = shorten(address, limit=60)
    head, _, tail = result.partition("…")
    assert head.startswith("https://example.com/")
    assert address.startswith(head) and address.endswith(tail)


# -- what is clickable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(document.cookie)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "jav&#x09;ascript:alert(1)",
        "\u0000javascript:alert(1)",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "file://server/share",
        "ftp://example.com/file.txt",
        "FTP://example.com/",
        "//evil.example/path",
        "skype:someone?call",
        "sms:+14155550123",
        "intent://scan/#Intent;scheme=zxing;end",
        "chrome://settings",
        "about:blank",
        "blob:https://example.com/uuid",
        "ws://example.com/socket",
        "https://javascript:alert(1)",
    ],
)
def test_only_http_and_https_urls_are_clickable(text: str) -> None:
    tokens = tokenize(text)
    for token in tokens:
        if token.kind == "url":
            assert token.href is None or token.href.startswith(("http://", "https://"))
        if token.href:
            assert "script" not in token.href.lower().split(":", 1)[0]
            assert not token.href.lower().startswith(("data:", "javascript:", "vbscript:"))
    assert_safe(text, tokens)


def test_ftp_url_is_shown_but_not_clickable() -> None:
    token = only("get ftp://example.com/file.txt")
    assert token.href is None
    assert token.display == token.address == "ftp://example.com/file.txt"


def test_url_with_a_host_a_browser_would_refuse_is_not_clickable() -> None:
    assert normalise_url("http://exa mple.com/")[1] is None
    assert normalise_url("http://example.com:99999/")[1] is None
    assert normalise_url("http://[::1/")[1] is None
    assert normalise_url("http://1.2.3.999/")[1] is None
    address, href = normalise_url("http://[::1]:8080/x")
    assert href == "http://[::1]:8080/x"


def test_href_has_no_controls_spaces_or_non_ascii() -> None:
    text = "https://example.com/caf\u00e9/a b?q=<x>&r=\"y\"#`frag`"
    for token in tokenize(text):
        if token.href:
            assert token.href.isascii() and token.href.isprintable()
            assert " " not in token.href and "<" not in token.href and '"' not in token.href


def test_non_ascii_path_is_readable_in_display_and_encoded_in_href() -> None:
    token = only("https://example.com/café")
    assert token.display == "https://example.com/café"
    assert token.href == "https://example.com/caf%C3%A9"
    assert unquote(token.href) == token.display


# -- e-mail -----------------------------------------------------------------------------------


def test_email_becomes_mailto() -> None:
    token = only("write to jordan.lee+sms@example.com please", "email")
    assert token.raw == "jordan.lee+sms@example.com"
    assert token.display == token.address == "jordan.lee+sms@example.com"
    assert token.href == "mailto:jordan.lee+sms@example.com"


def test_mailto_prefix_is_accepted_and_shown_without_it() -> None:
    token = only("mailto:bob@example.com", "email")
    assert token.raw == "mailto:bob@example.com"
    assert token.display == "bob@example.com"
    assert token.href == "mailto:bob@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "bob@example.com?cc=evil@x.example",
        "mailto:bob@example.com?subject=hi&body=click%20http://evil.example",
        "bob@example.com%0Abcc:evil@x.example",
        "bob@example.com%0D%0ABcc: evil@x.example",
        "bob@example.com\nBcc: evil@x.example",
        "bob@example.com\r\nbcc:evil@x.example",
        "mailto:bob@example.com&cc=evil@x.example",
        "bob%0A@example.com",
        "bob?x=1@example.com",
        "bob@example.com#frag",
        '"evil\\"@example.com',
    ],
)
def test_email_cannot_carry_extra_headers(text: str) -> None:
    tokens = tokenize(text)
    assert_safe(text, tokens)
    for token in tokens:
        if token.href and token.href.startswith("mailto:"):
            target = token.href[len("mailto:"):]
            assert "?" not in target and "&" not in target
            assert "%0a" not in target.lower() and "%0d" not in target.lower()
            assert "\n" not in target and "\r" not in target


def test_email_with_international_domain_is_shown_in_punycode() -> None:
    token = only("bob@пример.рф", "email")
    assert token.display == "bob@xn--e1afmkfd.xn--p1ai"
    assert token.href == "mailto:bob@xn--e1afmkfd.xn--p1ai"
    token = only("help@аррle.com", "email")
    assert token.display == "help@xn--le-6kc8da.com"


def test_email_with_full_width_dot_is_shown_with_a_dot() -> None:
    token = only("bob@example．com", "email")
    assert token.display == "bob@example.com"
    assert token.href == "mailto:bob@example.com"


def test_email_local_part_characters_are_percent_encoded_in_href() -> None:
    token = only("a+b=c@example.com", "email")
    assert token.display == "a+b=c@example.com"
    assert token.href == "mailto:a+b%3Dc@example.com"


# -- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("call 415-555-0123", "+14155550123"),
        ("call (415) 555-0123", "+14155550123"),
        ("call +1 415 555 0123", "+14155550123"),
        ("call +44 20 7946 0958", "+442079460958"),
        ("call 4155550123 please", "+14155550123"),
    ],
)
def test_phone_numbers_become_tel_links(text: str, e164: str) -> None:
    token = only(text, "phone")
    assert token.href == f"tel:{e164}"
    assert token.address == e164
    assert token.display == token.raw


def test_default_region_is_used_for_national_numbers() -> None:
    token = only("ring 020 7946 0958", "phone", default_region="GB")
    assert token.href == "tel:+442079460958"
    assert not links("ring 020 7946 0958", default_region="US")  # not a US number


def test_dialer_template() -> None:
    template = "https://dialer.example/call?to={number}&from=desk"
    token = only("call 415-555-0123", "phone", dialer_template=template)
    assert token.href == "https://dialer.example/call?to=+14155550123&from=desk"
    token = only("call 415-555-0123", "phone", dialer_template="sip:{number}@pbx.local")
    assert token.href == "sip:+14155550123@pbx.local"


def test_dialer_template_href_has_no_spaces() -> None:
    token = only("call 415-555-0123", "phone", dialer_template="callto: {number}")
    assert token.href == "callto:%20+14155550123"


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/orders/415-555-0123",
        "https://example.com/?phone=4155550123",
        "4155550123@example.com",
        "mailto:415.555.0123@example.com",
        "http://415-555-0123.example.com/",
    ],
)
def test_digits_inside_urls_and_emails_are_not_phones(text: str) -> None:
    tokens = tokenize(text)
    assert [t.kind for t in tokens if t.kind != "text"] in (["url"], ["email"])
    assert_safe(text, tokens)


def test_phone_next_to_a_url_is_its_own_token() -> None:
    text = "https://example.com/help 415-555-0123"
    assert [t.kind for t in links(text)] == ["url", "phone"]


# -- robustness and speed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "http://", "https://", "http://.", "http://a..b/", "http://@", "mailto:", "@", "a@",
        "@b.com", "http://[", "http://]", "http://:80", "http://a.com:/", "http://a.com:0/",
        "http://a.com:65535/", "http://a.com:65536/", "www.", "www.a", "x" * 5000,
        "http://" + "a" * 64 + ".com", "http://" + "a." * 200 + "com",
        "https://example.com/%ZZ%", "http://user:pa ss@x.com", "\ud800", "http://\udc00.com",
        "https://example.com/\U0001F600", "http://[::1]/", "https://x.com/" + "\u0301" * 50,
    ],
)
def test_odd_inputs_do_not_crash(text: str) -> None:
    assert_safe(text)


def test_ten_thousand_characters_with_many_links_is_fast() -> None:
    rng = random.Random(4)
    pieces = [
        "Hi, see https://example.com/orders?id=123 ", "and paypal.com@evil.example/x ",
        "or http://аррle.com/login ", "mail bob@example.com ", "call 415-555-0123 ",
        "[paypal.com](http://evil.example) ", "\u202e reversed ", "just words here. ",
    ]
    text = ""
    while len(text) < 10_000:
        text += rng.choice(pieces)
    text = text[:10_000]
    tokenize(text)  # warm-up (linkify compiles its patterns once)
    timings = []
    for _ in range(3):  # the best of three: a busy test machine must not fail it
        started = time.perf_counter()
        tokens = tokenize(text)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.1, f"{min(timings) * 1000:.1f} ms"
    assert sum(1 for t in tokens if t.kind == "url") > 100
    assert_safe(text, tokens)


# -- properties -------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

ATTACK_PIECES = st.sampled_from(
    ["http://", "https://", "HtTpS://", "ftp://", "//", "mailto:", "javascript:", "data:",
     "@", ".", "．", "。", ":", "/", "\\", "?", "#", "%", "%0A", "[", "](", ")", "<a href=\"",
     "\">", "</a>", "paypal.com", "evil.example", "example.com", "аррle.com", "xn--", "www.",
     "415-555-0123", "+44 20 7946 0958", "0x7f", "127.1", "[::1]", "user:pw", ":8080",
     " ", "\n", "\r\n", "\t", "ü", "é", "\u0301", "~", "'", "\"", "<", ">", "&#106;",
     *BIDI, *ZERO_WIDTH, "\ufe0f", "\U0001F468", "\U0001F3F4", "\U000E0067", "\x00"]
)


@hypothesis.settings(max_examples=600, deadline=None)
@hypothesis.given(st.lists(st.one_of(ATTACK_PIECES, st.text(max_size=4)), max_size=40)
                  .map("".join))
def test_property_attack_texts(text: str) -> None:
    assert_safe(text)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.text(max_size=200))
def test_property_random_unicode(text: str) -> None:
    assert_safe(text)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"]),
                          min_size=1, max_size=20))
def test_property_invisible_characters_are_never_shown_raw(invisible: str) -> None:
    text = f"a{invisible}https://example.com/{invisible}b"
    for token in tokenize(text):
        for ch in token.display:
            if ch in "\n\r\t":
                continue
            assert unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Co") or (
                ch in "\u200d\u200c"), repr(token)
    assert_safe(text)
