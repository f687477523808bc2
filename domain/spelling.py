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
- Never flagged: words with a digit or ``_`` (``2nd``, ``A4``, ``user_id``; a
  hyphenated word with one is skipped whole: ``COVID-19``), URLs,
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
pattern (``Happpppening`` → ``Happening``, ``HELO`` → ``HELLO``); see ``_rank``.

Speed (figures: ``bench/spelling.py``, ``bench/README.md``). pyspellchecker's own search
generates every string within two edits (seconds for a long word); here a symmetric-delete
index (``domain.spelling_index``) over the *whole* word list answers in about a
millisecond, and a held-down letter (``happpppening``, 3 edits away) is found through
variants with the run shortened. Using it from the server:

- ``check`` is cheap (well under a millisecond for an SMS) once the language's word list
  is read (0.1-0.4 s, first use): fine on the event loop after ``warm_up``.
- ``suggest`` builds the language's index on its first call (2-4 s, 10-25 MB); later
  calls take about a millisecond (cached per word). Call ``warm_up(language)`` in a
  worker thread at start and when an agent picks another language, or
  ``warm_up_in_background``; ``is_ready`` tells whether the index is there. Loading and
  building run in short steps (the word file is parsed in pieces, the index sorted in
  buckets), so a build in a worker thread never holds the GIL for long.
- Each language loads once (thread-safe: concurrent first users wait for one load);
  ``stats`` reports sizes, times and memory.
