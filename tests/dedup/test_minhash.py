"""Batched MinHash signatures, LSH banding, exact Jaccard and union-find."""

from __future__ import annotations

import csv
import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from pipeline.dedup.minhash import (
    MinHasher,
    UnionFind,
    band_keys,
    bucket_pairs,
    candidate_probability,
    choose_bands,
    lsh_pairs,
)
from pipeline.dedup.shingling import Shingling, normalise, shingle_hash32, shingles
from tests.dedup.helpers import DATA


def _corpus(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    docs = [" ".join(rng.choices(vocab, k=rng.randint(3, 60))) for _ in range(n)]
    docs += [d.replace(d.split()[0], "changed", 1) for d in docs[: n // 4]]  # near duplicates
    return docs + ["", "héllo wörld, ça va ?", "日本語のテキストです"]


@pytest.mark.parametrize("mode,n", [("word", 5), ("char", 5), ("word", 2)])
def test_signatures_are_bit_identical_to_datasketch(mode: str, n: int) -> None:
    """Batched signatures equal datasketch.MinHash fed the same shingles one update at a time."""
    docs = [Shingling(mode, n).prepare(d) for d in _corpus(60)]
    hasher = MinHasher(num_perm=128, seed=1)
    sigs = hasher.signatures(Shingling(mode, n).sets(docs), chunk_shingles=500)
    for doc, sig in zip(docs, sigs):
        reference = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash32)
        for shingle in shingles(doc, mode, n):
            reference.update(shingle)
        assert np.array_equal(reference.hashvalues, sig), doc


def test_other_seed_and_num_perm_match_datasketch() -> None:
    """The permutations follow datasketch for any seed and signature length."""
    doc = "the quick brown fox jumps over the lazy dog again and again"
    sig = MinHasher(num_perm=64, seed=7).signatures(Shingling("char", 4).sets([doc]))[0]
    reference = MinHash(num_perm=64, seed=7, hashfunc=shingle_hash32)
    reference.update_batch(shingles(doc, "char", 4))
    assert np.array_equal(reference.hashvalues, sig)


def test_signatures_estimate_jaccard_like_datasketchs_default_hash() -> None:
    """Signatures from ftprep's shingle hash estimate Jaccard as well as datasketch's SHA-1 default does."""
    docs = [normalise(d) for d in _corpus(200, seed=11)]
    shingling = Shingling("char", 5)
    sets = shingling.sets(docs)
    sigs = MinHasher().signatures(sets)
    near_pairs = [(k, 200 + k) for k in range(50)]  # _corpus puts one near duplicate of doc k at 200 + k
    other_pairs = [(k, k + 1) for k in range(50)]
    ours, theirs = [], []
    for i, j in near_pairs + other_pairs:
        exact = sets.jaccard(i, j)
        ours.append(abs(float(np.mean(sigs[i] == sigs[j])) - exact))
        a, b = MinHash(), MinHash()
        a.update_batch(shingles(docs[i], "char", 5))
        b.update_batch(shingles(docs[j], "char", 5))
        theirs.append(abs(a.jaccard(b) - exact))
    # the estimate's standard error at 128 permutations is at most 0.044; both hashes stay within it on average
    assert np.mean(ours) < 0.044 and np.mean(theirs) < 0.044
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.01


def test_band_candidates_equal_datasketch_lsh_buckets() -> None:
    """Sort-based banding proposes exactly the pairs that share a bucket in datasketch's MinHashLSH."""
    docs = [normalise(d) for d in _corpus(120)]
    hasher = MinHasher()
    sigs = hasher.signatures(Shingling("word", 2).sets(docs))
    bands, rows = choose_bands(128, 0.8, 0.998)
    ours = {tuple(p) for p in bucket_pairs(band_keys(sigs, bands, rows)).tolist()}
    lsh = MinHashLSH(threshold=0.8, num_perm=128, params=(bands, rows))
    with lsh.insertion_session() as session:
        for i, sig in enumerate(sigs):
            session.insert(i, hasher.lean(sig), check_duplication=False)
    theirs = {(min(i, j), max(i, j)) for i, sig in enumerate(sigs) for j in lsh.query(hasher.lean(sig)) if i != j}
    assert theirs and ours == theirs


def test_banding_sits_below_the_threshold() -> None:
    """The chosen banding finds pairs at the threshold with the asked recall, its S-curve midpoint lies below it."""
    bands, rows = choose_bands(128, 0.8, 0.998)
    assert bands * rows <= 128
    assert candidate_probability(0.8, bands, rows) >= 0.998
    assert (1 / bands) ** (1 / rows) < 0.7
    assert candidate_probability(0.8, 128 // (rows + 1), rows + 1) < 0.998  # the most rows that still qualify


def test_union_find_joins_transitively_with_smallest_root() -> None:
    """Joined sets share one root, the smallest member, whatever the order of unions."""
    uf = UnionFind(6)
    uf.union(4, 2)
    uf.union(5, 4)
    uf.union(1, 3)
    assert uf.roots().tolist() == [0, 1, 2, 1, 2, 2]


def _reference_pairs(keys: np.ndarray, max_bucket: int = 64) -> set[tuple[int, int]]:
    """The documented candidate rule, in plain Python: per band, each bucket member (input order) with the next
    ``max_bucket`` members of its bucket."""
    found = set()
    for band in range(keys.shape[1]):
        buckets: dict[int, list[int]] = {}
        for doc, key in enumerate(keys[:, band].tolist()):
            buckets.setdefault(key, []).append(doc)
        for members in buckets.values():
            for k, doc in enumerate(members):
                found.update((doc, other) for other in members[k + 1 : k + 1 + max_bucket])
    return found


def test_candidate_pairs_follow_the_bucket_rule_on_real_twins() -> None:
    """On real banking77 typo twins (42x3 and 21x6 banding) and a band with a 500-member bucket, bucket_pairs and
    the band-by-band lsh_pairs over split signature blocks give exactly the documented pairs, sorted."""
    with open(DATA / "banking77_twins_5labels.csv", newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    sigs = MinHasher(128).signatures(Shingling("char", 5).sets(texts))
    for bands, rows in ((42, 3), (21, 6)):
        expected = sorted(_reference_pairs(band_keys(sigs, bands, rows)))
        assert len(expected) > 400
        assert bucket_pairs(band_keys(sigs, bands, rows)).tolist() == [list(p) for p in expected]
        assert lsh_pairs([sigs[:300], sigs[300:]], bands, rows).tolist() == [list(p) for p in expected]
    crowded = np.zeros((2000, 1), dtype=np.uint64)
    crowded[::4] = 7  # one bucket of 500 members: each is paired with the 64 after it
    assert {tuple(p) for p in bucket_pairs(crowded).tolist()} == _reference_pairs(crowded)
