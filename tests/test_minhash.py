"""Batched MinHash signatures, LSH banding, exact Jaccard and union-find."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from pipeline.minhash import (
    MinHasher,
    ShingleSets,
    Shingling,
    UnionFind,
    band_keys,
    bucket_pairs,
    candidate_probability,
    choose_bands,
    choose_shingle_mode,
    normalise,
    shingles,
)


def _corpus(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    docs = [" ".join(rng.choices(vocab, k=rng.randint(3, 60))) for _ in range(n)]
    docs += [d.replace(d.split()[0], "changed", 1) for d in docs[: n // 4]]  # near duplicates
    return docs + ["", "héllo wörld, ça va ?", "日本語のテキストです"]


@pytest.mark.parametrize("mode,n", [("word", 5), ("char", 5), ("word", 2)])
def test_signatures_are_bit_identical_to_datasketch(mode: str, n: int) -> None:
    """Batched signatures equal datasketch.MinHash fed the same shingles one update at a time."""
    docs = [normalise(d) for d in _corpus(60)]
    hasher = MinHasher(num_perm=128, seed=1)
    sigs = hasher.signatures([Shingling(mode, n).hashes(d) for d in docs], chunk_shingles=500)
    for doc, sig in zip(docs, sigs):
        reference = MinHash(num_perm=128, seed=1)
        for shingle in shingles(doc, mode, n):
            reference.update(shingle)
        assert np.array_equal(reference.hashvalues, sig), doc


def test_other_seed_and_num_perm_match_datasketch() -> None:
    """The permutations follow datasketch for any seed and signature length."""
    doc = normalise("the quick brown fox jumps over the lazy dog again and again")
    sig = MinHasher(num_perm=64, seed=7).signatures([Shingling("char", 4).hashes(doc)])[0]
    reference = MinHash(num_perm=64, seed=7)
    reference.update_batch(shingles(doc, "char", 4))
    assert np.array_equal(reference.hashvalues, sig)


def test_band_candidates_equal_datasketch_lsh_buckets() -> None:
    """Sort-based banding proposes exactly the pairs that share a bucket in datasketch's MinHashLSH."""
    docs = [normalise(d) for d in _corpus(120)]
    hasher = MinHasher()
    sigs = hasher.signatures([Shingling("word", 2).hashes(d) for d in docs])
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


def test_shingle_set_jaccard_is_exact() -> None:
    """Jaccard over hashed shingle sets equals the Jaccard of the shingle strings."""
    a, b = normalise("one two three four five six seven"), normalise("one two three four five six eight")
    shingling = Shingling("char", 3)
    sets = ShingleSets.from_lists([shingling.hashes(a), shingling.hashes(b)])
    sa, sb = set(shingles(a, "char", 3)), set(shingles(b, "char", 3))
    assert sets.jaccard(0, 1) == pytest.approx(len(sa & sb) / len(sa | sb))
    assert sets.jaccard(0, 0) == 1.0


def test_union_find_joins_transitively_with_smallest_root() -> None:
    """Joined sets share one root, the smallest member, whatever the order of unions."""
    uf = UnionFind(6)
    uf.union(4, 2)
    uf.union(5, 4)
    uf.union(1, 3)
    assert uf.roots().tolist() == [0, 1, 2, 1, 2, 2]


def test_normalise_ignores_case_punctuation_and_spacing() -> None:
    """Case, punctuation and whitespace do not change the normalised form; all-symbol text is not emptied."""
    assert normalise("  Hello,   WORLD!! ") == normalise("hello world") == "hello world"
    assert normalise("Ça   va?") == "ça va"
    assert normalise("!!!") == "!!!"


def test_shingle_mode_follows_length_and_script() -> None:
    """Short or spaceless texts get char shingles, long space-separated texts word shingles."""
    assert choose_shingle_mode(["ok see you at 5"] * 10, 30) == "char"
    assert choose_shingle_mode([" ".join(["word"] * 80)] * 10, 30) == "word"
    assert choose_shingle_mode(["这是一个没有空格的很长的中文句子" * 5] * 10, 30) == "char"
