"""measure_leakage: near-duplicate pairs split across train/val/test are counted."""

from __future__ import annotations

from pipeline.core.records import Task
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.leakage import measure_leakage
from pipeline.dedup.near import NearDuplicates
from pipeline.dedup.shingling import Shingling
from tests.dedup.helpers import char_jaccard, make_dataset

A = "Sorry, I'll call you later, I am in a meeting right now"
A_NEAR = "Sorry, I'll call you later, I am in a meeting right now ok"
B = "Did you remember to book the table for Saturday night?"
CHARS = Shingling("char", 5)


def _splits() -> dict:
    return {
        "train": make_dataset(Task.CLASSIFICATION, [{"text": A, "label": "x"}, {"text": B, "label": "y"}], ids=["a", "b"]),
        "val": make_dataset(Task.CLASSIFICATION, [{"text": "Totally unrelated words here", "label": "x"}], ids=["v"]),
        "test": make_dataset(Task.CLASSIFICATION, [{"text": A_NEAR, "label": "x"}], ids=["t"]),
    }


def test_pair_across_splits_is_a_leak() -> None:
    """A near-duplicate pair with one record in train and one in test counts once."""
    assert char_jaccard(A, A_NEAR) >= 0.8
    leakage = measure_leakage(_splits(), NearDuplicates.of(DedupConfig(), CHARS))
    assert leakage["pairs"] == 1 and leakage["by_splits"] == {"test/train": 1}
    assert leakage["examples"][0]["ids"] == ["a", "t"]


def test_pair_inside_one_split_is_not_a_leak() -> None:
    """Near duplicates that share a split do not leak."""
    rows = [{"text": A, "label": "x"}, {"text": A_NEAR, "label": "x"}]
    splits = {"train": make_dataset(Task.CLASSIFICATION, rows), "test": make_dataset(Task.CLASSIFICATION, [{"text": B, "label": "y"}])}
    assert measure_leakage(splits, NearDuplicates.of(DedupConfig(), CHARS))["pairs"] == 0


def test_leakage_uses_the_dedup_settings() -> None:
    """Split leakage judges with dedup's own settings (threshold and LSH banding), not defaults of its own."""
    assert measure_leakage(_splits(), NearDuplicates.of(DedupConfig(threshold=0.99), CHARS))["pairs"] == 0
    splits = {"train": make_dataset(Task.CLASSIFICATION, [{"text": A, "label": "x"}], ids=["a"]),
              "test": make_dataset(Task.CLASSIFICATION, [{"text": A + " ok thanks", "label": "x"}], ids=["t"])}
    assert char_jaccard(A, A + " ok thanks") > 0.83
    assert measure_leakage(splits, NearDuplicates.of(DedupConfig(), CHARS))["pairs"] == 1
    # one band of 64 rows: a pair at Jaccard 0.84 is a candidate with P = 0.84^64 (1e-5), so it is not found
    banded = NearDuplicates.of(DedupConfig(bands=1, rows=64), CHARS)
    assert measure_leakage(splits, banded)["pairs"] == 0
