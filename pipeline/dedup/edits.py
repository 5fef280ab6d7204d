"""Edit twins: short texts a few typing edits apart, found exactly and verified with an edit distance.

Character 5-gram Jaccard cannot see a typo in a short text: each edit breaks up to five (a swap six) of its
shingles, so "Can I write a cheque to top up?" and "Can I write a cherue t otoc up?" have a Jaccard of 0.33, as
low as two different requests that share phrasing. On the typo-twin benchmark every twin pair under Jaccard 0.5
is at most 52 characters long and at most 4 edits apart, and among same-label pairs of real short texts the edit
distance tells twins from rewordings far better than any shingle Jaccard (docs/dedup.md, *Edit twins*).

**The rule.** Two prepared texts (:mod:`pipeline.dedup.normalise`) of 1..``max_chars`` characters, in the same
group (the label, for classification), are edit twins when their optimal string alignment distance ``d`` (insert,
delete, substitute, or swap two neighbouring characters, each counting 1; no substring edited twice) is at most
``allowed(length of the longer text)`` = ``min(max_edits, floor((1 - min_similarity) x length))``: at most
``max_edits`` edits, and a similarity ``1 - d / length`` of at least ``min_similarity``.

**Candidates, exactly** (the pigeonhole filter of PassJoin, Li et al., VLDB 2011, with gaps between segments): a
text is cut into ``k + 1`` segments separated by one-character gaps, ``k`` being the most edits any partner may be
away. One edit changes at most one segment (an insertion, deletion or substitution touches one place, and a swap
of a segment's edge character with the gap beside it changes only that segment: the gaps are why no edit can
touch two), so with at most ``k`` edits a segment survives whole. It starts ``x`` positions from where it was,
which takes ``|x|`` edits on its left and ``|x - (length difference)|`` on its right. The shorter text of a pair is
indexed by its segments (keyed by group, length, segment number and content); the longer text probes, for every
shorter length within reach, the substrings at every start those bounds allow. Every pair the rule accepts shares
a key, so no pair is missed (``tests/dedup/test_edits.py`` checks this against brute force on real text); a pair
sharing a key is only a candidate, verified with the exact distance.

**Cost.** A text makes about ``(k + 1)^2 (k / 2 + 1)`` probes (115 for k = 4), and each probe costs the texts of
its group that share that segment at that place: on banking77 (77 labels, 11,036 short texts) 36,940 candidates
for 0.15 s, but in one group of short texts of one domain the candidates grow with the square of its size (26,433
generated banking-like texts in one group: 3.2 M candidates, ~3.7 s). A ``budget`` of candidates bounds the work:
when a sample of probes predicts more, the pass runs with fewer edits (down to 1) and says so (``max_edits`` of
:class:`EditTwins`).

**Verification** uses rapidfuzz (``rapidfuzz.distance.OSA`` through ``process.cpdist``: bit-parallel C++, 5.3 M
pairs of 40-character texts a second measured on a loaded machine), not a Python dynamic program (~640 us a pair).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from pipeline.dedup.shingling import _fmix64, _offsets, _rolling_tables

_PROBE_BLOCK = 2_000_000  # probe keys hashed at once (8 bytes each, a few arrays of them)
_PAIR_BLOCK = 2_000_000  # candidate pairs expanded and verified at once
_SAMPLE = 2_000  # probing texts the candidate count is estimated from
_EPSILON = 1e-9
_NO_PAIRS = np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class EditRule:
    """The edit-twin rule: texts of 1..``max_chars`` characters within ``allowed(length)`` edits.

    Args:
        max_chars: the longest prepared text the rule applies to (0: the rule is off).
        max_edits: the most edits (optimal string alignment distance) between two edit twins.
        min_similarity: the least ``1 - edits / length of the longer text``.
    """

    max_chars: int
    max_edits: int
    min_similarity: float

    @property
    def enabled(self) -> bool:
        return self.max_chars > 0 and self.max_edits > 0

    def applies(self, text: str) -> bool:
        return 0 < len(text) <= self.max_chars

    def allowed(self, length: int) -> int:
        """The most edits a pair whose longer text has ``length`` characters may be apart."""
        return min(self.max_edits, math.floor((1.0 - self.min_similarity) * length + _EPSILON))

    def reach(self, length: int) -> int:
        """The most edits between a text of ``length`` characters and any partner as long or longer."""
        return max(self.allowed(longer) for longer in range(length, length + self.max_edits + 1)
                   if longer - length <= self.allowed(longer))

    def exact(self) -> bool:
        """Whether every length up to ``max_chars`` can be cut into enough segments of at least one character."""
        return all(self.reach(length) <= (length - 1) // 2 for length in range(1, self.max_chars + 1))

    def describe(self) -> str:
        return (f"same label, texts of at most {self.max_chars} characters, at most {self.max_edits} edits "
                f"(optimal string alignment) and 1 - edits / length >= {self.min_similarity}")


@dataclass(frozen=True)
class EditTwins:
    """The pairs the rule accepts, their edits and similarity, and what the pass did."""

    pairs: np.ndarray  # (m, 2) int64, i < j, positions in the texts given
    distance: np.ndarray  # (m,) int64
    similarity: np.ndarray  # (m,) float64
    max_edits: int  # the edits the pass ran with: the rule's, or fewer when the budget forced it
    candidates: int  # candidate pairs verified


def segments(length: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and sizes of the ``k + 1`` segments of a text of ``length >= 2k + 1`` characters, one-character gaps
    between them (the longer segments last)."""
    count = k + 1
    base, extra = divmod(length - k, count)
    sizes = np.full(count, base, dtype=np.int64)
    sizes[count - extra :] += 1
    starts = np.zeros(count, dtype=np.int64)
    starts[1:] = np.cumsum(sizes[:-1] + 1)
    return starts, sizes


