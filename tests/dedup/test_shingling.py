"""Shingles and their hashes: the batched NumPy hashing against the one-shingle-at-a-time reference."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pipeline.dedup.shingling import (
    ShingleSets,
    Shingling,
    choose_shingle_mode,
    hash_batch,
    normalise,
    shingle_hash32,
    shingles,
)

DATA = Path(__file__).parent.parent / "data"
ODD_TEXTS = [
    "",
    "one",
    "two words",
    "exactly five words right here",
    "héllo wörld, ça va ? très bien",
    "日本語のテキストです、句読点も。",
    "emoji 😀 outside the basic plane 🚀 counts as one character",
    "a lone surrogate \ud800 from a JSON escape",
    "x",
    "",
]


def _banking_texts(limit: int = 1500) -> list[str]:
    with open(DATA / "banking77_1500.csv", newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)][:limit]


@pytest.mark.parametrize("mode,n", [("word", 5), ("word", 1), ("char", 5), ("char", 3)])
def test_batch_hashes_equal_the_reference(mode: str, n: int) -> None:
    """Every document's set is exactly the reference hashes of its reference shingles, wherever it sits."""
    shingling = Shingling(mode, n)
    texts = ODD_TEXTS + _banking_texts(300)
    prepared = [shingling.prepare(t) for t in texts]
    sets = hash_batch(prepared, mode, n)
    assert len(sets) == len(texts)
    for i, doc in enumerate(prepared):
        expected = sorted({shingle_hash32(s) for s in shingles(doc, mode, n)})
        assert sets.get(i).tolist() == expected, texts[i]


def test_a_text_hashes_the_same_alone_and_in_any_batch() -> None:
    """The hash of a shingle depends on the shingle only, not on its neighbours in the batch."""
    shingling = Shingling("word", 3)
    texts = _banking_texts(50)
    together = shingling.sets(texts)
    for i in (0, 17, 49):
        assert np.array_equal(shingling.sets([texts[i]]).get(0), together.get(i))


def test_many_texts_are_hashed_in_bounded_batches_with_the_same_result() -> None:
    """Cutting a long list of texts into small batches changes nothing in the sets (only the memory used)."""
    shingling = Shingling("char", 5)
    texts = _banking_texts(400) + [""]
    whole = shingling.sets(texts, batch_chars=10**9)
    small = shingling.sets(texts, batch_chars=200)  # a few texts per batch, and one text alone when it is longer
    assert np.array_equal(whole.values, small.values) and np.array_equal(whole.offsets, small.offsets)
    assert len(shingling.sets([])) == 0


def test_hashes_are_spread_and_rarely_collide() -> None:
    """Distinct real shingles get distinct, evenly spread 32-bit hashes (as a random function would)."""
    texts = [normalise(t) for t in _banking_texts()]
    distinct = sorted({s.decode() for t in texts for n in range(3, 9) for s in shingles(t, "char", n)})
    hashes = hash_batch(distinct, "char", 8).values  # one shingle per document: each string whole
    assert len(distinct) > 50_000 and len(hashes) == len(distinct)
    # a random 32-bit function gives n^2 / 2^33 collisions on average (~0.5 here)
    assert len(distinct) - len(np.unique(hashes)) <= 3
    counts = np.bincount(hashes >> np.uint32(24), minlength=256)  # top byte: 256 equal buckets expected
    expected = len(hashes) / 256
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    assert chi_square < 350  # 255 degrees of freedom: p < 1e-4 above ~350


def test_sets_are_sorted_and_unique_per_document() -> None:
    """Repeated shingles count once, and each document's hashes are sorted (what exact Jaccard relies on)."""
    sets = Shingling("word", 1).sets(["b a b a b", "c", ""])
    assert [len(sets.get(i)) for i in range(3)] == [2, 1, 0]
    assert sets.get(0).tolist() == sorted({shingle_hash32(b"a"), shingle_hash32(b"b")})


def test_select_and_concat_keep_each_documents_set() -> None:
    """Selecting documents (in any order) and concatenating sets keep every document's own hashes."""
    sets = Shingling("char", 4).sets(_banking_texts(20))
    picked = sets.select(np.array([5, 0, 5, 19]))
    assert [picked.get(k).tolist() for k in range(4)] == [sets.get(i).tolist() for i in (5, 0, 5, 19)]
    joined = ShingleSets.concat([picked, sets])
    assert len(joined) == 24 and joined.get(4).tolist() == sets.get(0).tolist()


def test_shingle_set_jaccard_is_exact() -> None:
    """Jaccard over hashed shingle sets equals the Jaccard of the shingle strings."""
    a, b = normalise("one two three four five six seven"), normalise("one two three four five six eight")
    sets = Shingling("char", 3).sets([a, b])
    sa, sb = set(shingles(a, "char", 3)), set(shingles(b, "char", 3))
    assert sets.jaccard(0, 1) == pytest.approx(len(sa & sb) / len(sa | sb))
    assert sets.jaccard(0, 0) == 1.0


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
