"""Labels too small to learn: a thin tail warns (merge or drop it), rare labels that are the task fail; the
per-split presence and label-share figures of such labels are left to the check that judges them once."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.readiness import health
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.volume import check_label_coverage, check_min_per_label

CFG = ReadinessConfig()
HELDOUT = Path(__file__).parent.parent / "data" / "heldout"


def _counts(name: str, field: str) -> dict[str, dict[str, int]]:
    rows = [json.loads(line) for line in (HELDOUT / name).read_text(encoding="utf-8").splitlines() if line]
    return {"train": dict(Counter(row[field] for row in rows))}


def test_a_thin_tail_of_rare_labels_warns_on_real_sets():
    """ATIS (22 intents; 8 under 10 examples in this slice, mostly multi-intent combinations, 0.7% of its queries) and Breaking
    NLI (10 neutral pairs of 2,000) are usable once the rare labels are merged or dropped: warn, and say so."""
    atis = check_min_per_label(_counts("atis_3000.jsonl", "intent"), CFG)
    assert atis.status == "warn" and "thin tail" in atis.message and atis.recommendation.startswith("merge the rare")
    assert "atis_airfare#atis_flight_time" in atis.recommendation and "8 of 22 labels" in atis.message
    nli = check_min_per_label(_counts("breaking_nli_2000.jsonl", "gold_label"), CFG)
    assert nli.status == "warn" and "neutral" in nli.recommendation


@pytest.mark.parametrize(("labels", "why"), [
    ({"a": 4, "b": 4, "c": 4, "d": 4, "e": 4}, "every label is rare"),
    ({"ham": 995, "spam": 5}, "one label would be left"),
    ({**{f"big{i}": 100 for i in range(10)}, **{f"rare{i}": 9 for i in range(8)}}, "rare labels hold 6.7% of the data"),
    ({**{f"big{i}": 1000 for i in range(5)}, **{f"rare{i}": 1 for i in range(6)}}, "6 of 11 labels are rare"),
])
def test_rare_labels_that_are_the_task_fail(labels, why):
    check = check_min_per_label({"train": labels}, CFG)
    assert check.status == "fail", why
    assert check.recommendation.startswith("add at least")


def test_the_thresholds_of_the_tail_on_both_sides():
    """Just under 5% of the examples and at half of the labels warn; above either fails."""
    under = {**{f"big{i}": 100 for i in range(10)}, **{f"rare{i}": 9 for i in range(5)}}  # 45 of 1045: 4.3%
    assert check_min_per_label({"train": under}, CFG).status == "warn"
    half = {**{f"big{i}": 1000 for i in range(5)}, **{f"rare{i}": 1 for i in range(5)}}  # 5 of 10 labels
    assert check_min_per_label({"train": half}, CFG).status == "warn"
    strict = ReadinessConfig(fail_rare_example_share=0.01)
    assert check_min_per_label({"train": under}, strict).status == "fail"


def test_labels_missing_from_a_split_for_lack_of_examples_are_left_to_min_per_label():
    labels = {"train": {"big": 500, "other": 300, "rare": 1}, "val": {"big": 60, "other": 40}, "test": {"big": 60, "other": 40}}
    coverage = check_label_coverage(labels, [0.8, 0.1, 0.1], CFG.min_per_label)
    assert coverage.status == "info" and "see min_per_label" in coverage.message
    labels["train"]["rare"] = 40  # a label big enough to fill every split is still missing from val and test: warn
    assert check_label_coverage(labels, [0.8, 0.1, 0.1], CFG.min_per_label).status == "warn"


def test_expectations_judged_by_a_readiness_check_do_not_raise_the_expectations_check():
    """The shipped suite's label share and per-split presence are judged by label_balance and label_coverage; a
    user's own failed expectation still warns."""
    share = "ftprep.classification: #7 expect_column_values_to_be_between(label_share)"
    own = "team.suite: #1 expect_column_value_lengths_to_be_between(text)"
    section = {"success": True, "failed_critical": [], "failed_warning": [share], "failed_info": [],
               "judged_elsewhere": {share: "label_balance"}}
    check = health.check_expectations({"expectations": section})
    assert check.status == "pass" and "label_balance" in check.message
    assert check.observed == {"failed_critical": 0, "failed_warning": 0}
    section["failed_warning"] = [share, own]
    check = health.check_expectations({"expectations": section})
    assert check.status == "warn" and own in check.message and share not in check.message
