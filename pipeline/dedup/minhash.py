"""Batched MinHash signatures, LSH banding and verified Jaccard, the engine of the dedup stage.

Signatures follow ``datasketch.MinHash`` with its default scheme (``affine32``): the same permutations (taken from
a datasketch ``MinHash``), applied to the shingle hashes of a whole batch at once as NumPy array operations
instead of one ``update`` call per shingle. The shingle hashes come from :mod:`pipeline.shingling`, so a signature
is bit-identical to ``MinHash(num_perm, seed, hashfunc=shingle_hash32)`` updated with ``shingles(...)``.

Candidate pairs come from LSH banding with the same band layout as ``datasketch.MinHashLSH`` (band ``i`` is the
hash values ``[i*r, (i+1)*r)``), but the buckets are found by sorting band keys in NumPy: datasketch's in-memory
index costs ~7 KB and ~130 us per record (measured: 100k records, 13 s, 722 MB), which would not fit 1M records in
4 GiB. Banding is set *below* the Jaccard threshold so that almost no true pair is missed, and every candidate's
Jaccard is then computed exactly on the shingle sets: an unverified LSH candidate is never called a duplicate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.dedup.shingling import ShingleSets

_UINT32_MAX = np.uint32(0xFFFFFFFF)
# MurmurHash3 32-bit finalizer constants: datasketch pre-mixes every input hash with them (affine32 scheme).
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
# Random odd multipliers to fold a band of r uint32 values into one uint64 bucket key.
_BAND_MULTIPLIERS = np.random.RandomState(20240601).randint(1, 2**62, size=64, dtype=np.int64).astype(np.uint64) | 1  # [dedup] rows <= 64


class MinHasher:
    """Computes MinHash signatures for many documents at once, bit-identical to ``datasketch.MinHash`` fed the
    same shingle hashes."""

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        from datasketch import MinHash  # here, not at import: split and report use this module's UnionFind

        reference = MinHash(num_perm=num_perm, seed=seed)  # the permutations are datasketch's own
        self.num_perm = num_perm
        self.seed = seed
        self.a = reference.permutations[0].astype(np.uint32)
        self.b = reference.permutations[1].astype(np.uint32)

    def signatures(self, sets: ShingleSets, chunk_shingles: int = 8_000) -> np.ndarray:
        """One ``(n_docs, num_perm)`` uint32 signature per document from its shingle hash set."""
        out = np.full((len(sets), self.num_perm), _UINT32_MAX, dtype=np.uint32)
        offsets = sets.offsets
        start = 0
        while start < len(sets):
            # the documents whose shingles fit in one chunk (at least one document)
            stop = max(start + 1, int(np.searchsorted(offsets, offsets[start] + chunk_shingles, side="right")) - 1)
            self._fill(sets.values[offsets[start] : offsets[stop]], offsets[start : stop + 1] - offsets[start],
                       out[start:stop])
            start = stop
        return out

    def _fill(self, values: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> None:
        lengths = np.diff(offsets)
        nonempty = np.flatnonzero(lengths)
        if not len(nonempty):
            return  # documents without shingles keep the all-max signature, as an un-updated MinHash does
        hashed = _fmix32(values.astype(np.uint32, copy=False))
        # (num_perm, shingles) layout with small chunks keeps the work in cache (3x faster than the transpose);
        # uint32 wraparound is exactly the mod 2^32 of datasketch's affine permutation
        permuted = self.a[:, None] * hashed[None, :]
        permuted += self.b[:, None]
        out[nonempty] = np.minimum.reduceat(permuted, offsets[nonempty], axis=1).T

    def lean(self, signature: np.ndarray) -> Any:
        """A datasketch ``LeanMinHash`` holding one signature (for comparisons with datasketch itself)."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme="affine32")


