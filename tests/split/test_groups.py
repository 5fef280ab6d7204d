"""Split: near-twin groups (dedup's ``group`` column) land in one split, and whole groups keep the ratios."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from datasets import Dataset

from pipeline.core.records import Task
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.stage import dedup
from pipeline.split.config import SplitConfig
from pipeline.split.stage import plan_split, split
from tests.conftest import CONTEXT
from tests.dedup.helpers import DATA, char_jaccard, make_dataset
from tests.split.test_stage import dataset


def _with_groups(labels: list[str], groups: list[str | None]) -> Dataset:
    return dataset(labels).add_column("group", groups)


def test_a_near_twin_group_lands_in_one_split():
    """Records of one ``group`` share a split although each is its own cluster; records without a group do not
    have to."""
    labels = ["a"] * 200
    groups = [f"g{i // 5}" if i < 100 else None for i in range(200)]
    plan = plan_split(_with_groups(labels, groups), SplitConfig(), 42)
    by_group: dict[str, set[str]] = {}
    for group, name in zip(groups, plan.assignment):
        if group is not None:
            by_group.setdefault(group, set()).add(name)
    assert len(by_group) == 20 and all(len(names) == 1 for names in by_group.values())
    assert Counter(plan.assignment) == {"train": 160, "val": 20, "test": 20}


def test_large_groups_keep_the_ratios_and_reach_every_split():
    """Groups of 5-10 records (up to 10% of the label) still give each split its exact share, and groups go to val
    and test too (the eval splits are not left to ungrouped records)."""
    labels = ["a"] * 300
    groups, size, at = [], 5, 0
    while at < 150:
        groups += [f"g{at}"] * size
        at, size = at + size, 5 + (size - 4) % 6
    groups = groups[:150] + [None] * 150
    plan = plan_split(_with_groups(labels, groups), SplitConfig(), 42)
    assert Counter(plan.assignment) == {"train": 240, "val": 30, "test": 30}
    grouped = Counter(name for group, name in zip(groups, plan.assignment) if group is not None)
    assert grouped["val"] >= 5 and grouped["test"] >= 5
    fit = plan.stratification
    assert fit["stratified"] and fit["max_deviation"]["records"] == 0 and fit["largest_group"]["records"] == 10


def test_typo_twins_never_straddle_and_labels_keep_their_ratios():
    """Real banking77 typo twins through dedup and split: no twin pair at Jaccard >= 0.5 spans two splits, and every
    label's split sizes are within 2 records of its ratio targets."""
    with open(DATA / "banking77_twins_5labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ds = make_dataset(Task.CLASSIFICATION, [{"text": r["text"], "label": r["category"]} for r in rows])
    kept = split(dedup(ds, DedupConfig(), CONTEXT).kept, SplitConfig(), CONTEXT)
    where = dict(zip(kept.kept["text"], kept.kept["split"]))
    pairs: dict[str, list[str]] = {}
    for r in rows:
        if r["text"] in where:
            pairs.setdefault(r["orig_row"], []).append(r["text"])
    twins = [texts for texts in pairs.values() if len(texts) == 2]
    assert len(twins) > 100
    close = [(a, b) for a, b in twins if char_jaccard(a, b) >= 0.5]
    assert len(close) > 90 and all(where[a] == where[b] for a, b in close)
    fit = kept.sections["split"]["stratification"]
    assert fit["max_deviation"]["records"] <= 2


@pytest.mark.slow
def test_typo_twin_benchmark_on_banking77_1500(runner, tmp_path):
    """benchmarks/typo_twins.py on 1,500 real banking77 rows (77 labels) through `ftprep run`: no twin pair spans two
    splits (28 did with Jaccard grouping alone, all under 0.5: the edit rule joins them), split_leakage passes, and
    groups stay within 10% of a label."""
    import sys

    from pipeline.cli import cli

    sys.path.insert(0, str(DATA.parent.parent / "benchmarks"))
    from typo_twins import build, measure

    with open(DATA / "banking77_1500.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    twins = tmp_path / "twins.csv"
    with twins.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "category", "twin_of", "orig_row"])
        writer.writeheader()
        writer.writerows(build(rows, "text", 0.3, 12))
    config = tmp_path / "small.toml"
    config.write_text("[readiness]\nmin_per_label = 1\n")
    result = runner.invoke(cli, ["run", str(twins), "--out", str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code in (0, 1), result.output
    figures = measure(tmp_path / "out")
    assert figures["twin_pairs_kept"] > 250 and figures["pairs_across_splits"] == 0
    assert figures["groups"]["edit_pairs"] > 30
    assert figures["split_leakage"].startswith("no near-duplicate pair")
    assert figures["groups"]["largest_label_share"] <= 0.1 or figures["groups"]["largest"] <= 2