def find_edit_twins(texts: list[str], groups: np.ndarray, rule: EditRule, budget: int) -> EditTwins:
    """Every pair of ``texts`` (prepared, each 1..``rule.max_chars`` long) in one group that the rule accepts.

    ``groups`` is an int per text. When a sample predicts more than ``budget`` candidate pairs, the rule's
    ``max_edits`` is lowered (to 1 at least) until it does not.
    """
    index = _SegmentIndex(texts, groups)
    while True:
        index.build(rule)
        if rule.max_edits <= 1 or index.estimate(rule) <= budget:
            break
        rule = replace(rule, max_edits=rule.max_edits - 1)
    from rapidfuzz.distance import OSA
    from rapidfuzz.process import cpdist

    kept, edits, checked = [], [], 0
    for pairs in index.candidates(rule):
        left = [texts[i] for i in pairs[:, 0].tolist()]
        right = [texts[j] for j in pairs[:, 1].tolist()]
        distance = cpdist(left, right, scorer=OSA.distance, score_cutoff=rule.max_edits, dtype=np.int64, workers=1)
        longer = np.maximum(index.lengths[pairs[:, 0]], index.lengths[pairs[:, 1]])
        ok = distance <= np.minimum(rule.max_edits, np.floor((1.0 - rule.min_similarity) * longer + _EPSILON))
        kept.append(pairs[ok])
        edits.append(distance[ok])
        checked += len(pairs)
    if not kept:
        return EditTwins(_NO_PAIRS, np.zeros(0, np.int64), np.zeros(0), rule.max_edits, 0)
    pairs, distance = np.concatenate(kept), np.concatenate(edits)
    n = len(texts)
    codes, first = np.unique(pairs[:, 0] * n + pairs[:, 1], return_index=True)  # equal lengths: found from both
    pairs, distance = np.stack([codes // n, codes % n], axis=1), distance[first]
    longer = np.maximum(index.lengths[pairs[:, 0]], index.lengths[pairs[:, 1]])
    return EditTwins(pairs, distance, 1.0 - distance / np.maximum(longer, 1), rule.max_edits, checked)


class _SegmentIndex:
    """Texts as code points with rolling-hash prefix sums, and the segment keys of one rule."""

    def __init__(self, texts: list[str], groups: np.ndarray) -> None:
        self.n = len(texts)
        self.lengths = np.fromiter(map(len, texts), dtype=np.int64, count=self.n)
        self.start = _offsets(self.lengths)[:-1]
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.powers, self.prefix = _rolling_tables(points)
        self.salt = np.asarray(groups, dtype=np.uint64) << np.uint64(24)
        self.by_length = {length: np.flatnonzero(self.lengths == length) for length in np.unique(self.lengths).tolist()}

    def key(self, first: np.ndarray, size: np.ndarray, doc: np.ndarray, length: np.ndarray, number: np.ndarray) -> np.ndarray:
        """The key of the substring ``[first, first + size)`` as segment ``number`` of a text of ``length``."""
        end = first + size
        content = _fmix64(self.powers[end - 1] * (self.prefix[end] - self.prefix[first]))
        where = self.salt[doc] | (length.astype(np.uint64) << np.uint64(8)) | number.astype(np.uint64)
        return content ^ _fmix64(where + np.uint64(0x9E3779B97F4A7C15))

    def build(self, rule: EditRule) -> None:
        keys, docs = [], []
        for length, members in self.by_length.items():
            starts, sizes = segments(length, min(rule.reach(length), (length - 1) // 2))
            for number, (at, size) in enumerate(zip(starts.tolist(), sizes.tolist())):
                fill = np.full(len(members), 1, dtype=np.int64)
                keys.append(self.key(self.start[members] + at, fill * size, members, fill * length, fill * number))
                docs.append(members)
        all_keys = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
        order = np.argsort(all_keys, kind="stable")
        self.keys, self.docs = all_keys[order], np.concatenate(docs)[order] if docs else np.zeros(0, np.int64)
        self.present = _BitTable(self.keys)

    def _probe_blocks(self, rule: EditRule, members_of: dict[int, np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for length, members in members_of.items():
            probes = _probes(rule, length)  # (indexed length, segment, start in the probing text, size)
            if not len(probes) or not len(members):
                continue
            step = max(1, _PROBE_BLOCK // len(probes))
            for block in range(0, len(members), step):
                part = members[block : block + step]
                doc = np.repeat(part, len(probes))
                combo = np.tile(np.arange(len(probes)), len(part))
                keys = self.key(self.start[doc] + probes[combo, 2], probes[combo, 3], doc, probes[combo, 0], probes[combo, 1])
                maybe = np.flatnonzero(self.present.holds(keys))  # most probes match nothing: the bit table says so
                low = np.searchsorted(self.keys, keys[maybe], side="left")
                count = np.searchsorted(self.keys, keys[maybe], side="right") - low
                hit = np.flatnonzero(count)
                yield doc[maybe[hit]], np.stack([low[hit], count[hit]], axis=1)

    def estimate(self, rule: EditRule) -> float:
        """Candidate pairs the rule would make, from the probes of about ``_SAMPLE`` texts taken at a stride."""
        stride = max(1, self.n // _SAMPLE)
        sample = {length: members[members % stride == 0] for length, members in self.by_length.items()}
        total = sum(int(spans[:, 1].sum()) for _, spans in self._probe_blocks(rule, sample))
        return total * stride

    def candidates(self, rule: EditRule) -> Iterator[np.ndarray]:
        """Candidate pairs ``(i, j)``, i < j, in blocks of about ``_PAIR_BLOCK`` (unique within a block)."""
        for doc, spans in self._probe_blocks(rule, self.by_length):
            ends = np.cumsum(spans[:, 1])
            at = 0
            while at < len(doc):
                stop = max(at + 1, int(np.searchsorted(ends, (ends[at - 1] if at else 0) + _PAIR_BLOCK, side="right")))
                low, count = spans[at:stop, 0], spans[at:stop, 1]
                first = np.repeat(low - _offsets(count)[:-1], count) + np.arange(int(count.sum()))
                a, b = np.repeat(doc[at:stop], count), self.docs[first]
                keep = a != b
                codes = np.unique(np.minimum(a, b)[keep] * self.n + np.maximum(a, b)[keep])
                if len(codes):
                    yield np.stack([codes // self.n, codes % self.n], axis=1)
                at = stop


def _probes(rule: EditRule, length: int) -> np.ndarray:
    """Every (indexed length, segment, start, size) a text of ``length`` characters probes: shorter or equal lengths
    within its allowed edits, each segment at every start the edits allow."""
    allowed = rule.allowed(length)
    rows = []
    for indexed in range(max(1, length - allowed), length + 1):
        shift = length - indexed
        starts, sizes = segments(indexed, min(rule.reach(indexed), (indexed - 1) // 2))
        for number, (at, size) in enumerate(zip(starts.tolist(), sizes.tolist())):
            # a start x places away costs |x| edits on the left and |x - shift| on the right: at most allowed
            low, high = at - (allowed - shift) // 2, at + (allowed + shift) // 2
            for begin in range(max(0, low), min(length - size, high) + 1):
                rows.append((indexed, number, begin, size))
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


class _BitTable:
    """A set of 64-bit keys as bits (16 slots a key: ~6% of absent keys answer "maybe")."""

    def __init__(self, keys: np.ndarray) -> None:
        self.mask = np.uint64((1 << max(16, int(16 * max(1, len(keys))).bit_length())) - 1)
        self.bits = np.zeros((int(self.mask) + 1) >> 3, dtype=np.uint8)
        slot = keys & self.mask
        np.bitwise_or.at(self.bits, (slot >> np.uint64(3)).astype(np.int64),
                         np.left_shift(np.uint8(1), (slot & np.uint64(7)).astype(np.uint8)))

    def holds(self, keys: np.ndarray) -> np.ndarray:
        slot = keys & self.mask
        return (self.bits[(slot >> np.uint64(3)).astype(np.int64)] >> (slot & np.uint64(7)).astype(np.uint8)) & 1 == 1