def _fmix32(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def choose_bands(
    num_perm: int, threshold: float, min_recall: float, also: tuple[float, float] | None = None
) -> tuple[int, int]:
    """LSH ``(bands, rows)``: the most rows per band whose pairs at ``threshold`` still collide with ``min_recall``
    (and pairs at ``also[0]`` with ``also[1]``, for a second, lower level).

    More rows per band means fewer false candidates to verify; the recall condition puts the S-curve well below
    the threshold (0.8 with 128 permutations gives 21 bands x 6 rows, P(candidate | J=0.8) = 0.998, midpoint 0.60;
    adding 0.5 at 0.99 gives 42 x 3, P(candidate | J=0.5) = 0.996).
    """
    levels = [(threshold, min_recall), *([also] if also else [])]
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 2:
            break
        if all(candidate_probability(j, bands, rows) >= recall for j, recall in levels):
            best = (bands, rows)
    return best


def candidate_probability(jaccard: float, bands: int, rows: int) -> float:
    """The probability that a pair with this Jaccard shares at least one LSH bucket."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n_docs, bands)`` uint64 bucket keys; a key collision only makes an extra candidate, which is verified."""
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = band_key(signatures, band, rows)
    return keys


def band_key(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One band's bucket key per document (a hash of its ``rows`` signature values)."""
    block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
    key = np.zeros(len(signatures), dtype=np.uint64)
    for col in range(rows):
        key = (key ^ block[:, col]) * _BAND_MULTIPLIERS[col]
        key ^= key >> np.uint64(29)
    return key


def lsh_pairs(signature_parts: list[np.ndarray], bands: int, rows: int, max_bucket: int = 64,
              take: np.ndarray | None = None) -> np.ndarray:
    """:func:`bucket_pairs` of the signature blocks laid end to end (positions run on), one band at a time.

    The same pairs as ``bucket_pairs(concatenate([band_keys(part) ...]))`` without holding every band's keys at
    once: 42 bands x 8 bytes are 336 MB for a million records, one band is 8 MB. ``take``: the rows of positions
    0..len(take)-1, as if the signatures were ``concatenate(signature_parts)[take]`` (only each band's keys are
    gathered).
    """
    n = sum(len(part) for part in signature_parts) if take is None else len(take)
    per_band = []
    for band in range(bands):
        key = np.concatenate([band_key(part, band, rows) for part in signature_parts])
        pairs = _pairs_in_band(key if take is None else key[take], max_bucket)
        per_band.append(pairs[:, 0] * n + pairs[:, 1])  # one code a pair: half the memory of the pairs
    return _unique_codes(per_band, n)


def bucket_pairs(keys: np.ndarray, max_bucket: int = 64) -> np.ndarray:
    """Unique candidate pairs ``(i, j)``, i < j, of documents sharing a bucket key in any band.

    A bucket of m members yields all m*(m-1)/2 pairs up to ``max_bucket`` members; in a larger bucket (many
    documents with an identical band) each member is paired with the ``max_bucket`` members after it in input
    order, which keeps the work linear while every member stays linked to its neighbours.
    """
    return _unique_pairs([_pairs_in_band(keys[:, band], max_bucket) for band in range(keys.shape[1])], len(keys))


def _unique_pairs(pairs: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs of all bands, sorted by i then j."""
    return _unique_codes([p[:, 0] * n + p[:, 1] for p in pairs], n)


def _unique_codes(codes: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs of pair codes ``i * n + j`` (the list is emptied as they are read), sorted by i then j.

    One int64 code per pair: a 1-D sort orders them as pairs and is several times faster than unique(axis=0),
    which compares rows as opaque bytes. Sorted in place and deduplicated by a mask, not ``np.unique``: NumPy 2's
    hash-based unique took 2.1 s for 3.8M codes (300k records), this 0.06 s; and the codes of every band are
    moved into one array band by band, so they are held once, not twice.
    """
    total = sum(len(c) for c in codes)
    if not total:
        codes.clear()
        return np.zeros((0, 2), dtype=np.int32 if n < 2**31 else np.int64)
    merged = np.empty(total, dtype=np.int64)
    at = 0
    while codes:
        part = codes.pop(0)
        merged[at : at + len(part)] = part
        at += len(part)
        del part
    merged.sort()
    distinct = np.empty(total, dtype=bool)
    distinct[0] = True
    np.not_equal(merged[1:], merged[:-1], out=distinct[1:])
    merged = merged[distinct]
    del distinct
    # int32 positions while they fit: 13.6M candidate pairs of 1M records are 109 MB instead of 218 MB
    pairs = np.empty((len(merged), 2), dtype=np.int32 if n < 2**31 else np.int64)
    pairs[:, 0] = merged // n
    pairs[:, 1] = merged % n
    return pairs


def _pairs_in_band(key: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pairs of one band, vectorised: member k of a sorted bucket is paired with members k+1, k+2, ...

    The positions whose bucket still has a member ``gap`` places on are a subset of those for ``gap - 1`` (the keys
    are sorted), so each round looks only at the survivors of the last one instead of the whole band.
    """
    order, sorted_keys = _bucket_order(key)
    at = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    out = []
    gap = 1
    while len(at) and gap <= max_bucket:
        out.append(np.stack([order[at], order[at + gap]], axis=1))
        gap += 1
        at = at[at + gap < len(key)]
        at = at[sorted_keys[at + gap] == sorted_keys[at]]
    return np.concatenate(out).astype(np.int64) if out else np.zeros((0, 2), dtype=np.int64)


def _bucket_order(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions sorted by key, then by position inside a bucket, and the sorted keys.

    What ``argsort(kind="stable")`` gives, 3x faster: a quicksort (5x faster than the stable sort on a million
    keys), then only the members of buckets of two or more, a small share, are put back in position order.
    """
    order = np.argsort(key)
    sorted_keys = key[order]
    same = sorted_keys[1:] == sorted_keys[:-1]
    shared = np.zeros(len(key), dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    members = np.flatnonzero(shared)
    if len(members):
        # members of one bucket are contiguous: number the buckets in order and sort (bucket, position) codes
        starts = np.ones(len(members), dtype=bool)
        starts[1:] = ~same[members[1:] - 1]
        codes = np.cumsum(starts) * len(key) + order[members]
        codes.sort()
        order[members] = codes % len(key)
    return order, sorted_keys


class UnionFind:
    """Disjoint sets over 0..n-1; the root of a set is always its smallest member (deterministic clusters)."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return int(root)

    def union(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return False
        low, high = (rx, ry) if rx < ry else (ry, rx)
        self.parent[high] = low
        return True

    def roots(self) -> np.ndarray:
        """The root of every element, by pointer jumping over the whole array at once."""
        parent = self.parent
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent.copy()
            parent = grand
