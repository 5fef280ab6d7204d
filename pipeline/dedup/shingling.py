"""Shingles and their hashes: how the dedup stage turns texts into the sets it compares.

A text is prepared (:mod:`pipeline.dedup.normalise`), cut into word or character n-grams, and every
n-gram is hashed to 32 bits. The hash is a polynomial rolling hash over the n-gram's Unicode code points, taken
modulo 2**64 and finished with MurmurHash3's 64-bit mixer. A rolling hash lets a whole batch be hashed with a
handful of NumPy array operations: the hash of any substring follows from two prefix sums, so no shingle is
ever built as a Python object. SHA-1 per shingle (datasketch's default ``sha1_hash32``) cost 0.44 us a shingle in
Python calls alone, half of the time of a signature; this costs ~0.1 us.

:func:`shingles` and :func:`shingle_hash32` are the same thing one shingle at a time, in plain Python: they are
the reference the batched code is tested against, and ``MinHash(hashfunc=shingle_hash32)`` fed ``shingles(...)``
gives exactly the signatures of :class:`pipeline.minhash.MinHasher`.

A polynomial hash modulo 2**64 has known engineered collisions (Thue-Morse strings of 2,048+ characters); the
final mixer does not remove them. Natural text does not produce them, and a collision would only make two
different shingles count as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numpy as np

from pipeline.dedup.normalise import comparable, normalise

ShingleMode = str  # "word" | "char"

_SPACE = 32
_MASK64 = 2**64 - 1
# Rolling-hash base (odd, so it is invertible modulo 2**64) and the multiplier that spreads code points over 64
# bits; code point c enters the hash as (c + 1) * _SPREAD so that no character counts as zero.
_BASE = 0x100000001B3
_BASE_INVERSE = pow(_BASE, -1, 2**64)
_SPREAD = 0x9E3779B97F4A7C15
_FMIX64 = (33, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)


def is_spaceless(text: str) -> bool:
    """True for text written without spaces between words (Chinese, Japanese, Thai...)."""
    return len(text) >= 10 and text.count(" ") * 20 < len(text)


def choose_shingle_mode(texts: Sequence[str], min_words: int) -> ShingleMode:
    """Word shingles for long space-separated text, char shingles for short or spaceless text.

    Decided once per dataset (on the median word count of a sample of ~2,000 normalised texts) rather than per
    record, so that two near-duplicate records on both sides of a length cutoff are still shingled the same way.
    """
    if not texts:
        return "char"
    sample = [normalise(t) for t in texts[:: max(1, len(texts) // 2000)]]
    if sum(is_spaceless(t) for t in sample) * 2 > len(sample):
        return "char"
    median_words = float(np.median([len(t.split()) for t in sample]))
    return "word" if median_words >= min_words else "char"


@dataclass(frozen=True)
class ShingleSets:
    """Sorted unique shingle hashes of many documents, concatenated, with offsets (doc i = offsets[i]:offsets[i+1])."""

    values: np.ndarray
    offsets: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[ShingleSets]) -> ShingleSets:
        sizes = np.concatenate([np.diff(p.offsets) for p in parts]) if parts else np.zeros(0, np.int64)
        values = np.concatenate([p.values for p in parts]) if parts else np.zeros(0, np.uint32)
        return cls(values, _offsets(sizes))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def get(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def select(self, indices: np.ndarray) -> ShingleSets:
        """The sets of the documents at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        sizes = np.diff(self.offsets)[indices]
        offsets = _offsets(sizes)
        positions = np.repeat(self.offsets[indices] - offsets[:-1], sizes) + np.arange(offsets[-1])
        return ShingleSets(self.values[positions], offsets)

    def jaccard(self, i: int, j: int) -> float:
        """Exact Jaccard of the shingle sets of documents i and j (1.0 for two empty sets)."""
        a, b = self.get(i), self.get(j)
        if not len(a) and not len(b):
            return 1.0
        if len(a) > len(b):
            a, b = b, a
        # both sorted: look the smaller set up in the larger (3x faster than intersect1d, which sorts both)
        found = np.searchsorted(b, a)
        inter = int(np.count_nonzero(b[np.minimum(found, len(b) - 1)] == a)) if len(b) else 0
        return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Shingling:
    """How texts are cut into shingles: ``mode`` (word|char) and the n-gram size ``n``."""

    mode: ShingleMode
    n: int
    accents: bool = True

    def prepare(self, text: str) -> str:
        """The form a text is shingled in (both modes): :func:`pipeline.dedup.normalise.comparable`.

        Char shingles used to keep punctuation; then "fancy you! To" and "fancy you!To" (SMS spam) stayed under
        0.8 and crossed splits although their exact keys, which drop punctuation, nearly matched.
        """
        return comparable(text, self.accents)

    def sets(self, texts: Sequence[str], batch_chars: int = 1 << 20) -> ShingleSets:
        """The shingle hash set of every text, hashed in batches of about ``batch_chars`` characters (the batch
        arrays take ~40 bytes a character, so memory stays flat however many texts there are)."""
        return self.prepared_sets([self.prepare(t) for t in texts], batch_chars)

    def prepared_sets(self, prepared: Sequence[str], batch_chars: int = 1 << 20) -> ShingleSets:
        """:meth:`sets` of texts already prepared (:meth:`prepare`), for callers that need the prepared form too."""
        parts, start = [], 0
        while start < len(prepared) or not parts:
            stop, chars = start, 0
            while stop < len(prepared) and (stop == start or chars + len(prepared[stop]) <= batch_chars):
                chars += len(prepared[stop])
                stop += 1
            parts.append(hash_batch(prepared[start:stop], self.mode, self.n))
            start = stop
        return parts[0] if len(parts) == 1 else ShingleSets.concat(parts)


