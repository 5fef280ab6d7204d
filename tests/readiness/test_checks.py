"""Readiness checks at, just above and just below their thresholds; the verdict; the CLI gate and outputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.readiness import evidence, health
from pipeline.cli import cli
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.measures import accuracy_half_width, examples_for_half_width
from pipeline.readiness.check import Check, Rule, gate_passes, verdict_from
from pipeline.readiness.checklist import readiness_checks
from pipeline.readiness.label_noise import check_label_noise
from pipeline.readiness.volume import (check_eval_power, check_label_balance, check_min_examples, check_min_per_label,
                                       check_reject_rate)

CFG = ReadinessConfig()
SLICE = Path(__file__).parent.parent / "data" / "banking77_20labels.csv"


def _report(**sections) -> dict:
    """A minimal report.json with the counts every check may read, plus the given sections."""
    report = {"task": "classification", "counts": {"input": 100, "kept": 100, "rejected": {},
                                                   "splits": {"train": 80, "val": 10, "test": 10}},
              "split": {"ratios": [0.8, 0.1, 0.1], "seed": 42}}
    report.update(sections)
    return report


@pytest.mark.parametrize(("kept", "status"), [(9, "fail"), (10, "warn"), (11, "warn"), (99, "warn"), (100, "pass")])
def test_min_examples_thresholds(kept, status):
    """Below min_examples fails, below recommended_examples warns, at it passes."""
    assert check_min_examples(kept, CFG).status == status


@pytest.mark.parametrize(("smallest", "status"), [(9, "fail"), (10, "warn"), (99, "warn"), (100, "pass"), (101, "pass")])
def test_min_per_label_thresholds(smallest, status):
    """The smallest label decides; the recommendation names it and how many it needs."""
    check = check_min_per_label({"train": {"big": 500, "small": smallest}}, CFG)
    assert check.status == status
    if status != "pass":
        assert "small" in check.recommendation and str(100 - smallest if status == "warn" else 10 - smallest) in check.recommendation


@pytest.mark.parametrize(("small", "status"), [(99, "warn"), (100, "pass"), (101, "pass")])
def test_label_balance_ratio_threshold(small, status):
    """A largest/smallest ratio above 100 warns; exactly 100 passes (sliver rule off)."""
    cfg = ReadinessConfig(min_share_of_even=0.0)
    assert check_label_balance({"train": {"big": 10000, "small": small}}, cfg).status == status


def test_label_balance_flags_a_sliver_label():
    """A label under a fifth of an even share warns even when the ratio is fine."""
    cfg = ReadinessConfig()
    check = check_label_balance({"train": {"a": 1000, "b": 1000, "c": 1000, "tiny": 10}}, cfg)
    assert check.status == "warn" and "tiny" in check.message


def test_a_single_label_fails_label_balance():
    """Every example carrying one label (spelling variants merged) leaves a classifier nothing to learn: fail."""
    check = check_label_balance({"train": {"only": 240, "Only": 3}, "test": {"only": 30}}, ReadinessConfig())
    assert (check.status, check.observed) == ("fail", 1.0) and "'only'" in check.message
    assert check_label_balance({"train": {"a": 240, "b": 30}}, ReadinessConfig()).status == "pass"


@pytest.mark.parametrize(("n_test", "status"), [(384, "warn"), (385, "pass"), (386, "pass")])
def test_eval_power_threshold(n_test, status):
    """±5% at 95% needs 385 test examples (1.96² x 0.25 / 0.05²)."""
    report = _report()
    report["counts"]["splits"]["test"] = n_test
    assert check_eval_power(report, CFG).status == status


def test_eval_power_per_label_and_skip():
    """Labels with too few test examples are named; no test split at all is a skip."""
    report = _report(labels={"test": {"thin": 10, "thick": 100}})
    report["counts"]["splits"]["test"] = 1000
    check = check_eval_power(report, CFG)
    assert check.status == "warn" and "thin" in check.recommendation and "thick" not in check.recommendation
    report["split"]["ratios"] = [0.9, 0.1, 0.0]
    assert check_eval_power(report, CFG).status == "skip"


def test_half_width_and_its_inverse_agree():
    """The test size for a tolerance gives a half-width at or under it, one fewer does not."""
    n = examples_for_half_width(0.03)
    assert accuracy_half_width(n) <= 0.03 < accuracy_half_width(n - 1)


@pytest.mark.parametrize(("rejected", "status"), [(20, "pass"), (21, "warn"), (40, "warn"), (41, "fail")])
def test_reject_rate_thresholds(rejected, status):
    """Up to 20% rejected passes, above warns, above 40% fails."""
    counts = {"input": 100, "rejected": {"too_short": rejected}}
    assert check_reject_rate(counts, CFG).status == status


def _overlap(remaining=0, records=1000, cross=0, conflicts=0):
    return {"records": records, "duplicates_remaining": remaining, "largest_cluster": 1, "cluster_sizes": {},
            "cross_split": cross, "cross_split_examples": [], "label_conflicts": conflicts,
            "label_conflict_examples": [{"text": "same text", "labels": ["a", "b"]}] if conflicts else []}


@pytest.mark.parametrize(("remaining", "status"), [(9, "pass"), (10, "pass"), (11, "warn")])
def test_duplicate_rate_threshold(remaining, status):
    """More than 1% of kept records repeating another warns, with how many to remove."""
    check = health.check_duplicate_rate(_report(overlap=_overlap(remaining)), CFG)
    assert check.status == status
    if status == "warn":
        assert f"remove {remaining} duplicates" in check.recommendation


@pytest.mark.parametrize(("conflicts", "status"), [(0, "pass"), (1, "warn")])
def test_label_conflicts_threshold(conflicts, status):
    """Any identical texts with different labels warn (threshold 0)."""
    assert health.check_label_conflicts(_report(overlap=_overlap(conflicts=conflicts)), CFG).status == status


@pytest.mark.parametrize(("cross", "status"), [(0, "pass"), (1, "fail")])
def test_split_leakage_must_be_zero(cross, status):
    """One text in two splits fails the gate."""
    assert health.check_split_leakage(_report(overlap=_overlap(cross=cross))).status == status


def test_stage_checks_skip_without_their_section_and_say_why():
    """contamination, pii, language_mix, expectations and max_tokens skip and name the stage that is missing."""
    report = _report()
    for check in (health.check_contamination(report), health.check_pii(report, CFG), health.check_language_mix(report, CFG),
                  health.check_expectations(report), health.check_max_tokens(report, CFG)):
        assert check.status == "skip", check
        assert "stage" in check.message or "decontaminate" in check.message


@pytest.mark.parametrize(("findings", "status"), [(0, "pass"), (1, "warn")])
def test_pii_threshold(findings, status):
    """Any PII finding warns by default."""
    assert health.check_pii(_report(cleaning={"pii": {"mode": "redact", "records_with_pii": findings, "found": {"email": findings}}}), CFG).status == status


@pytest.mark.parametrize(("other", "status"), [(5, "pass"), (6, "warn")])
def test_language_mix_threshold(other, status):
    """Over 5% outside the dominant language warns; 'und' (too short to judge) does not count."""
    report = _report(languages={"train": {"en": 95, "de": other, "und": 50}})
    share = other / (95 + other)
    expected = "warn" if share > 0.05 else "pass"
    assert health.check_language_mix(report, CFG).status == expected == status


def test_language_mix_against_allowed_set():
    """With allowed languages configured, everything else is off-language."""
    cfg = ReadinessConfig(allowed_languages=("de",))
    assert health.check_language_mix(_report(languages={"train": {"en": 95, "de": 5}}), cfg).status == "warn"


@pytest.mark.parametrize(("severity", "status"), [("critical", "fail"), ("warning", "warn"), ("info", "pass")])
def test_expectations_by_severity(severity, status):
    """A failed critical expectation fails, a warning one warns, info is only reported."""
    failed = ["ftprep.classification: #1 expect_column_values_to_not_be_null(text)"]
    section = {"success": severity != "critical", "failed_critical": failed if severity == "critical" else [],
               "failed_warning": failed if severity == "warning" else [], "failed_info": failed if severity == "info" else []}
    assert health.check_expectations(_report(expectations=section)).status == status


@pytest.mark.parametrize(("over", "status"), [(0, "pass"), (1, "warn")])
def test_max_tokens_threshold_and_cost(over, status):
    """Any example over max_seq_tokens warns; the message shows the training-token cost."""
    lengths = {"tokens": {s: {"count": 10} for s in ("train", "val", "test")}, "over_max_tokens": over,
               "training_tokens": {"per_epoch": 1000, "epochs": 3, "total": 3000}}
    check = health.check_max_tokens(_report(lengths=lengths), CFG)
    assert check.status == status and "3,000 tokens" in check.message


@pytest.mark.parametrize(("gain", "status"), [(0.019, "pass"), (0.02, "pass"), (0.021, "warn")])
def test_learning_curve_threshold(gain, status):
    """An expected gain from 2x data above 0.02 macro-F1 warns 'more data will likely help'."""
    curve = {"sizes": [10, 20, 40, 80], "scores": [0.5, 0.6, 0.65, 0.67], "expected_gain_2x": gain,
             "per_label_f1": {"weak": 0.2}, "metric": "macro_f1"}
    check = evidence.check_learning_curve(_report(learning_curve=curve), CFG)
    assert check.status == status
    if status == "warn":
        assert "more data will likely help" in check.recommendation and "weak" in check.recommendation


def _diversity(cluster=0.0, distinct_2=0.5, template=0.0, novelty=0.5):
    return {"near_duplicate_cluster_share": cluster, "distinct_2": distinct_2, "novelty_ngrams": novelty,
            "templates": {"prefix": {"share": template, "top": []}, "suffix": {"share": 0.0, "top": []}}}


@pytest.mark.parametrize(("measure", "value", "status"), [
    ("cluster", 0.1, "pass"), ("cluster", 0.11, "warn"),
    ("distinct_2", 0.2, "pass"), ("distinct_2", 0.19, "warn"),
    ("template", 0.5, "pass"), ("template", 0.51, "warn"),
    ("novelty", 0.1, "pass"), ("novelty", 0.09, "warn"),
])
def test_diversity_thresholds(measure, value, status):
    """Each diversity measure warns just past its threshold and passes at it."""
    report = _report(diversity=_diversity(**{measure: value}))
    report["task"] = "completion"
    assert evidence.check_diversity(report, CFG).status == status


def test_evidence_checks_skip_for_the_other_task():
    """Learning curve and label noise skip for chat; diversity skips for classification."""
    chat = _report(diversity=_diversity())
    chat["task"] = "chat"
    assert [evidence.check_learning_curve(chat, CFG).status, check_label_noise(chat, CFG).status] == ["skip", "skip"]
    assert evidence.check_diversity(_report(), CFG).status == "skip"


@pytest.mark.parametrize(("statuses", "verdict"), [
    (["pass", "skip"], "ready"), (["pass", "warn"], "ready_with_warnings"), (["warn", "fail", "pass"], "not_ready"),
])
def test_verdict_from_checks(statuses, verdict):
    """Any fail => not_ready, else any warn => ready_with_warnings, else ready."""
    assert verdict_from([Check(f"c{i}", s, None, None, "") for i, s in enumerate(statuses)]) == verdict


@pytest.mark.parametrize(("verdict", "fail_on", "passes"), [
    ("ready", "fail", True), ("ready_with_warnings", "fail", True), ("not_ready", "fail", False),
    ("ready", "warn", True), ("ready_with_warnings", "warn", False), ("not_ready", "warn", False),
])
def test_gate(verdict, fail_on, passes):
    """--fail-on warn makes warnings fail the gate too."""
    assert gate_passes(verdict, fail_on) is passes


def test_every_stable_check_name_is_reported():
    """readiness_checks returns each stable name once, in the documented order."""
    names = [c.name for c in readiness_checks(_report(labels={"train": {"a": 50, "b": 50}}), CFG)]
    stable = ["min_examples", "min_per_label", "label_balance", "eval_power", "reject_rate", "duplicate_rate",
              "label_conflicts", "split_leakage", "contamination", "pii", "placeholders", "language_mix", "expectations",
              "max_tokens", "learning_curve", "label_noise", "label_leakage", "diversity", "response_collapse"]
    assert [n for n in names if n in stable] == stable


# -- through the CLI ---------------------------------------------------------------------------------------------


def _small_input(tmp_path: Path, per_label: int) -> Path:
    """The first ``per_label`` rows of each of 5 banking77 labels, as a CSV."""
    with open(SLICE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    labels = sorted({r["category"] for r in rows})[:5]
    chosen = [r for label in labels for r in [r for r in rows if r["category"] == label][:per_label]]
    path = tmp_path / "intents.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "category"])
        writer.writeheader()
        writer.writerows(chosen)
    return path


def test_cli_writes_every_readiness_output(tmp_path):
    """A run writes report.json with the learning curve and label noise keys, suspects, report.md and report.html."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(_small_input(tmp_path, 60)), "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text())
    assert set(report["learning_curve"]) >= {"sizes", "scores", "metric", "expected_gain_2x"}
    assert set(report["label_noise"]) >= {"estimated_rate", "suspects"}
    assert {c["name"] for c in report["checks"]} >= {"min_per_label", "eval_power", "learning_curve", "label_noise"}
    for check in report["checks"]:
        assert set(check) == {"name", "status", "observed", "threshold", "message", "recommendation"}
    suspects = [json.loads(line) for line in (out / "suspect_labels.jsonl").read_text().splitlines()]
    assert suspects == report["label_noise"]["suspects"]
    markdown = (out / "report.md").read_text()
    assert markdown.index("# ftprep report") < markdown.index("## Checks") < markdown.index("## Learning curve")
    assert (out / "report.html").read_text().count("<svg") >= 3


