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
