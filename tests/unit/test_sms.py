"""domain.sms.split_sms: the public promise in CONTRACTS.md ("Domain functions").

``"".join(parts) == text``; each part fits one SMS of its encoding (160 GSM-7 septets or 70
UCS-2 units alone, 153 / 67 per part when split); extension-table characters cost two
septets; an escape pair, a surrogate pair or a grapheme cluster is never cut.
"""

from __future__ import annotations

import time

import pytest
import regex

from domain.sms import GSM_BASIC, GSM_EXTENSION, split_sms

GSM7, UCS2 = "GSM-7", "UCS-2"

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"  # 👨‍👩‍👧‍👦, 11 units
FLAG_FR = "\U0001F1EB\U0001F1F7"  # 🇫🇷, 4 units
THUMB_DARK = "\U0001F44D\U0001F3FF"  # 👍🏿, 4 units
GRIN = "\U0001F600"  # 😀, 2 units
E_ACUTE_COMBINING = "e\u0301"  # é as e + combining acute (UCS-2: U+0301 is not GSM)
HINDI = "क्षत्रिय"  # clusters: क्ष, त्रि, य
THAI = "กี่"  # one cluster: ก + two marks
ENGLAND = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"  # 14 units


def septets(part: str) -> int:
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in part)


def ucs2_units(part: str) -> int:
    return len(part.encode("utf-16-le", "surrogatepass")) // 2


def cost(part: str, encoding: str) -> int:
    return septets(part) if encoding == GSM7 else ucs2_units(part)


def clusters(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def boundaries(parts: list[str]) -> set[int]:
    """Code-point offsets where one part ends and the next begins."""
    cuts, position = set(), 0
    for part in parts[:-1]:
        position += len(part)
        cuts.add(position)
    return cuts


def assert_contract(text: str) -> None:
    """Every promise of CONTRACTS.md, for any text."""
    result = split_sms(text)
    assert result.encoding in (GSM7, UCS2)
    assert "".join(result.parts) == text
    assert all(result.parts), "no empty part"
    gsm = all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)
    assert result.encoding == (GSM7 if gsm else UCS2)
    single, multi = (160, 153) if result.encoding == GSM7 else (70, 67)
    if len(result.parts) == 1:
        assert cost(result.parts[0], result.encoding) <= single
    else:
        for part in result.parts:
            assert cost(part, result.encoding) <= multi
    # a cluster is never cut, unless it alone is bigger than a part
    cuts = boundaries(result.parts)
    offset = 0
    for cluster in clusters(text):
        inside = set(range(offset + 1, offset + len(cluster)))
        if inside & cuts:
            assert cost(cluster, result.encoding) > multi, f"cut {cluster!r}"
        offset += len(cluster)


# -- encoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "hello", "Ça va? Ñoño, Øre, où, Å, ß, É, ¡¿, §, ¤, ΔΦΓΛΩΠΨΣΘΞ", "£$¥èéùìòØøÅåÆæ",
     "@_!\"#%&'()*+,-./:;<=>?", "line\nbreak", "crlf\r\nok", "€{}[]~|^\\", "\f"],
)
def test_gsm_texts_use_gsm7(text: str) -> None:
    assert split_sms(text).encoding == GSM7


@pytest.mark.parametrize(
    "text",
    ["ç", "`", "ú", "ő", "á", "Ê", "ł", "‘quoted’", "“quote”", "…", "–", GRIN, "\u00a0", "\t",
     E_ACUTE_COMBINING, "Привет", "你好", HINDI, THAI, "\x1b", "\u200b"],
)
def test_texts_outside_gsm_use_ucs2(text: str) -> None:
    assert split_sms("abc " + text).encoding == UCS2


def test_capital_c_cedilla_is_gsm_basic_but_small_is_not() -> None:
    assert "Ç" in GSM_BASIC
    assert "ç" not in GSM_BASIC and "ç" not in GSM_EXTENSION
    assert split_sms("Ç").encoding == GSM7
    assert split_sms("ç").encoding == UCS2


def test_gsm_tables_have_the_standard_sizes() -> None:
    # 128 basic code points minus ESC (0x1B), which is not a character of its own
    assert len(GSM_BASIC) == 127
    assert GSM_EXTENSION == frozenset("\f^{}\\[~]|€")
    assert not GSM_BASIC & GSM_EXTENSION


