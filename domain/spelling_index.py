"""A compact symmetric-delete index: every dictionary word within edit distance 2, fast.

The symmetric-delete idea (SymSpell, Wolf Garbe): two words are within edit distance *k*
when some string can be reached from both by deleting at most *k* characters. So the
index stores, for every dictionary word, the strings its deletions reach, and a lookup
generates the deletions of the query and looks each one up: a few dozen look-ups instead
of the hundreds of thousands of candidate strings a Norvig-style edit generator tries
for a long word at distance 2.

Two things keep it small enough for a whole pyspellchecker dictionary:

- Only the first ``PREFIX`` characters are indexed (SymSpell's prefix trick), and words
  sharing those characters share one entry: the deletions depend on the prefix alone. A
  match names a prefix; its words are then compared with the query in full.
- The entries are not a ``dict`` of strings but one sorted ``array`` of 64-bit integers,
  each a deletion's hash (high bits) packed with a prefix number (low bits), searched
  with ``bisect``. About 8 bytes per entry instead of well over 100. A hash collision
  can only add a candidate, and every candidate's real distance is computed, so a
  collision never produces a wrong answer.

The hash is Python's own string hash, so an index lives in one process (never stored).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

PREFIX = 7
_BUCKET_BITS = 9
MAX_DISTANCE = 2


def deletes(text: str, max_deletes: int = MAX_DISTANCE) -> set[str]:
    """``text`` and every string made by deleting 1..max_deletes of its characters."""
    found = {text}
    frontier = {text}
    for _ in range(max_deletes):
        nxt: set[str] = set()
        for item in frontier:
            for i in range(len(item)):
                nxt.add(item[:i] + item[i + 1:])
        nxt -= found
        found |= nxt
        frontier = nxt
    return found


def _build_deletes(head: str, max_deletes: int) -> set[str]:
    """``deletes`` unrolled for the common case (faster for building an index)."""
    if max_deletes != 2:
        return deletes(head, max_deletes)
    n = len(head)
    found = {head[:i] + head[i + 1:] for i in range(n)}
    found |= {item[:j] + item[j + 1:] for item in found for j in range(n - 1)}
    found.add(head)
    return found


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours),
    or ``limit + 1`` as soon as it is certain to exceed ``limit``."""
    if a == b:
        return 0
    # The common prefix and suffix cost nothing: compare only what differs.
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    if i:
        a, b = a[i:], b[i:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    la, lb = len(a), len(b)
    if la > lb:
        a, b, la, lb = b, a, lb, la
    over = limit + 1
    if lb - la > limit:
        return over
    if not la:
        return lb
    # Only cells within ``limit`` of the diagonal can stay within the limit.
    before: list[int] = []
    prev = list(range(lb + 1))
    for x in range(1, la + 1):
        ca = a[x - 1]
        lo = x - limit if x > limit else 1
        hi = x + limit if x + limit < lb else lb
        cur = [over] * (lb + 1)
        if x <= limit:
            cur[0] = x
        best = over
        for y in range(lo, hi + 1):
            cb = b[y - 1]
            v = prev[y - 1] if ca == cb else prev[y - 1] + 1
            t = prev[y] + 1
            if t < v:
                v = t
            t = cur[y - 1] + 1
            if t < v:
                v = t
            if x > 1 and y > 1 and ca != cb and ca == b[y - 2] and a[x - 2] == cb:
                t = before[y - 2] + 1
                if t < v:
                    v = t
            cur[y] = v
            if v < best:
                best = v
        if best > limit:
            return over
        before, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else over


class DeleteIndex:
    """Every word of ``words`` within OSA distance ``max_distance`` (≤ 2) of a query.

    Building takes a few seconds for a large dictionary, in many short steps: no single
    call holds the GIL for more than a few milliseconds, so a build in a background
    thread does not stall an event loop in another one.
    """

    def __init__(self, words: Iterable[str], max_distance: int = MAX_DISTANCE,
                 prefix: int = PREFIX) -> None:
        self.max_distance = max_distance
        self.prefix = prefix
        # Alphabetical order (pyspellchecker's lists already are: near-linear) puts the
        # words sharing a prefix next to each other: prefix number k owns
        # words[starts[k]:starts[k + 1]], ordered by length there (found with bisect).
        ordered = sorted(words)
        starts = array("i")
        prefixes: list[str] = []
        last = None
        for i, word in enumerate(ordered):
            head = word[:prefix]
            if head != last:
                starts.append(i)
                prefixes.append(head)
                last = head
        starts.append(len(ordered))
        for k in range(len(prefixes)):
            lo, hi = starts[k], starts[k + 1]
            if hi - lo > 1:
                ordered[lo:hi] = sorted(ordered[lo:hi], key=len)
        self.words = ordered
        self.starts = starts
        self.lengths = array("H", (min(len(w), 65535) for w in ordered))
        self.id_bits = bits = max(1, len(prefixes).bit_length())
        self.hash_mask = mask = (1 << (63 - bits)) - 1
        # Keys go to buckets by their top bits, each sorted on its own: the buckets in
        # order are the whole sorted array, and no sort is one long call. The buckets
        # are arrays, not lists: the garbage collector never walks through millions of
        # keys (a list of them would make each collection a long pause for all threads).
        shift = 63 - _BUCKET_BITS
        buckets = [array("q") for _ in range(1 << _BUCKET_BITS)]
        for number, head in enumerate(prefixes):
            for item in _build_deletes(head, max_distance):
                key = ((hash(item) & mask) << bits) | number
                buckets[key >> shift].append(key)
        keys = array("q")
        for k, bucket in enumerate(buckets):
            keys.extend(array("q", sorted(bucket)))
            buckets[k] = array("q")
        self.keys = keys

    def __len__(self) -> int:
        return len(self.words)

    def nbytes(self) -> int:
        """Memory held by the index itself (the word strings belong to the dictionary)."""
        import sys

        return (sum(a.itemsize * len(a) for a in (self.keys, self.starts, self.lengths))
                + sys.getsizeof(self.words))

    def lookup(self, query: str, max_distance: int | None = None) -> dict[str, int]:
        """{word: distance} for every indexed word within ``max_distance`` of ``query``."""
        limit = self.max_distance if max_distance is None else min(max_distance,
                                                                  self.max_distance)
        keys, bits, mask = self.keys, self.id_bits, self.hash_mask
        size = len(keys)
        numbers: set[int] = set()
        for item in deletes(query[: self.prefix], limit):
            h = hash(item) & mask
            i = bisect_left(keys, h << bits)
            while i < size:
                key = keys[i]
                if key >> bits != h:
                    break
                numbers.add(key & ((1 << bits) - 1))
                i += 1
        found: dict[str, int] = {}
        length = len(query)
        letters = frozenset(query)
        words, starts, lengths = self.words, self.starts, self.lengths
        for number in numbers:
            lo, hi = starts[number], starts[number + 1]
            if hi - lo > 4:
                lo = bisect_left(lengths, length - limit, lo, hi)
                hi = bisect_left(lengths, length + limit + 1, lo, hi)
            for i in range(lo, hi):
                word = words[i]
                if abs(len(word) - length) > limit:
                    continue
                # Each edit brings in at most one letter the query lacks: a cheap test
                # that rules out most words sharing a prefix before the real distance.
                extra = set(word)
                if len(extra) - len(extra & letters) > limit or len(letters - extra) > limit:
                    continue
                distance = osa_distance(query, word, limit)
                if distance <= limit:
                    found[word] = distance
        return found
