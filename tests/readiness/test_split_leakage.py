"""The split_leakage check at its two levels: near-duplicate pairs across splits, and near twins of train records."""

from __future__ import annotations

import pytest

from pipeline.readiness.health import NEAR_TWIN_WARN_SHARE, check_split_leakage


def _report(pairs: int, test_share: float | None, enabled: bool = True) -> dict:
    leakage = {"pairs": pairs, "records": 1000, "threshold": 0.8, "group_threshold": 0.5, "shingle": "char",
               "ngram": 5, "by_splits": {"test/train": pairs} if pairs else {}, "examples": []}
    if test_share is not None:
        test = {"records": round(test_share * 100), "of": 100, "share": test_share}
        leakage["near_twins"] = {"by_split": {"val": {"records": 0, "of": 100, "share": 0.0}, "test": test},
                                 "max_share": test_share, "pairs": test["records"], "examples": []}
    duplicates = {"split_leakage": leakage, **({} if enabled else {"enabled": False})}
    return {"overlap": {"cross_split": 0}, "duplicates": duplicates}


@pytest.mark.parametrize(("share", "status"), [(0.0, "pass"), (NEAR_TWIN_WARN_SHARE, "pass"), (0.06, "warn"), (0.3, "warn")])
def test_near_twins_of_train_records_warn_above_the_share(share, status):
    """Val/test records with a near twin in train warn only above 5% of a split; the message gives each split."""
    check = check_split_leakage(_report(0, share))
    assert check.status == status
    assert "test " in check.message and "(Jaccard >= 0.5)" in check.message
    assert check.threshold == {"max_pairs": 0, "jaccard": 0.8, "group_jaccard": 0.5, "max_near_twin_share": 0.05}
    assert check.observed == (share if status == "warn" else 0)
    assert (check.recommendation is None) == (status == "pass")


def test_near_duplicate_pairs_still_fail_whatever_the_twins():
    """A pair at the removal threshold across splits fails (with dedup on), warns with it off."""
    assert check_split_leakage(_report(2, 0.0)).status == "fail"
    assert check_split_leakage(_report(2, 0.0, enabled=False)).status == "warn"
    off = check_split_leakage(_report(0, 0.3, enabled=False))
    assert off.status == "warn" and "turn dedup on" in off.recommendation


def test_a_report_from_before_the_near_twin_level_is_judged_as_before():
    """No ``near_twins`` in the section (an older report.json): only the pair level, thresholds as they were."""
    check = check_split_leakage(_report(0, None))
    assert (check.status, check.threshold) == ("pass", {"max_pairs": 0, "jaccard": 0.8})


def _with_effect(share: float, inflation: float, high: float, refused: int = 0) -> dict:
    report = _report(0, share)
    report["duplicates"]["split_leakage"]["near_twins"]["effect"] = {
        "twinned": 60, "evaluated": 200, "accuracy_with_twins": 0.9, "accuracy_without_twins": 0.9 - inflation / 0.3,
        "gain_on_twinned": inflation / 0.3, "gain_interval": [0.0, high / 0.3], "eval_inflation": inflation,
        "eval_inflation_high": high}
    report["duplicates"]["groups"] = {"refused": refused}
    return report


@pytest.mark.parametrize(("inflation", "high", "status", "cause"), [
    (0.0037, 0.0059, "info", None),        # CLINC150 with the group cap at 0.1%: 16-19% twinned, +0.4 points
    (0.0567, 0.0791, "warn", None),        # banking77 slice, typo twins of train records in test: +5.7 points
    (0.006, 0.015, "warn", "uncertain"),   # the interval reaches a point: a warning that holds nothing back
])
def test_near_twins_are_judged_by_their_effect_on_the_score(inflation, high, status, cause):
    """Over 5% of a split twinned: warn only when the twins measurably inflate the evaluation score."""
    check = check_split_leakage(_with_effect(0.3, inflation, high))
    assert (check.status, check.cause) == (status, cause)
    assert f"add about {inflation:+.1%} to the evaluation score" in check.message
    if status == "warn":
        assert "group_max_share" not in check.recommendation  # the cap refused nothing: raising it cannot help
        assert "group_max_share" in check_split_leakage(_with_effect(0.3, inflation, high, refused=12)).recommendation


def test_typo_twins_planted_in_test_inflate_the_score_measurably():
    """Real banking77 rows, 30% of the test records typo'd copies of train records: the baseline gains tens of
    points on them from their twins, several points of the whole test score, and the near-twin level warns."""
    import csv
    import random

    from benchmarks.typo_twins import twin
    from pipeline.core.records import Task
    from pipeline.dedup.config import DedupConfig
    from pipeline.dedup.leakage import measure_leakage
    from pipeline.dedup.near import NearDuplicates
    from pipeline.dedup.shingling import Shingling
    from tests.conftest import DATA
    from tests.dedup.helpers import make_dataset

    with open(DATA / "banking77_1500.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rng = random.Random(5)
    rng.shuffle(rows)
    train = [{"text": r["text"], "label": r["category"]} for r in rows[300:]]
    test = []
    for r in rows[:300]:
        source = rng.choice(rows[300:]) if rng.random() < 0.3 else None
        test.append({"text": twin(source["text"], rng), "label": source["category"]} if source else
                    {"text": r["text"], "label": r["category"]})
    leakage = measure_leakage({"train": make_dataset(Task.CLASSIFICATION, train),
                               "test": make_dataset(Task.CLASSIFICATION, test)}, NearDuplicates.of(DedupConfig(), Shingling("char", 5)))
    effect = leakage["near_twins"]["effect"]
    assert effect["gain_on_twinned"] > 0.2 and effect["eval_inflation"] > 0.05
    twin_level = {**leakage, "pairs": 0}  # judge the twins alone: copies with one typo also make pairs (a fail)
    check = check_split_leakage({"overlap": {"cross_split": 0}, "duplicates": {"split_leakage": twin_level}})
    assert check.status == "warn" and check.cause is None
