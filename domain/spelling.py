"""Spelling Check for the SMS message area: which words are misspelled, and what to offer.

Dictionaries are pyspellchecker's word-frequency lists (every language it ships; default
``en``, English (United States)). Each is read once, on first use, and only the languages
in use are ever read.

``check(text, language, known)`` finds the words to underline:

- A word is a run of letters (any script, with combining marks: é, ß, ñ), digits and
  ``_``, with apostrophes (``'`` ``’`` ``‘`` ``ʼ``) *between* letters kept inside it:
  ``don't``, ``it’s``, ``O'Neil``. Quotes around a word are not part of it (``'hello'``),
  so ``rock 'n' roll`` is three words. A hyphenated word is accepted when the dictionary
  has it whole (French ``c'est-à-dire``); otherwise each part is checked on its own.
- Never flagged: words with a digit or ``_`` (``2nd``, ``A4``, ``user_id``), URLs,
  e-mail addresses and phone numbers (found by ``domain.links.tokenize``, the same
  tokens the transcript shows as links), single letters, words of scripts written
  without spaces (Han, kana, Thai, ...: there is no word to check), and words in
  ``known`` (the agent's dictionary and Ignore-All words; compared case-insensitively).
- Apostrophes: a word is known when the dictionary has it with the apostrophe
  (``don't``); or it is a possessive (``'s`` or a final ``'``) of a known word; or every
  piece between apostrophes is known (``O'Neil``, French ``l'homme``, Italian
  ``dell'anno``; a leading piece may also be listed with its apostrophe, like ``qu'``).
  ``did'nt`` stays flagged (``nt`` is no word).
- Capitals: the dictionaries are lower-case (proper names included: ``paris``,
  ``neil``), so the look-up ignores case: ``Hello`` at the start of a sentence,
  ``HELLO``, ``Paris`` mid-sentence are all fine. Capitals never make an unknown word
  acceptable: an unknown capitalised word is flagged wherever it stands, at the start of
  a sentence or in the middle (a likely proper name such as ``Zorblax``), as word
  processors do; the agent adds real names with Add to My Dictionary. Unknown ALL-CAPS
  words are flagged too (``HELO``): an acronym the dictionary lacks is one click away
  from the agent's dictionary.

``suggest(word, language, limit)`` offers corrections, best first, in the word's own case
pattern (``Happpppening`` → ``Happening``, ``HELO`` → ``HELLO``). See
``domain.spelling_index`` for the index that keeps it fast, and ``_rank`` for how
candidates are ordered. Lookups take well under a millisecond typically; the index is
built once per language (about 1-3 s, in a background thread with ``warm_up_in_background``
or ``warm_up`` called from a worker thread), and ``check`` needs only the word list.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from domain.links import tokenize
from domain.spelling_index import DeleteIndex, osa_distance

DEFAULT_LANGUAGE = "en"

# English names of pyspellchecker's dictionaries; an unlisted one is named by its code.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English (United States)",
    "es": "Spanish",
    "eu": "Basque",
    "fa": "Persian",
    "fr": "French",
    "it": "Italian",
    "lv": "Latvian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
}

# A few words of a contact centre's daily writing that the English list lacks.
_SUPPLEMENT = {
    "en": ("etc", "app", "apps", "inbox", "wifi", "voicemail", "smartphone", "smartphones"),
}

APOSTROPHES = "'\u2019\u2018\u02bc"  # ' ’ ‘ ʼ
_WORD_CHARS = r"[\p{L}\p{M}\p{N}_]"
_PIECE = rf"{_WORD_CHARS}+(?:[{APOSTROPHES}]{_WORD_CHARS}+)*"
# A word, or a hyphenated compound of words (its parts are checked one by one).
_WORD = regex.compile(rf"{_PIECE}(?:[-\u2010]{_PIECE})*")
_PART = regex.compile(_PIECE)
_DIGIT_OR_UNDERSCORE = regex.compile(r"[\p{N}_]")
_UNSPACED_SCRIPT = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
)
_SUGGESTIBLE = regex.compile(r"[\p{L}\p{M}'-]+")
_APOSTROPHE_MAP = str.maketrans({ch: "'" for ch in APOSTROPHES[1:]})
# Characters without which no URL, e-mail address or phone number can be in a text
# (fewer than 3 digits never make a phone number).
_LINK_HINTS = frozenset(".@:/\uff0e\u3002\uff61")


@dataclass(frozen=True)
class Misspelling:
    start: int  # text[start:end] == word
    end: int
    word: str


# -- dictionaries ---------------------------------------------------------------------------


def _resources() -> Path:
    import spellchecker

    return Path(spellchecker.__file__).resolve().parent / "resources"


@lru_cache(maxsize=1)
def _codes() -> tuple[str, ...]:
    return tuple(sorted(p.name.split(".")[0] for p in _resources().glob("*.json.gz")))


def languages() -> list[tuple[str, str]]:
    """Every dictionary pyspellchecker ships, as (code, English name), the default first."""
    codes = sorted(_codes(), key=lambda c: (c != DEFAULT_LANGUAGE, LANGUAGE_NAMES.get(c, c)))
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in codes]


def language_code(language: str | None) -> str:
    """``"en"`` for ``"en"``, ``"EN"``, ``"en-US"`` or ``"en_US"``; ValueError if none ships."""
    code = (language or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    if code not in _codes():
        raise ValueError(f"no spelling dictionary for language {language!r}")
    return code


class _Language:
    """One language's word list (for ``check``) and suggestion index (for ``suggest``),
    each made once, on first use, by whichever thread needs it first."""

    def __init__(self, code: str) -> None:
        self.code = code
        self._words: dict[str, int] | None = None
        self._index: DeleteIndex | None = None
        self._words_lock = threading.Lock()
        self._index_lock = threading.Lock()
        self.load_seconds = 0.0
        self.index_seconds = 0.0

    @property
    def words(self) -> dict[str, int]:
        words = self._words
        if words is None:
            with self._words_lock:
                if self._words is None:
                    started = time.perf_counter()
                    with gzip.open(_resources() / f"{self.code}.json.gz", "rb") as fh:
                        loaded: dict[str, int] = json.load(fh)
                    floor = min(loaded.values(), default=1)
                    for word in _SUPPLEMENT.get(self.code, ()):
                        loaded.setdefault(word, floor)
                    self.load_seconds = time.perf_counter() - started
                    self._words = loaded
                words = self._words
        return words

    @property
    def index(self) -> DeleteIndex:
        index = self._index
        if index is None:
            words = self.words
            with self._index_lock:
                if self._index is None:
                    started = time.perf_counter()
                    self._index = DeleteIndex(w for w in words if _SUGGESTIBLE.fullmatch(w))
                    self.index_seconds = time.perf_counter() - started
                index = self._index
        return index

    @property
    def ready(self) -> bool:
        return self._index is not None

    def stats(self) -> dict[str, float | int | bool | str]:
        words, index = self._words, self._index
        return {
            "language": self.code,
            "words": len(words) if words is not None else 0,
            "indexed_words": len(index) if index is not None else 0,
            "load_seconds": self.load_seconds,
            "index_seconds": self.index_seconds,
            "words_bytes": _dict_bytes(words) if words is not None else 0,
            "index_bytes": index.nbytes() if index is not None else 0,
            "ready": index is not None,
        }


def _dict_bytes(words: dict[str, int]) -> int:
    """Memory of a word list: the dict, its keys and its values."""
    size = sys.getsizeof(words)
    for word, count in words.items():
        size += sys.getsizeof(word) + sys.getsizeof(count)
    return size


_LANGUAGES: dict[str, _Language] = {}
_LANGUAGES_LOCK = threading.Lock()


def _language(language: str | None) -> _Language:
    code = language_code(language)
    found = _LANGUAGES.get(code)
    if found is None:
        with _LANGUAGES_LOCK:
            found = _LANGUAGES.setdefault(code, _Language(code))
    return found


def warm_up(language: str = DEFAULT_LANGUAGE) -> dict[str, float | int | bool | str]:
    """Read the language's words and build its suggestion index now (blocking: call it
    from a worker thread, e.g. at server start); returns ``stats(language)``."""
    lang = _language(language)
    lang.index  # noqa: B018 - builds on first access
    return lang.stats()


def warm_up_in_background(language: str = DEFAULT_LANGUAGE) -> threading.Thread:
    """``warm_up`` in a daemon thread (started, returned)."""
    code = language_code(language)
    thread = threading.Thread(target=warm_up, args=(code,), name=f"spelling-{code}",
                              daemon=True)
    thread.start()
    return thread


def is_ready(language: str = DEFAULT_LANGUAGE) -> bool:
    """True once ``suggest`` for the language answers without building anything first."""
    return _language(language).ready


def stats(language: str = DEFAULT_LANGUAGE) -> dict[str, float | int | bool | str]:
    """Sizes, build times and estimated memory (bytes) of a language loaded so far."""
    return _language(language).stats()


def loaded_languages() -> list[str]:
    return sorted(code for code, lang in _LANGUAGES.items() if lang._words is not None)


# -- check ----------------------------------------------------------------------------------


def _normal(word: str) -> str:
    """The dictionary form: NFC, ASCII apostrophe, lower case (not casefold: ß stays)."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word).translate(_APOSTROPHE_MAP)
    return word.lower()