def test_cli_exit_codes_and_fail_on_warn(tmp_path):
    """Warnings pass the gate (exit 0) unless --fail-on warn (exit 1); the verdict says ready_with_warnings."""
    data = _small_input(tmp_path, 60)
    plain = CliRunner().invoke(cli, ["run", str(data), "--out", str(tmp_path / "a")])
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["verdict"] == "ready_with_warnings"  # 60 per label is under the recommended 100
    assert plain.exit_code == 0
    strict = CliRunner().invoke(cli, ["run", str(data), "--out", str(tmp_path / "b"), "--fail-on", "warn"])
    assert strict.exit_code == 1


def test_cli_not_ready_exits_1(tmp_path):
    """Labels with 8 examples each fail min_per_label: verdict not_ready, exit 1."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(_small_input(tmp_path, 8)), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "not_ready" and result.exit_code == 1


def test_report_command_rerenders_from_json(tmp_path):
    """ftprep report OUT_DIR rewrites report.md and report.html from report.json alone, identically."""
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["run", str(_small_input(tmp_path, 30)), "--out", str(out)])
    before = {name: (out / name).read_text() for name in ("report.md", "report.html")}
    for name in before:
        (out / name).unlink()
    result = CliRunner().invoke(cli, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert {name: (out / name).read_text() for name in before} == before


def test_report_command_without_report_json_is_a_usage_error(tmp_path):
    """No report.json: exit 2 with one line naming the file."""
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "report.json" in result.output


def test_report_command_on_a_foreign_report_json_says_so(tmp_path):
    """A report.json this ftprep did not write (keys missing) is exit 2 with what to do, not an internal error."""
    (tmp_path / "report.json").write_text('{"verdict": "ready", "ftprep_version": "0.0.1"}')
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a report this ftprep" in result.output and "written by ftprep 0.0.1" in result.output


def test_label_spelling_variants_are_counted_with_their_label():
    """'Billing' (1 row) next to 'billing' (30) is a variant: counted with it, warned about, not failed."""
    labels = {"train": {"billing": 120, "Billing": 1, "shipping": 110, "Ship-ping": 1}}
    check = check_min_per_label(labels, CFG)
    assert check.status == "warn"
    assert "Billing looks like billing" in check.message and "Ship-ping" in check.recommendation
    assert check.observed == 111


def test_distinct_rare_label_still_fails():
    """A rare label that is not a spelling variant of another one still fails min_per_label."""
    assert check_min_per_label({"train": {"billing": 120, "refund": 1}}, CFG).status == "fail"


def _leakage(pairs: int) -> dict:
    """``duplicates.split_leakage`` as ftprep run writes it."""
    return {"pairs": pairs, "records": 100, "threshold": 0.8, "shingle": "char", "ngram": 5,
            "by_splits": {"test/train": pairs} if pairs else {}, "examples": []}


@pytest.mark.parametrize(("pairs", "dedup", "status"), [(0, {}, "pass"), (2, {}, "fail"), (2, {"enabled": False}, "warn")])
def test_split_leakage_judges_the_near_duplicate_pairs_measured_after_the_split(pairs, dedup, status):
    """Cross-split near-duplicate pairs fail with dedup on (a bug), warn with it off, even when no exact text leaks."""
    report = _report(overlap=_overlap(cross=0), duplicates={**dedup, "split_leakage": _leakage(pairs)})
    check = health.check_split_leakage(report)
    assert (check.status, check.observed, check.threshold) == (status, pairs, {"max_pairs": 0, "jaccard": 0.8})


def test_thresholds_come_from_the_readiness_config_section(tmp_path):
    """[readiness] in the TOML config moves a threshold: 60 per label warns by default, passes at 50."""
    config = tmp_path / "ftprep.toml"
    config.write_text('[readiness]\nrecommended_per_label = 50\nallowed_languages = ["en"]\nmax_suspects = 3\n')
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["run", str(_small_input(tmp_path, 60)), "--out", str(out), "--config", str(config)])
    report = json.loads((out / "report.json").read_text())
    check = next(c for c in report["checks"] if c["name"] == "min_per_label")
    assert (check["status"], check["threshold"]["warn_below"]) == ("pass", 50)
    # max_suspects is how many the report lists; suspect_labels.jsonl holds every one
    assert len((out / "suspect_labels.jsonl").read_text().splitlines()) == report["label_noise"]["flagged"]
    assert report["label_noise"]["shown"] == 3


@pytest.mark.parametrize(("value", "status"), [(9, "fail"), (10, "warn"), (99, "warn"), (100, "pass"), (0.5, "fail")])
def test_a_rule_reads_its_status_off_its_thresholds(value, status):
    """A Rule's status follows the thresholds the report shows; a bound is crossed only strictly."""
    rule = Rule("volume", {"fail_below": 10, "warn_below": 100})
    assert rule.status(value) == status
    check = rule.result(value, "message", "what to do")
    assert (check.status, check.threshold) == (status, {"fail_below": 10, "warn_below": 100})
    assert check.recommendation == (None if status == "pass" else "what to do")
    assert Rule("share", {"warn_above": 0.2, "fail_above": 0.4}).status(0.3) == "warn"
    assert Rule("x", 0).skip("no figure").as_dict() == {"name": "x", "status": "skip", "observed": None, "threshold": 0,
                                                        "message": "no figure", "recommendation": None}