# -- GSM-7 boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "count", "sizes"),
    [
        (0, 0, []),
        (1, 1, [1]),
        (159, 1, [159]),
        (160, 1, [160]),
        (161, 2, [153, 8]),
        (306, 2, [153, 153]),
        (307, 3, [153, 153, 1]),
        (459, 3, [153] * 3),
        (460, 4, [153, 153, 153, 1]),
        (1530, 10, [153] * 10),
    ],
)
def test_gsm_boundaries(length: int, count: int, sizes: list[int]) -> None:
    text = "a" * length
    result = split_sms(text)
    assert result.encoding == GSM7
    assert result.count == count
    assert [len(p) for p in result.parts] == sizes
    assert "".join(result.parts) == text


def test_extension_chars_cost_two_septets() -> None:
    assert split_sms("€" * 80).count == 1  # 160 septets
    assert split_sms("€" * 80).units == 160
    result = split_sms("€" * 81)  # 162 septets
    assert result.count == 2
    assert [septets(p) for p in result.parts] == [152, 10]  # 76 + 5 euros
    assert split_sms("a" * 158 + "[").count == 1  # exactly 160
    assert split_sms("a" * 159 + "[").count == 2  # 161


@pytest.mark.parametrize("ch", sorted(GSM_EXTENSION))
def test_escape_pair_never_cut_at_a_part_boundary(ch: str) -> None:
    # 152 septets then an extension character: 154 septets would not fit in 153
    text = "a" * 152 + ch + "b" * 100
    result = split_sms(text)
    assert result.parts[0] == "a" * 152  # a part may hold 152 septets
    assert result.parts[1].startswith(ch)
    assert septets(result.parts[0]) == 152
    assert_contract(text)


def test_extension_char_that_fits_exactly_stays() -> None:
    text = "a" * 151 + "€" + "b" * 100  # 153 septets in the first part
    result = split_sms(text)
    assert result.parts[0] == "a" * 151 + "€"
    assert septets(result.parts[0]) == 153


def test_crlf_is_one_cluster_not_cut() -> None:
    text = "a" * 152 + "\r\n" + "b" * 100
    result = split_sms(text)
    assert result.parts[0] == "a" * 152
    assert result.parts[1].startswith("\r\n")
    assert_contract(text)


# -- UCS-2 boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "count"),
    [(69, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4), (67 * 10, 10)],
)
def test_ucs2_boundaries(length: int, count: int) -> None:
    text = "ж" * length
    result = split_sms(text)
    assert result.encoding == UCS2
    assert result.count == count
    assert all(len(p) <= (70 if count == 1 else 67) for p in result.parts)
    if count > 1:
        assert all(len(p) == 67 for p in result.parts[:-1])
    assert "".join(result.parts) == text


def test_surrogate_pair_counts_two_units() -> None:
    assert split_sms(GRIN * 35).count == 1  # 70 units
    assert split_sms(GRIN * 35).units == 70
    assert split_sms(GRIN * 36).count == 2  # 72 units


def test_surrogate_pair_never_cut_at_a_part_boundary() -> None:
    text = "ж" * 66 + GRIN + "ж" * 10  # 66 + 2 = 68 > 67
    result = split_sms(text)
    assert result.parts[0] == "ж" * 66
    assert result.parts[1].startswith(GRIN)
    assert_contract(text)


@pytest.mark.parametrize(
    ("name", "cluster"),
    [
        ("family", FAMILY),
        ("flag", FLAG_FR),
        ("skin tone", THUMB_DARK),
        ("combining accent", E_ACUTE_COMBINING),
        ("hindi conjunct", "क्ष"),
        ("hindi with vowel sign", "त्रि"),
        ("thai", THAI),
        ("subdivision flag", ENGLAND),
        ("keycap", "1\ufe0f\u20e3"),
        ("heart on fire", "\u2764\ufe0f\u200d\U0001F525"),
    ],
)
def test_grapheme_cluster_never_cut(name: str, cluster: str) -> None:
    assert len(clusters(cluster)) == 1, name
    size = ucs2_units(cluster)
    # place the cluster so that it straddles every position across the first boundary
    for before in range(67 - size, 68):
        text = "ж" * before + cluster + "ж" * 80
        result = split_sms(text)
        assert result.encoding == UCS2
        assert any(cluster in part for part in result.parts), (name, before)
        assert_contract(text)


def test_many_emoji_split_on_cluster_boundaries() -> None:
    text = FAMILY * 20  # 220 units, 11 each: 6 per part (66 units)
    result = split_sms(text)
    assert [p.count(FAMILY) for p in result.parts] == [6, 6, 6, 2]
    assert_contract(text)


