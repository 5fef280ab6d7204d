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


TWIN_A = "How do I top up my card with a bank transfer?"
TWIN_B = "How do I top up my crad with a bank tranfser??"  # a typo twin: Jaccard 0.6


def _twin_splits(test_label: str) -> dict:
    return {
        "train": make_dataset(Task.CLASSIFICATION, [{"text": TWIN_A, "label": "top_up"}, {"text": B, "label": "y"}], ids=["a", "b"]),
        "val": make_dataset(Task.CLASSIFICATION, [{"text": "Totally unrelated words here", "label": "x"}], ids=["v"]),
        "test": make_dataset(Task.CLASSIFICATION, [{"text": TWIN_B, "label": test_label}], ids=["t"]),
    }


def test_a_near_twin_across_splits_counts_at_the_group_level_only() -> None:
    """A typo twin (0.5 <= J < 0.8) in test with its original in train: no near-duplicate pair, but 1 of 1 test
    records has a near twin in train, shown with both texts."""
    assert 0.5 <= char_jaccard(TWIN_A, TWIN_B) < 0.8
    leakage = measure_leakage(_twin_splits("top_up"), NearDuplicates.of(DedupConfig(), CHARS))
    assert leakage["pairs"] == 0 and leakage["group_threshold"] == 0.5
    twins = leakage["near_twins"]
    assert twins["by_split"] == {"val": {"records": 0, "of": 1, "share": 0.0}, "test": {"records": 1, "of": 1, "share": 1.0}}
    assert twins["max_share"] == 1.0 and twins["pairs"] == 1
    assert twins["examples"][0]["texts"] == [TWIN_A, TWIN_B] and twins["examples"][0]["splits"] == ["train", "test"]


def test_a_near_twin_with_another_label_is_not_a_leak() -> None:
    """The same typo twin labelled differently is another example: not counted."""
    twins = measure_leakage(_twin_splits("card_arrival"), NearDuplicates.of(DedupConfig(), CHARS))["near_twins"]
    assert twins["max_share"] == 0.0 and twins["pairs"] == 0


def test_typo_twins_of_real_data_split_apart_are_measured() -> None:
    """Real banking77 twins: putting the second record of every pair in test makes most test records twins of
    train records (all but the 3-edit typos of short texts under 0.5), and none when both stay in train."""
    import csv

    from tests.dedup.helpers import DATA

    with open(DATA / "banking77_twins_5labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen: set[str] = set()
    train, test = [], []
    for r in rows:
        (test if r["orig_row"] in seen else train).append({"text": r["text"], "label": r["category"]})
        seen.add(r["orig_row"])
    near = NearDuplicates.of(DedupConfig(), CHARS)
    apart = measure_leakage({"train": make_dataset(Task.CLASSIFICATION, train),
                             "test": make_dataset(Task.CLASSIFICATION, test)}, near)
    assert apart["near_twins"]["by_split"]["test"]["of"] == 182
    assert 0.6 < apart["near_twins"]["max_share"] < 0.95 and apart["pairs"] > 20
    together = measure_leakage({"train": make_dataset(Task.CLASSIFICATION, train + test)}, near)
    assert together["pairs"] == 0 and together["near_twins"]["by_split"] == {}


def test_no_records_left_gives_empty_figures_at_both_levels() -> None:
    """Every record rejected (a re-run against its own index): zero pairs, empty near-twin figures, no crash."""
    empty = make_dataset(Task.CLASSIFICATION, [{"text": A, "label": "x"}]).select([])
    leakage = measure_leakage({"train": empty, "val": empty, "test": empty}, NearDuplicates.of(DedupConfig(), CHARS))
    assert leakage["pairs"] == 0 and leakage["near_twins"]["pairs"] == 0 and leakage["near_twins"]["examples"] == []
    assert leakage["near_twins"]["max_share"] == 0.0