def _known_set(known: Iterable[str]) -> frozenset[str]:
    if isinstance(known, str):
        known = (known,)
    return frozenset(_normal(word) for word in known)


def _is_known(word: str, words: dict[str, int], known: frozenset[str]) -> bool:
    """``word`` is in dictionary form (``_normal``)."""
    if word in words or word in known:
        return True
    if "'" not in word:
        return False
    if word.endswith("'s"):
        base = word[:-2]
    elif word.endswith("'"):
        base = word[:-1]
    else:
        base = ""
    if base and (base in words or base in known):
        return True
    pieces = word.split("'")
    *leading, last = pieces
    return (
        (last in words or last in known)
        and all(p in words or p in known or p + "'" in words for p in leading)
    )


def _excluded_spans(text: str) -> list[tuple[int, int]]:
    """Where the URLs, e-mail addresses and phone numbers are."""
    if not (_LINK_HINTS.intersection(text) or sum(ch.isdigit() for ch in text) >= 3):
        return []
    spans: list[tuple[int, int]] = []
    offset = 0
    for token in tokenize(text):
        end = offset + len(token.raw)
        if token.kind != "text":
            spans.append((offset, end))
        offset = end
    return spans


def check(text: str, language: str = DEFAULT_LANGUAGE,
          known: Iterable[str] = ()) -> list[Misspelling]:
    """The misspelled words of ``text`` in order (see the module docstring for the rules)."""
    if not text:
        return []
    words = _language(language).words
    known_words = _known_set(known)
    excluded = _excluded_spans(text)
    found: list[Misspelling] = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        if excluded and any(s < end and start < e for s, e in excluded):
            continue
        compound = match.group()
        if "-" in compound or "\u2010" in compound:
            whole = _normal(compound.replace("\u2010", "-"))
            if whole in words or whole in known_words:
                continue
            parts = [(m.start() + start, m.group()) for m in _PART.finditer(compound)]
        else:
            parts = [(start, compound)]
        for part_start, part in parts:
            if len(part) < 2 or _DIGIT_OR_UNDERSCORE.search(part):
                continue
            if not part.isascii() and _UNSPACED_SCRIPT.search(part):
                continue
            normal = _normal(part)
            if len(normal) < 2 or _is_known(normal, words, known_words):
                continue
            found.append(Misspelling(part_start, part_start + len(part), part))
    return found