def test_flags_stay_in_pairs() -> None:
    text = FLAG_FR * 40  # 160 units, 4 each
    result = split_sms(text)
    for part in result.parts:
        assert len(part) % 2 == 0 and part == FLAG_FR * (len(part) // 2)
    assert_contract(text)


def test_hindi_and_thai_texts() -> None:
    for text in (HINDI * 20, THAI * 50, "สวัสดีครับ" * 12, "नमस्ते दुनिया " * 10):
        assert_contract(text)


def test_cluster_bigger_than_a_part_is_cut_between_code_points() -> None:
    zalgo = "a" + "\u0301\u0302\u0303" * 40  # one cluster of 121 units
    assert len(clusters(zalgo)) == 1
    text = "hi " + zalgo + " ok"
    result = split_sms(text)
    assert result.encoding == UCS2
    assert "".join(result.parts) == text
    assert all(ucs2_units(p) <= 67 for p in result.parts)
    assert_contract(text)


def test_long_emoji_chain_is_cut_between_its_emoji_not_inside_one() -> None:
    person = "\U0001F468\U0001F3FD"  # man, medium skin tone (4 units)
    chain = "\u200d".join([person] * 30)  # one cluster of 149 units
    assert len(clusters(chain)) == 1
    result = split_sms(chain)
    assert "".join(result.parts) == chain
    for part in result.parts:
        assert ucs2_units(part) <= 67
        assert not part.startswith(("\U0001F3FD", "\u200d")), "tone or joiner cut off"


def test_lone_surrogate_does_not_crash() -> None:
    result = split_sms("a\ud800b" * 30)
    assert result.encoding == UCS2
    assert "".join(result.parts) == "a\ud800b" * 30


# -- the counter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "counter"),
    [
        ("", "0/160 · 1 SMS"),
        ("a" * 43, "43/160 · 1 SMS"),
        ("a" * 160, "160/160 · 1 SMS"),
        ("a" * 161, "161/306 · 2 SMS"),
        ("a" * 200, "200/306 · 2 SMS"),
        ("a" * 307, "307/459 · 3 SMS"),
        ("€" * 10, "20/160 · 1 SMS"),
        ("ж" * 70, "70/70 · 1 SMS"),
        ("ж" * 71, "71/134 · 2 SMS"),
        (GRIN, "2/70 · 1 SMS"),
    ],
)
def test_counter_text(text: str, counter: str) -> None:
    assert split_sms(text).counter == counter


def test_units_and_capacity() -> None:
    result = split_sms("a" * 152 + "€" + "a" * 152)  # 306 septets but the € moves over
    assert result.units == 306
    assert result.count == 3
    assert result.capacity == 459
    assert result.units <= result.capacity


def test_empty_text_has_no_parts() -> None:
    result = split_sms("")
    assert result.parts == []
    assert result.encoding == GSM7
    assert result.units == 0


def test_long_text_is_fast() -> None:
    text = ("Hello " + FAMILY + " ça va? " + HINDI + " ") * 700  # ~20,000 characters
    started = time.perf_counter()
    result = split_sms(text)
    assert time.perf_counter() - started < 0.5
    assert "".join(result.parts) == text


# -- properties ---------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

PIECES = st.sampled_from(
    ["a", "Z", " ", "€", "[", "\\", "Ç", "ç", "`", "\r\n", "\n", "\r", GRIN, FAMILY,
     FLAG_FR, THUMB_DARK, E_ACUTE_COMBINING, "क्ष", "त्रि", THAI, ENGLAND, "ж", "你",
     "\u0301", "\u200d", "\ufe0f", "\U0001F3FD"]
)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.lists(PIECES, max_size=250).map("".join))
def test_property_contract_on_tricky_pieces(text: str) -> None:
    assert_contract(text)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.text(max_size=500))
def test_property_contract_on_random_unicode(text: str) -> None:
    assert_contract(text)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(st.text(alphabet=sorted(GSM_BASIC | GSM_EXTENSION), max_size=700))
def test_property_gsm_only_text_stays_gsm(text: str) -> None:
    result = split_sms(text)
    assert result.encoding == GSM7
    assert result.units == septets(text)
    assert_contract(text)
    # greedy: no part could have taken the next cluster too
    if result.count > 1:
        for part, following in zip(result.parts, result.parts[1:], strict=False):
            assert septets(part) + septets(clusters(following)[0]) > 153
