"""The split_leakage figures and verdicts, and the Duplicates section of report.md."""

from __future__ import annotations

import dataclasses

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.stage import dedup
from pipeline.dedup.leakage import measure_split_leakage
from pipeline.dedup.render import render_duplicates
from pipeline.readiness.health import check_split_leakage
from pipeline.core.records import Task
from tests.dedup.helpers import make_dataset
from tests.conftest import CONTEXT

ROWS = [
    {"text": "Sorry, I'll call you later, I am in a meeting right now", "label": "x"},
    {"text": "Sorry, I'll call you later, I am in a meeting right now ok", "label": "x"},
    {"text": "Did you remember to book the table for Saturday night?", "label": "y"},
]


def _with_splits(names: list[str]):
    return make_dataset(Task.CLASSIFICATION, ROWS).add_column("split", names)


def _leakage_report(splits: list[str], dedup_stats: dict) -> dict:
    ctx = dataclasses.replace(CONTEXT, sections={"duplicates": dedup_stats})
    measured = measure_split_leakage(_with_splits(splits), DedupConfig(), ctx).sections["duplicates"]
    return {"duplicates": {**dedup_stats, **measured}}


def test_leak_fails_when_dedup_was_on_and_warns_when_off() -> None:
    """A near-duplicate pair across train and test fails the check with dedup on, and only warns with it off."""
    on = _leakage_report(["train", "test", "val"], {"exact": 0, "near": 0})
    off = _leakage_report(["train", "test", "val"], {"enabled": False})
    failed, warned = check_split_leakage(on), check_split_leakage(off)
    assert (failed.status, failed.observed, warned.status) == ("fail", 1, "warn")
    assert on["duplicates"]["split_leakage"]["by_splits"] == {"test/train": 1}
    assert "1 near-duplicate pairs span two splits (test/train: 1)" in failed.message


def test_no_leak_passes() -> None:
    """The same pair inside one split passes."""
    check = check_split_leakage(_leakage_report(["train", "train", "test"], {"exact": 0}))
    assert check.status == "pass" and check.observed == 0


def test_duplicates_section_lists_counts_and_example_cluster() -> None:
    """report.md's Duplicates section shows the counts and each example member with its status."""
    stats = dedup(make_dataset(Task.CLASSIFICATION, ROWS), DedupConfig(), CONTEXT).sections["duplicates"]
    lines = render_duplicates(stats)
    assert lines[0] == "## Duplicates"
    assert "- Exact duplicates rejected: 0; near duplicates rejected: 1" in lines
    assert any(line.startswith("| r1 | duplicate_near | 0.9") for line in lines)


def test_duplicates_section_shows_groups_label_shift_and_near_twins() -> None:
    """report.md names the near-twin groups, the labels dedup moved and the eval records with a twin in train."""
    from tests.dedup.helpers import sms_rows

    stats = dedup(make_dataset(Task.CLASSIFICATION, sms_rows()), DedupConfig(label_shift=0.05), CONTEXT).sections["duplicates"]
    twins = [{"text": "How do I top up my card with a bank transfer?", "label": "t"},
             {"text": "How do I top up my crad with a bank tranfser??", "label": "t"}]
    ctx = dataclasses.replace(CONTEXT, sections={"duplicates": stats})
    ds = make_dataset(Task.CLASSIFICATION, twins).add_column("split", ["train", "test"])
    stats = {**stats, **measure_split_leakage(ds, DedupConfig(), ctx).sections["duplicates"]}
    lines = render_duplicates(stats)
    assert any(line.startswith("- Near twins kept together (Jaccard >= 0.5, not removed): ") for line in lines)
    assert any(line.startswith("- Dedup moved label spam from 14.0% to 13.") for line in lines)
    assert ("- Evaluation records with a near twin in train (Jaccard >= 0.5 or at most 4 edits apart, texts up to 80 "
            "characters): val 0 of 0 (0.0%), test 1 of 1 (100.0%)") in lines
    assert '  - train "How do I top up my card with a bank transfer?" / test "How do I top up my crad with a bank tranfser??" (0.6)' in lines