def hash_batch(prepared: Sequence[str], mode: ShingleMode, n: int) -> ShingleSets:
    """Sorted unique shingle hashes of every prepared text, with NumPy over the whole batch at once.

    The texts are laid end to end as one array of code points ``v``. With ``Q[k] = sum(v[t] * BASE**-t, t < k)``
    (a prefix sum), the hash of ``v[s:e]``, ``sum(v[t] * BASE**(e-1-t))``, is ``BASE**(e-1) * (Q[e] - Q[s])``:
    every shingle is two lookups and a multiply, whatever its length.
    """
    ndocs = len(prepared)
    lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=ndocs)
    doc_start = _offsets(lengths)
    points = np.frombuffer("".join(prepared).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    powers, prefix = _rolling_tables(points)
    if mode == "word":
        starts, ends, doc_of_unit = _words(points, doc_start)
        units = np.bincount(doc_of_unit, minlength=ndocs)
    else:
        units = lengths  # a unit is one code point, numbered like the batch
    # doc d has max(1, units - n + 1) shingles (the whole text when it is shorter than n), none when empty
    counts = np.where(units > 0, np.maximum(1, units - n + 1), 0)
    doc = np.repeat(np.arange(ndocs), counts)
    first_unit = _offsets(units)
    first = np.arange(counts.sum()) + np.repeat(first_unit[:-1] - _offsets(counts)[:-1], counts)
    last = np.minimum(first + (n - 1), first_unit[1:][doc] - 1)
    if mode == "word":
        begin, end = starts[first], ends[last]
    else:
        begin, end = first, last + 1
    hashes = _fmix64(powers[end - 1] * (prefix[end] - prefix[begin])) >> np.uint64(32)
    keyed = (doc.astype(np.uint64) << np.uint64(32)) | hashes
    keyed.sort()  # by document, then hash
    unique = np.ones(len(keyed), dtype=bool)
    np.not_equal(keyed[1:], keyed[:-1], out=unique[1:])
    keyed = keyed[unique]
    sizes = np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=ndocs)
    return ShingleSets(keyed.astype(np.uint32), _offsets(sizes))


def _rolling_tables(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``BASE**k`` for k in 0..len, and the prefix sums ``Q`` (uint64 arithmetic wraps modulo 2**64)."""
    powers, inverse_powers = _power_tables(max(1024, 1 << int(len(points)).bit_length()))
    prefix = np.zeros(len(points) + 1, dtype=np.uint64)
    spread = (points.astype(np.uint64) + np.uint64(1)) * np.uint64(_SPREAD)
    np.cumsum(spread * inverse_powers[: len(points)], out=prefix[1:])
    return powers, prefix


@lru_cache(maxsize=2)
def _power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``BASE**k`` and ``BASE**-k`` for k < size (constants, cached: every batch of similar size reuses them)."""
    powers = np.full(size, _BASE, dtype=np.uint64)
    inverse_powers = np.full(size, _BASE_INVERSE, dtype=np.uint64)
    powers[0] = inverse_powers[0] = 1
    np.cumprod(powers, out=powers)
    np.cumprod(inverse_powers, out=inverse_powers)
    powers.flags.writeable = inverse_powers.flags.writeable = False
    return powers, inverse_powers


def _words(points: np.ndarray, doc_start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every space-separated word of the batch, and the document it belongs to."""
    space = points == _SPACE
    edge = np.zeros(len(points) + 1, dtype=bool)
    edge[doc_start] = True  # a document boundary ends a word like a space does
    after_gap = edge[:-1].copy()
    after_gap[1:] |= space[:-1]
    before_gap = edge[1:].copy()
    before_gap[:-1] |= space[1:]
    starts = np.flatnonzero(~space & after_gap)
    ends = np.flatnonzero(~space & before_gap) + 1
    return starts, ends, np.searchsorted(doc_start, starts, side="right") - 1


def _fmix64(h: np.ndarray) -> np.ndarray:
    shift, m1, m2 = np.uint64(_FMIX64[0]), np.uint64(_FMIX64[1]), np.uint64(_FMIX64[2])
    h = h ^ (h >> shift)
    h = h * m1
    h = h ^ (h >> shift)
    h = h * m2
    return h ^ (h >> shift)


def _offsets(sizes: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


# -- the reference, one shingle at a time --------------------------------------------------------------------------


def shingles(prepared: str, mode: ShingleMode, n: int) -> list[bytes]:
    """The shingles of one prepared text, UTF-8 encoded: word or char n-grams (the whole text if shorter than n)."""
    if not prepared:
        return []
    encoded = prepared.encode("utf-8", "surrogatepass")
    if mode == "word":
        # prepared text has single spaces, so a word n-gram is a slice of the encoded text between spaces
        words = encoded.split(b" ")
        if len(words) <= n:
            return [encoded]
        starts = [0, *accumulate(len(w) + 1 for w in words)]
        return [encoded[s : e - 1] for s, e in zip(starts, starts[n:])]
    if len(prepared) <= n:
        return [encoded]
    return [prepared[i : i + n].encode("utf-8", "surrogatepass") for i in range(len(prepared) - n + 1)]


def shingle_hash32(shingle: bytes) -> int:
    """The 32-bit hash of one shingle, as :func:`hash_batch` computes it (usable as a datasketch ``hashfunc``)."""
    h = 0
    for char in shingle.decode("utf-8", "surrogatepass"):
        h = (h * _BASE + (ord(char) + 1) * _SPREAD) & _MASK64
    shift, m1, m2 = _FMIX64
    h ^= h >> shift
    h = (h * m1) & _MASK64
    h ^= h >> shift
    h = (h * m2) & _MASK64
    h ^= h >> shift
    return h >> 32
