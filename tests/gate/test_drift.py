"""Drift against a baseline: the figures compared, the checks, and the drift stage's val/test vs baseline-train
overlap, on the real banking77 slice (labels removed, duplicates added, rows moved between splits)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from datasets import Dataset

from pipeline.core.errors import InputError
from pipeline.core.output import file_digest
from pipeline.gate.baseline import measure_drift
from pipeline.gate.config import DRIFT_CHECKS, DriftConfig
from pipeline.gate.drift import check_drift, figures
from pipeline.gate.render import drift_markdown
from tests.conftest import CONTEXT, DATA

SPLIT_OF = ("train",) * 8 + ("val", "test")  # row i goes to SPLIT_OF[i % 10]


def _rows() -> list[dict]:
    with open(DATA / "banking77_slice.csv", newline="", encoding="utf-8") as fh:
        return [{"id": f"r{i}", "text": row["text"], "label": row["category"], "split": SPLIT_OF[i % 10]}
                for i, row in enumerate(csv.DictReader(fh))]


def _report(rows: list[dict], rejected: dict[str, int] | None = None, tokens_p50: int = 11) -> dict:
    """The parts of report.json drift reads, computed from the rows (as the assembler and measure stage do)."""
    rejected = rejected or {}
    labels = {s: dict(Counter(r["label"] for r in rows if r["split"] == s)) for s in ("train", "val", "test")}
    splits = Counter(r["split"] for r in rows)
    return {"task": "classification", "verdict": "ready", "ftprep_version": "0.1.0",
            "counts": {"input": len(rows) + sum(rejected.values()), "kept": len(rows), "rejected": rejected,
                       "splits": {s: splits[s] for s in ("train", "val", "test")}},
            "labels": labels, "overlap": {"duplicates_remaining": 0, "records": len(rows)},
            "lengths": {"tokens": {"train": {"count": splits["train"], "p50": tokens_p50, "p90": 24, "p95": 32, "p99": 45}}},
            "languages": {"train": {"en": splits["train"]}, "val": {"en": splits["val"]}, "test": {"en": splits["test"]}}}


def _with_baseline(report: dict, baseline: dict, overlap: dict | None = None) -> dict:
    return {**report, "drift": {"baseline": {"path": "base", "verdict": "ready", "ftprep_version": "0.1.0"},
                                "before": figures(baseline),
                                "eval_overlap": overlap or {"val": 0, "test": 0, "records": 0, "by_id": 0,
                                                            "by_content": 0, "baseline_train": 0, "examples": []}}}


def _statuses(report: dict, cfg: DriftConfig = DriftConfig()) -> dict[str, str]:
    return {c.name: c.status for c in check_drift(report, cfg)}


def test_identical_run_shows_no_drift():
    """The same data against itself: every drift check passes and every change is zero."""
    rows = _rows()
    report = _with_baseline(_report(rows, {"duplicate_exact": 31}), _report(rows, {"duplicate_exact": 31}))
    checks = check_drift(report, DriftConfig())
    assert [c.name for c in checks] == list(DRIFT_CHECKS)
    assert {c.status for c in checks} == {"pass"}
    assert all(c.observed["change"] == 0 for c in checks)


def test_a_run_without_baseline_has_no_drift_check():
    """No baseline, no drift section, no drift_* check (a plain run's report is unchanged)."""
    assert check_drift(_report(_rows()), DriftConfig()) == []


def test_removed_labels_and_added_duplicates_are_drift():
    """Three labels removed and 10% duplicates added: label set, duplicate rate and reject reasons drift."""
    rows = _rows()
    gone = sorted({r["label"] for r in rows})[:3]
    changed = [r for r in rows if r["label"] not in gone]
    report = _with_baseline(_report(changed, {"duplicate_exact": 31 + len(changed) // 10}),
                            _report(rows, {"duplicate_exact": 31}))
    statuses = _statuses(report)
    assert statuses["drift_label_set"] == "warn"
    assert statuses["drift_duplicate_rate"] == "warn" and statuses["drift_reject_reasons"] == "warn"
    assert statuses["drift_languages"] == "pass" and statuses["drift_eval_overlap"] == "pass"
    label_set = next(c for c in check_drift(report, DriftConfig()) if c.name == "drift_label_set")
    assert label_set.observed == {"what": "labels", "before": 21, "after": 18, "change": 3, "over_tolerance": 1}
    assert label_set.message == f"labels 21 -> 18: removed: {', '.join(gone)}; added: none"


def test_tolerances_and_fail_come_from_the_config():
    """A looser tolerance passes what the default warns; on_drift / fail turn a drift into a failure."""
    rows = _rows()
    report = _with_baseline(_report(rows, tokens_p50=14), _report(rows, tokens_p50=11))  # p50 +27%
    assert _statuses(report)["drift_token_percentiles"] == "warn"
    assert _statuses(report, DriftConfig(max_token_change=0.3))["drift_token_percentiles"] == "pass"
    assert _statuses(report, DriftConfig(on_drift="fail"))["drift_token_percentiles"] == "fail"
    assert _statuses(report, DriftConfig(fail=("drift_token_percentiles",)))["drift_token_percentiles"] == "fail"
    assert _statuses(report, DriftConfig(fail=("drift_counts",)))["drift_token_percentiles"] == "warn"


def test_a_change_equal_to_the_tolerance_passes():
    """Tolerances are inclusive, like every threshold: 10 of 100 records more is +10.0% and passes at 0.1."""
    rows = _rows()[:100]
    more = rows + [dict(r, id=f"x{i}") for i, r in enumerate(rows[:10])]
    counts = {c.name: c for c in check_drift(_with_baseline(_report(more), _report(rows)), DriftConfig())}
    assert counts["drift_counts"].observed["what"] == "input records"
    assert counts["drift_counts"].observed["change"] == 0.1 and counts["drift_counts"].status == "pass"


def test_missing_figures_skip_with_the_reason():
    """A figure one side lacks (labels of a completion baseline) is a skip saying which side lacks it."""
    rows = _rows()
    baseline = {k: v for k, v in _report(rows).items() if k != "labels"}
    checks = {c.name: c for c in check_drift(_with_baseline(_report(rows), baseline), DriftConfig())}
    assert checks["drift_label_shares"].status == "skip"
    assert checks["drift_label_shares"].message == "baseline has no labels (classification)"


def test_markdown_shows_a_before_after_table():
    """report.md gets a table with before, after, change, tolerance and status of the figures that moved."""
    rows = _rows()
    gone = sorted({r["label"] for r in rows})[:3]
    report = _with_baseline(_report([r for r in rows if r["label"] not in gone]), _report(rows))
    report["checks"] = [c.as_dict() for c in check_drift(report, DriftConfig())]
    lines = drift_markdown(report)
    assert "## Drift against the baseline" in lines
    assert "| drift_counts | kept records | 462 | 454 | -1.7% | 10.0% | ok |" in lines
    assert f"| drift_label_set | labels (removed: {', '.join(gone)}; added: none) | 21 | 18 | 3 | 0 | warn |" in lines
    assert "| drift_label_shares | ... 18 more, each within tolerance |  |  |  |  |  |" in lines


# -- the drift stage: val/test records that were in the baseline's train ---------------------------------------------


def _baseline_dir(tmp_path: Path, rows: list[dict], manifest: bool = True) -> Path:
    folder = tmp_path / "baseline"
    folder.mkdir()
    train = [{"id": r["id"], "text": r["text"], "label": r["label"], "meta": {}} for r in rows if r["split"] == "train"]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train), encoding="utf-8")
    (folder / "report.json").write_text(json.dumps(_report(rows)), encoding="utf-8")
    if manifest:
        outputs = {n: {"sha256": file_digest(folder / n), "rows": None} for n in ("train.jsonl", "report.json")}
        (folder / "manifest.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    return folder


def _records(rows: list[dict]) -> Dataset:
    return Dataset.from_list([{k: r[k] for k in ("id", "text", "label", "split")} for r in rows])


def test_stage_finds_val_test_records_from_the_baseline_train(tmp_path):
    """Rows moved from train into val/test are found by id, and by content when their id and case changed."""
    rows = _rows()
    baseline = _baseline_dir(tmp_path, rows)
    moved = rows[:40]  # rows 0-7, 10-17, ... are train in the baseline
    new = [dict(r, split="test") if i in (0, 1, 2) else r for i, r in enumerate(moved)]
    new[3] = dict(new[3], id="renamed", text=new[3]["text"].upper() + "  ", split="val")
    result = measure_drift(_records(new), DriftConfig(baseline=str(baseline)), CONTEXT)
    overlap = result.sections["drift"]["eval_overlap"]
    assert {k: overlap[k] for k in ("val", "test", "records", "by_id", "by_content")} == {
        "val": 1, "test": 3, "records": 4, "by_id": 3, "by_content": 4}
    assert overlap["examples"][3] == {"id": "renamed", "split": "val", "matched_by": "content",
                                      "text": new[3]["text"][:80]}
    assert len(result.kept) == 40 and len(result.rejected) == 0
    report = _with_baseline(_report(new), _report(rows), overlap)
    assert _statuses(report)["drift_eval_overlap"] == "warn"


def test_stage_with_a_bare_report_skips_the_overlap(tmp_path):
    """A bare report.json has no train split to compare with: that one comparison is skipped, with the reason."""
    rows = _rows()
    baseline = _baseline_dir(tmp_path, rows)
    section = measure_drift(_records(rows), DriftConfig(baseline=str(baseline / "report.json")), CONTEXT).sections["drift"]
    assert "bare report.json" in section["eval_overlap"]["skipped"]
    checks = {c.name: c for c in check_drift(_with_baseline(_report(rows), _report(rows), section["eval_overlap"]), DriftConfig())}
    assert checks["drift_eval_overlap"].status == "skip" and "train.jsonl" in checks["drift_eval_overlap"].message


def test_stage_refuses_a_baseline_changed_since_its_run(tmp_path):
    """A baseline whose train.jsonl no longer matches its manifest is not the accepted run: exit 2."""
    rows = _rows()
    baseline = _baseline_dir(tmp_path, rows)
    with open(baseline / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "extra", "text": "an added row", "label": "card_arrival", "meta": {}}) + "\n")
    with pytest.raises(InputError, match="train.jsonl: changed since the run"):
        measure_drift(_records(rows), DriftConfig(baseline=str(baseline)), CONTEXT)


