"""Splitting a reply into SMS parts: GSM 03.38 (7-bit) when it can, UCS-2 when it must.

One SMS carries 160 GSM-7 septets or 70 UCS-2 code units; a message split into parts
loses room to the concatenation header, leaving 153 septets or 67 units per part.
Extension-table characters cost two septets (an escape and the character), so they are
never split; neither is a surrogate pair or a grapheme cluster (an emoji with its
modifiers, a letter with its combining accents, CR LF).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import regex

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}
_CLUSTER = regex.compile(r"\X")


@dataclass(frozen=True)
class SmsSplit:
    encoding: str
    parts: list[str]
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) in the whole text

    @property
    def count(self) -> int:
        return len(self.parts)

    @property
    def capacity(self) -> int:
        """Room in the parts used so far (160 or 70 for one part, else 153 or 67 each)."""
        single, multi = LIMITS[self.encoding]
        return single if self.count <= 1 else multi * self.count

    @property
    def counter(self) -> str:
        """What the compose counter shows, e.g. ``43/160 · 1 SMS``."""
        return f"{self.units}/{self.capacity} · {max(1, self.count)} SMS"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def _septets(chunk: str) -> int:
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in chunk)


def _utf16_units(chunk: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in chunk)


def split_sms(text: str) -> SmsSplit:
    """Split ``text`` into SMS parts; ``"".join(result.parts) == text``."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    cost = _septets if encoding == GSM7 else _utf16_units
    single, multi = LIMITS[encoding]
    units = cost(text)
    if units <= single:
        return SmsSplit(encoding, [text] if text else [], units)
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for cluster in _pieces(text, multi, cost):
        size = cost(cluster)
        if used + size > multi and current:
            parts.append("".join(current))
            current, used = [], 0
        current.append(cluster)
        used += size
    if current:
        parts.append("".join(current))
    return SmsSplit(encoding, parts, units)


def _pieces(text: str, room: int, cost: Callable[[str], int]) -> list[str]:
    """Grapheme clusters. A cluster too big for a whole part (a long zalgo stack, a chain
    of joined emoji) must be cut: between its sub-units first (a base with its marks,
    modifiers and joiner), between code points only inside a sub-unit that is still too
    big. A code point is never cut, so neither is a surrogate pair."""
    pieces: list[str] = []
    for cluster in _CLUSTER.findall(text):
        if cost(cluster) <= room:
            pieces.append(cluster)
            continue
        for unit in _sub_units(cluster):
            if cost(unit) <= room:
                pieces.append(unit)
            else:
                pieces.extend(unit)
    return pieces


def _extends(ch: str, previous: str) -> bool:
    """Does ``ch`` belong with what comes before it inside a cluster?"""
    cp = ord(ch)
    return (
        unicodedata.category(ch).startswith("M")  # combining marks, virama, vowel signs
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0xE0020 <= cp <= 0xE007F  # tag characters (subdivision flags)
        or ch == "\u200d"  # a zero-width joiner ends the unit before it
        or ch == "\n" and previous == "\r"
    )


def _sub_units(cluster: str) -> list[str]:
    units: list[str] = []
    for ch in cluster:
        if units and _extends(ch, units[-1][-1]):
            units[-1] += ch
        else:
            units.append(ch)
    return units
