"""Split: ratios, stratification, clusters kept whole, determinism."""

from __future__ import annotations

from collections import Counter

from datasets import Dataset

from pipeline.split.config import SplitConfig
from pipeline.core.records import Task, features_for
from pipeline.split.stage import plan_split


def dataset(labels: list[str], clusters: list[str] | None = None, texts: list[str] | None = None) -> Dataset:
    n = len(labels)
    columns = {
        "id": [f"r{i}" for i in range(n)],
        "source_file": ["f"] * n,
        "source_row": list(range(1, n + 1)),
        "raw": ["{}"] * n,
        "extra": [None] * n,
        "cluster": clusters or [f"c{i}" for i in range(n)],
        "text": texts or [f"t{i}" for i in range(n)],
        "label": labels,
    }
    return Dataset.from_dict(columns, features=features_for(Task.CLASSIFICATION))


def test_ratios_are_met_per_label():
    """Each label is split 80/10/10 on its own."""
    labels = ["a"] * 100 + ["b"] * 50
    plan = plan_split(dataset(labels), SplitConfig(), 42)
    counts = Counter(zip(labels, plan.assignment))
    assert (counts["a", "train"], counts["a", "val"], counts["a", "test"]) == (80, 10, 10)
    assert (counts["b", "train"], counts["b", "val"], counts["b", "test"]) == (40, 5, 5)


def test_small_labels_still_reach_every_split_and_rare_ones_are_reported():
    """A label with 3 records gets one in each split; one with 2 stays in train and is reported."""
    labels = ["big"] * 50 + ["three"] * 3 + ["two"] * 2
    plan = plan_split(dataset(labels), SplitConfig(), 42)
    three = sorted(s for l, s in zip(labels, plan.assignment) if l == "three")
    assert three == ["test", "train", "val"]
    assert [s for l, s in zip(labels, plan.assignment) if l == "two"] == ["train", "train"]
    assert plan.rare_labels == {"two": 2}


def test_clusters_are_never_split():
    """All records of a cluster land in the same split."""
    clusters = [f"c{i // 4}" for i in range(200)]
    plan = plan_split(dataset(["a"] * 200, clusters), SplitConfig(), 42)
    by_cluster = {}
    for cluster, name in zip(clusters, plan.assignment):
        by_cluster.setdefault(cluster, set()).add(name)
    assert all(len(names) == 1 for names in by_cluster.values())
    assert set(plan.assignment) == {"train", "val", "test"}


def test_identical_texts_from_different_clusters_share_a_split():
    """Texts that became identical after ingest (two phone numbers redacted alike) land in one split, transitively."""
    texts = [f"call me on [PHONE] about order {i // 3}" if i % 3 else f"unique text {i}" for i in range(300)]
    clusters = [f"c{i}" for i in range(300)]  # ingest saw 300 different texts
    clusters[5] = clusters[6] = "c_joined"  # records 5 and 6 share a cluster, and record 4 shares 5's text
    plan = plan_split(dataset(["a"] * 300, clusters, [t.upper() if i % 2 else t for i, t in enumerate(texts)]),
                      SplitConfig(), 42)
    by_text = {}
    for text, name in zip(texts, plan.assignment):
        by_text.setdefault(text.lower(), set()).add(name)
    assert all(len(names) == 1 for names in by_text.values())
    assert len({plan.assignment[i] for i in (4, 5, 6)}) == 1
    assert set(plan.assignment) == {"train", "val", "test"}


def test_same_seed_same_plan_other_seed_other_plan():
    """The plan is a function of the data and the seed."""
    ds = dataset(["a"] * 60 + ["b"] * 60)
    assert plan_split(ds, SplitConfig(), 1).assignment == plan_split(ds, SplitConfig(), 1).assignment
    assert plan_split(ds, SplitConfig(), 1).assignment != plan_split(ds, SplitConfig(), 2).assignment


def test_adding_a_label_does_not_reshuffle_the_others():
    """Each label has its own generator: label a's assignment survives adding label b."""
    alone = plan_split(dataset(["a"] * 40), SplitConfig(), 42).assignment
    together = plan_split(dataset(["a"] * 40 + ["b"] * 40), SplitConfig(), 42).assignment
    assert together[:40] == alone


def test_zero_ratio_split_stays_empty():
    """A split with ratio 0 gets no record."""
    plan = plan_split(dataset(["a"] * 30), SplitConfig(ratios=(0.9, 0.1, 0.0)), 42)
    assert plan.sizes() == {"train": 27, "val": 3, "test": 0}