def test_no_baseline_no_section():
    """Without a baseline the stage passes the records through and publishes nothing."""
    result = measure_drift(_records(_rows()[:20]), DriftConfig(), CONTEXT)
    assert result.sections == {} and len(result.kept) == 20


@pytest.mark.parametrize(("values", "problem"), [
    ({"fail": ("drift_count",)}, "did you mean 'drift_counts'"),
    ({"max_label_share_change": -0.1}, "max_label_share_change must be a number from 0 up"),
    ({"baseline": ""}, "baseline is empty"),
])
def test_config_problems(values, problem):
    """An unknown check name in fail, a negative tolerance or an empty baseline are config errors."""
    with pytest.raises(Exception, match=problem):
        DriftConfig(**values)


def _category_rows() -> list[dict]:
    """banking77's train labels (10,003 rows, 77 intents), each row in a split by its position."""
    lines = (DATA / "banking77_train_categories.txt").read_text(encoding="utf-8").splitlines()[1:]
    return [{"label": label, "split": SPLIT_OF[i % 10]} for i, label in enumerate(lines)]


def _label_shares(report: dict, cfg: DriftConfig = DriftConfig()):
    return next(c for c in check_drift(report, cfg) if c.name == "drift_label_shares")


def test_small_labels_losing_two_thirds_of_their_rows_are_drift():
    """11 of banking77's 77 labels lose two thirds of their rows: each share moves by about a point (the 2-point
    rule alone passes), but each lost over half of it, far beyond sampling noise: drift_label_shares warns, naming
    them."""
    rows = _category_rows()
    cut = sorted({r["label"] for r in rows})[::7]
    seen: Counter[str] = Counter()
    changed = []
    for row in rows:
        seen[row["label"]] += 1
        if row["label"] not in cut or seen[row["label"]] % 3 == 1:
            changed.append(row)
    report = _with_baseline(_report(changed), _report(rows))
    assert len(cut) == 11 and _label_shares(report, DriftConfig(max_label_share_drop=1.0)).status == "pass"
    check = _label_shares(report)
    assert check.status == "warn" and check.observed["over_tolerance"] == 11
    assert abs(check.observed["change"]) < 0.02 and check.observed["what"].removeprefix("label ") in cut
    assert "lost more than 50% of their share" in check.message and check.threshold["share_drop_above"] == 0.5
    assert all(name[:40] in check.message for name in cut[:5]) and "and 6 more" in check.message
    table = "\n".join(drift_markdown({**report, "checks": [check.as_dict()]}))
    assert sum(f"label {name} " in table for name in cut) == 11 and "of its share lost" in table


@pytest.mark.parametrize("seed", range(5))
def test_random_halves_of_banking77_stay_quiet(seed):
    """Two random halves of banking77 are two samples of one distribution: small labels move by up to half their
    share between them, but never beyond sampling noise, so drift_label_shares passes both ways."""
    import random

    rows = _category_rows()
    random.Random(seed).shuffle(rows)
    first, second = rows[: len(rows) // 2], rows[len(rows) // 2:]
    for base, run in ((first, second), (second, first)):
        assert _label_shares(_with_baseline(_report(run), _report(base))).status == "pass"


def test_a_label_that_grew_or_vanished_is_not_judged_by_its_lost_share():
    """A label whose share grew lost nothing; a label that vanished is drift_label_set's (and a 100% loss in points)."""
    rows = _category_rows()
    first = sorted({r["label"] for r in rows})[0]
    changed = [r for r in rows if r["label"] != first]
    check = _label_shares(_with_baseline(_report(changed), _report(rows)))
    assert check.observed["what"] == f"label {first}" and check.observed["after"] == 0.0
    assert "lost most of their share" not in check.message
