"""measure_leakage: near-duplicate pairs split across train/val/test are counted."""

from __future__ import annotations

from pipeline.dedup.leakage import measure_leakage
from pipeline.core.records import Task
from tests.dedup.helpers import char_jaccard, make_dataset

A = "Sorry, I'll call you later, I am in a meeting right now"
A_NEAR = "Sorry, I'll call you later, I am in a meeting right now!"
B = "Did you remember to book the table for Saturday night?"


def test_pair_across_splits_is_a_leak() -> None:
    """A near-duplicate pair with one record in train and one in test counts once."""
    assert char_jaccard(A, A_NEAR) >= 0.8
    splits = {
        "train": make_dataset(Task.CLASSIFICATION, [{"text": A, "label": "x"}, {"text": B, "label": "y"}], ids=["a", "b"]),
        "val": make_dataset(Task.CLASSIFICATION, [{"text": "Totally unrelated words here", "label": "x"}], ids=["v"]),
        "test": make_dataset(Task.CLASSIFICATION, [{"text": A_NEAR, "label": "x"}], ids=["t"]),
    }
    leakage = measure_leakage(splits)
    assert leakage["pairs"] == 1 and leakage["by_splits"] == {"test/train": 1}
    assert leakage["examples"][0]["ids"] == ["a", "t"]


def test_pair_inside_one_split_is_not_a_leak() -> None:
    """Near duplicates that share a split do not leak."""
    rows = [{"text": A, "label": "x"}, {"text": A_NEAR, "label": "x"}]
    splits = {"train": make_dataset(Task.CLASSIFICATION, rows), "test": make_dataset(Task.CLASSIFICATION, [{"text": B, "label": "y"}])}
    assert measure_leakage(splits)["pairs"] == 0