def is_misspelled(word: str, language: str = DEFAULT_LANGUAGE, known: Iterable[str] = ()
                  ) -> bool:
    """Whether ``check`` would flag ``word`` written on its own."""
    return bool(check(word, language, known))


# -- suggest --------------------------------------------------------------------------------

# Costs of the error model used for ranking (an edit distance with cheaper common slips).
COST_ACCENT = 0.2  # e → é, n → ñ (same base letter)
COST_APOSTROPHE = 0.3  # dont → don't
COST_DOUBLE = 0.5  # a letter doubled or undoubled: acomodate → accommodate
COST_VOWEL = 0.7  # one vowel for another: seperate → separate
COST_KEYBOARD = 0.75  # a neighbouring key: hellp → hello
COST_SWAP = 0.7  # two neighbours swapped: teh → the
COST_ELONGATION = 0.3  # a letter held down: happpppening → happening
FREQUENCY_WEIGHT = 0.25  # cost per factor 10 of word frequency
MAX_VARIANTS = 16

_VOWELS = frozenset("aeiouy")
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_POS = {ch: (r, c + 0.5 * r) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
_RUN = regex.compile(r"(.)\1{2,}")


def _keyboard_neighbours(a: str, b: str) -> bool:
    pa, pb = _KEY_POS.get(a), _KEY_POS.get(b)
    return (pa is not None and pb is not None and abs(pa[0] - pb[0]) <= 1
            and abs(pa[1] - pb[1]) <= 1.0 and pa != pb)


@lru_cache(maxsize=4096)
def _base(ch: str) -> str:
    return unicodedata.normalize("NFKD", ch)[:1]


def _substitution(a: str, b: str) -> float:
    if _base(a) == _base(b):
        return COST_ACCENT
    if a in _VOWELS and b in _VOWELS:
        return COST_VOWEL
    if _keyboard_neighbours(a, b):
        return COST_KEYBOARD
    return 1.0


def _indel(s: str, k: int) -> float:
    """Cost of deleting s[k] from s (or of inserting it, seen from the other side)."""
    ch = s[k]
    if ch == "'":
        return COST_APOSTROPHE
    if (k > 0 and s[k - 1] == ch) or (k + 1 < len(s) and s[k + 1] == ch):
        return COST_DOUBLE
    return 1.0


def error_cost(typed: str, word: str) -> float:
    """Weighted optimal-string-alignment distance from ``typed`` to ``word``."""
    if typed == word:
        return 0.0
    n = min(len(typed), len(word))
    s = 0
    while s < n and typed[s] == word[s]:
        s += 1
    e = 0
    while e < n - s and typed[-1 - e] == word[-1 - e]:
        e += 1
    la, lb = len(typed) - s - e, len(word) - s - e
    prev = [0.0] * (lb + 1)
    for j in range(1, lb + 1):
        prev[j] = prev[j - 1] + _indel(word, s + j - 1)
    before: list[float] = []
    for i in range(1, la + 1):
        ai = s + i - 1
        ca = typed[ai]
        cur = [prev[0] + _indel(typed, ai)] + [0.0] * lb
        for j in range(1, lb + 1):
            bj = s + j - 1
            cb = word[bj]
            v = prev[j - 1] if ca == cb else prev[j - 1] + _substitution(ca, cb)
            d = prev[j] + _indel(typed, ai)
            if d < v:
                v = d
            d = cur[j - 1] + _indel(word, bj)
            if d < v:
                v = d
            if i > 1 and j > 1 and ca == word[bj - 1] and typed[ai - 1] == cb and ca != cb:
                d = before[j - 2] + COST_SWAP
                if d < v:
                    v = d
            cur[j] = v
        before, prev = prev, cur
    return prev[lb]


def _collapsed_variants(word: str) -> list[str]:
    """``word`` with each run of 3+ equal letters shortened to 2 or to 1 letters."""
    runs = list(_RUN.finditer(word))
    if not runs:
        return []
    if 2 ** len(runs) > MAX_VARIANTS:
        choices = [[2] * len(runs), [1] * len(runs)]
    else:
        choices = [[1 + ((mask >> k) & 1) for k in range(len(runs))]
                   for mask in range(2 ** len(runs))]
    variants = []
    for lengths in choices:
        out, cursor = [], 0
        for run, keep in zip(runs, lengths, strict=True):
            out.append(word[cursor:run.start()] + run.group(1) * keep)
            cursor = run.end()
        out.append(word[cursor:])
        variants.append("".join(out))
    return variants


def _rank(typed: str, lang: _Language) -> list[str]:
    """Candidates for the dictionary-form ``typed``, best first.

    Candidates: every word within edit distance 2 (the index), and, for a word with a
    letter held down (a run of 3+), every word within distance 2 of it with the runs
    shortened to 2 or 1 letters (``happpppening`` is 3 edits from ``happening``).
    Order: the error-model cost (``error_cost``: accents, apostrophes, doubled letters,
    vowels, neighbouring keys and swaps are cheaper than other edits) minus
    ``FREQUENCY_WEIGHT`` per factor 10 of the word's frequency; a word offered by
    pyspellchecker's own rule (a closest-distance candidate) wins ties.
    """
    words, index = lang.words, lang.index
    costs: dict[str, float] = {}
    for word in index.lookup(typed):
        costs[word] = error_cost(typed, word)
    for variant in _collapsed_variants(typed):
        for word in index.lookup(variant):
            cost = COST_ELONGATION + error_cost(variant, word)
            if cost < costs.get(word, math.inf):
                costs[word] = cost
    if not costs:
        return []

    def score(word: str) -> float:
        return costs[word] - FREQUENCY_WEIGHT * math.log10(words.get(word, 1) + 1)

    return sorted(costs, key=lambda w: (score(w), w))


def _case_like(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        word = word.upper()
    elif typed[:1].isupper():
        word = word[:1].upper() + word[1:]
    if "\u2019" in typed:
        word = word.replace("'", "\u2019")
    return word


@lru_cache(maxsize=8192)
def _suggest(word: str, code: str, limit: int) -> tuple[str, ...]:
    lang = _language(code)
    typed = _normal(word)
    if typed in lang.words:
        return (word,)
    if len(typed) > 64 or not typed:
        return ()
    ranked = _rank(typed, lang)[:limit]
    out: list[str] = []
    for candidate in ranked:
        cased = _case_like(word, candidate)
        if cased not in out:
            out.append(cased)
    return tuple(out)


def suggest(word: str, language: str = DEFAULT_LANGUAGE, limit: int = 5) -> list[str]:
    """Corrections for ``word``, best first, at most ``limit``, in the word's case
    pattern. A known word is its own only suggestion. Builds the language's index on the
    first call (see ``warm_up``)."""
    word = word.strip()
    if limit <= 0 or not word:
        return []
    return list(_suggest(word, language_code(language), limit))


__all__ = [
    "DEFAULT_LANGUAGE",
    "Misspelling",
    "check",
    "is_misspelled",
    "is_ready",
    "language_code",
    "languages",
    "loaded_languages",
    "osa_distance",
    "stats",
    "suggest",
    "warm_up",
    "warm_up_in_background",
]