"""

from __future__ import annotations

import gzip
import heapq
import json
import math
import sys
import threading
import time
import unicodedata
from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from domain.links import tokenize
from domain.spelling_index import DeleteIndex

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
_EDGES = regex.compile(r"^[^\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+$")  # quotes, spaces
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
        self._common_count: int | None = None
        self.load_seconds = 0.0
        self.index_seconds = 0.0

    @property
    def words(self) -> dict[str, int]:
        words = self._words
        if words is None:
            with self._words_lock:
                if self._words is None:
                    started = time.perf_counter()
                    loaded = _read_counts(_resources() / f"{self.code}.json.gz")
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
                    self.common_count  # noqa: B018 - computed now, not in a first suggest
                    self.index_seconds = time.perf_counter() - started
                index = self._index
        return index

    @property
    def common_count(self) -> int:
        """The frequency of the SPLIT_COMMON-th most common word."""
        if self._common_count is None:
            counts = heapq.nlargest(SPLIT_COMMON, self.words.values())
            self._common_count = max(counts[-1] if counts else 1, 1)
        return self._common_count

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


def _read_counts(path: Path) -> dict[str, int]:
    """A pyspellchecker word-frequency file (``{"word": count, ...}``, gzipped).

    Parsed in pieces of a few thousand entries (the file has one per line), so the GIL is
    never held for long: one ``json.loads`` of a whole large list takes most of a second,
    during which no other thread (the event loop) could run."""
    with gzip.open(path, "rb") as fh:
        chunks = []
        while chunk := fh.read(1 << 16):
            chunks.append(chunk)
    body = b"".join(chunks).decode("utf-8").strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"not a word-frequency file: {path}")
    body = body[1:-1]
    counts: dict[str, int] = {}
    pos, size = 0, len(body)
    while pos < size:
        end = body.find(',\n"', pos + _PARSE_CHUNK) if pos + _PARSE_CHUNK < size else -1
        if end < 0:
            end = size
        counts.update(json.loads("{" + body[pos:end] + "}"))
        pos = end + 1
    return counts


_PARSE_CHUNK = 1 << 16  # characters


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


def warm_up(language: str = DEFAULT_LANGUAGE, index: bool = True
            ) -> dict[str, float | int | bool | str]:
    """Read the language's words and (unless ``index=False``: enough for ``check``) build
    its suggestion index now. Blocking: call it from a worker thread, e.g. at server
    start. Returns ``stats(language)``."""
    lang = _language(language)
    if index:
        lang.index  # noqa: B018 - built on first access
    else:
        lang.words  # noqa: B018 - read on first access
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
        if _DIGIT_OR_UNDERSCORE.search(compound):
            continue  # 2nd, A4, user_id, COVID-19, mp3-player
        if "-" in compound or "\u2010" in compound:
            whole = _normal(compound.replace("\u2010", "-"))
            if whole in words or whole in known_words:
                continue
            parts = [(m.start() + start, m.group()) for m in _PART.finditer(compound)]
        else:
            parts = [(start, compound)]
        for part_start, part in parts:
            if len(part) < 2:
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
COST_ACCENT = 0.2  # e → é, n → ñ, s → ß (same base letter)
COST_APOSTROPHE = 0.3  # dont → don't
COST_POSSESSIVE = 0.9  # the apostrophe of a final 's: biddings → bidding's is no better
COST_FIRST = 0.2  # extra cost of an edit at the first letter (rarely the wrong one)
COST_DOUBLE = 0.5  # a letter doubled or undoubled: acomodate → accommodate
COST_VOWEL = 0.75  # one vowel for another: seperate → separate
COST_KEYBOARD = 0.9  # a neighbouring key: hellp → hello
COST_SWAP = 0.5  # two neighbours swapped: teh → the
COST_ELONGATION = 0.3  # a letter held down: happpppening → happening
COST_SPLIT = 1.0  # a missing space: alot → a lot
FREQUENCY_WEIGHT = 0.25  # cost per factor 10 of word frequency
SPLIT_COMMON = 1000  # both words of a split are among the language's 1000 most common
MAX_VARIANTS = 16
SHORT_WORD = 3  # letters

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
    if ch == "\u00df":  # ß: Strase → Straße
        return "s"
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
        return COST_POSSESSIVE if k == len(s) - 2 and s[-1] == "s" else COST_APOSTROPHE
    if (k > 0 and s[k - 1] == ch) or (k + 1 < len(s) and s[k + 1] == ch):
        return COST_DOUBLE
    return 1.0 if k else 1.0 + COST_FIRST


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
            if ca == cb:
                v = prev[j - 1]
            else:
                v = prev[j - 1] + _substitution(ca, cb) + (0.0 if ai else COST_FIRST)
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


def _rank(typed: str, lang: _Language, limit: int) -> list[str]:
    """The best ``limit`` candidates for the dictionary-form ``typed``, best first.

    Candidates: every word within edit distance 2 (the index; for a word of 3 letters or
    fewer, within 1 when there is any); for a word with a letter held down (a run of 3+),
    the words within distance 2 of it with the runs shortened to 2 or 1 letters
    (``happpppening`` is 3 edits from ``happening``); and two common words where a space
    is missing (``alot`` → ``a lot``).
    Order: the error-model cost (``error_cost``: accents, apostrophes, doubled letters,
    vowels, neighbouring keys and swaps cost less than other edits; the first letter is
    rarely the wrong one) minus ``FREQUENCY_WEIGHT`` per factor 10 of the word's
    frequency. A word that differs only by apostrophes (``youre`` → ``you're``) comes
    first whatever its frequency (some contractions are rare in the lists by accident).
    The error model is only computed for candidates that could still make the top
    ``limit``: a candidate at OSA distance d costs at least d times the cheapest edit.
    """
    words, index = lang.words, lang.index
    cheapest = min(COST_ACCENT, COST_APOSTROPHE, COST_POSSESSIVE, COST_DOUBLE, COST_VOWEL,
                   COST_KEYBOARD, COST_SWAP, 1.0)
    weight = FREQUENCY_WEIGHT
    # (lower bound of the score, word, what it was typed as, extra cost)
    entries: list[tuple[float, str, str | None, float]] = []

    def add(found: dict[str, int], source: str, extra: float) -> None:
        for word, distance in found.items():
            bound = extra + cheapest * distance - weight * math.log10(words[word] + 1)
            entries.append((bound, word, source, extra))

    # A word of 3 letters or fewer is within 2 edits of hundreds of words: look at those
    # 1 edit away first (as pyspellchecker does), at 2 only if there is none.
    short = len(typed) <= SHORT_WORD
    found = index.lookup(typed, 1 if short else None)
    if not found and short:
        found = index.lookup(typed)
    add(found, typed, 0.0)
    for variant in _collapsed_variants(typed):
        # A known variant (pleeease → please) is the answer: its neighbours, an edit
        # further, are not worth a look-up.
        add({variant: 0} if variant in words else index.lookup(variant), variant,
            COST_ELONGATION)
    common = lang.common_count
    for split in range(1, len(typed)):
        left, right = typed[:split], typed[split:]
        count = min(words.get(left, 0), words.get(right, 0))
        if count >= common:
            entries.append((COST_SPLIT - weight * math.log10(count + 1), f"{left} {right}",
                            None, COST_SPLIT))
    if not entries:
        return []

    bare = typed.replace("'", "")
    first = sorted({w for _, w, _, _ in entries if w.replace("'", "") == bare})
    slots = limit - len(first)
    scores: dict[str, float] = {}
    best: list[float] = []  # the best ``slots`` scores so far, ascending
    entries.sort()
    for bound, word, source, extra in entries:
        if slots <= 0 or (len(best) >= slots and bound > best[-1]):
            break
        if word in first:
            continue
        if source is None:
            score = bound  # a split: its cost is exact
        else:
            score = (extra + error_cost(source, word)
                     - weight * math.log10(words[word] + 1))
        if score < scores.get(word, math.inf):
            if word in scores and scores[word] in best:
                best.remove(scores[word])
            scores[word] = score
            insort(best, score)
            del best[slots:]
    rest = sorted(scores, key=lambda w: (scores[w], w))
    return (first + rest)[:limit]


def _case_like(typed: str, word: str, code: str) -> str:
    if code == "en" and (word == "i" or word.startswith(("i'", "i "))):
        word = "I" + word[1:]  # the English pronoun is always a capital
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
    ranked = _rank(typed, lang, limit)
    out: list[str] = []
    for candidate in ranked:
        cased = _case_like(word, candidate, code)
        if cased not in out:
            out.append(cased)
    return tuple(out)


def suggest(word: str, language: str = DEFAULT_LANGUAGE, limit: int = 5) -> list[str]:
    """Corrections for ``word``, best first, at most ``limit``, in the word's case
    pattern. A known word is its own only suggestion. Builds the language's index on the
    first call (see ``warm_up``)."""
    word = _EDGES.sub("", word)
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
    "stats",
    "suggest",
    "warm_up",
    "warm_up_in_background",
]
