"""CI gating end to end on real data: a baseline run, an identical rerun (no drift), a changed copy (drift), the
JUnit file read by junitparser, ``ftprep check`` on real output folders, and a batch with a broken job."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.cli import cli
from tests.conftest import DATA
from tests.gate.junit_schema import schema_problems

pytestmark = pytest.mark.slow


def _junitparser():
    return pytest.importorskip("junitparser", reason="junitparser is a dev dependency: pip install -e '.[dev]'")

SLICE = DATA / "banking77_slice.csv"
DRIFT = ("drift_counts", "drift_label_set", "drift_label_shares", "drift_reject_reasons", "drift_duplicate_rate",
         "drift_token_percentiles", "drift_languages", "drift_eval_overlap")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The accepted baseline run of the banking77 slice, an identical rerun, and a changed copy's run against it."""
    from click.testing import CliRunner

    runner, root = CliRunner(), tmp_path_factory.mktemp("gate")
    base, same, changed = root / "base", root / "same", root / "changed"
    assert runner.invoke(cli, ["run", str(SLICE), "--out", str(base)]).exit_code in (0, 1)
    result = runner.invoke(cli, ["run", str(SLICE), "--out", str(same), "--baseline", str(base),
                                 "--junit", str(root / "same.xml")])
    assert result.exit_code in (0, 1), result.output
    copy = _changed_copy(root / "changed.csv")
    result = runner.invoke(cli, ["run", str(copy), "--out", str(changed), "--baseline", str(base), "--seed", "7",
                                 "--junit", str(root / "changed.xml")])
    assert result.exit_code in (0, 1), result.output
    return {"root": root, "base": base, "same": same, "changed": changed}


def _changed_copy(path: Path) -> Path:
    """The slice with three labels removed and 80 case-changed duplicates added (run with another seed, so rows
    move between splits)."""
    with open(SLICE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    gone = {"apple_pay_or_google_pay", "atm_support", "automatic_top_up"}
    kept = [row for row in rows if row["category"] not in gone]
    duplicates = [{**row, "text": row["text"].upper()} for row in kept[::5][:80]]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "category"])
        writer.writeheader()
        writer.writerows(kept + duplicates)
    return path


def _checks(out: Path) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads((out / "report.json").read_text(encoding="utf-8"))["checks"]}


def test_identical_rerun_shows_no_drift(runs):
    """The same data against its own accepted run: every drift check passes, every change is zero."""
    checks = _checks(runs["same"])
    assert {name: checks[name]["status"] for name in DRIFT} == dict.fromkeys(DRIFT, "pass")
    assert all(checks[name]["observed"]["change"] == 0 for name in DRIFT)
    base = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    assert json.loads((runs["same"] / "report.json").read_text(encoding="utf-8"))["verdict"] == base["verdict"]
    assert "## Drift against the baseline" in (runs["same"] / "report.md").read_text(encoding="utf-8")


def test_changed_copy_drifts(runs):
    """Removed labels, added duplicates and rows moved from the old train into val/test are each a warning."""
    checks = _checks(runs["changed"])
    assert checks["drift_label_set"]["status"] == "warn"
    assert "removed: apple_pay_or_google_pay, atm_support, automatic_top_up" in checks["drift_label_set"]["message"]
    assert checks["drift_duplicate_rate"]["status"] == "warn"
    assert checks["drift_eval_overlap"]["status"] == "warn" and checks["drift_eval_overlap"]["observed"]["after"] > 0
    report = json.loads((runs["changed"] / "report.json").read_text(encoding="utf-8"))
    overlap = report["drift"]["eval_overlap"]
    assert overlap["records"] == overlap["val"] + overlap["test"] > 0
    html = (runs["changed"] / "report.html").read_text(encoding="utf-8")
    assert 'id="drift"' in html and "drift_eval_overlap" in html


def test_junit_of_a_real_run_as_ci_reads_it(runs):
    """junitparser lists one case per check (and per failed expectation), statuses as in report.json."""
    xml_text = (runs["root"] / "changed.xml").read_text(encoding="utf-8")
    assert schema_problems(xml_text) == []
    (suite,) = list(_junitparser().JUnitXml.fromstring(xml_text))
    cases = {case.name: case for case in suite}
    checks = _checks(runs["changed"])
    assert set(checks) <= set(cases)
    for name, check in checks.items():
        kinds = {type(r).__name__ for r in cases[name].result}
        expected = {"fail": {"Failure"}, "skip": {"Skipped"}}.get(check["status"], set())
        assert kinds == expected, name
    assert suite.failures == sum(c["status"] == "fail" for c in checks.values()) + sum(
        1 for case in suite if case.classname.endswith(".expectations") and case.result)


def test_check_rejudges_without_recomputing(runs, runner, tmp_path):
    """check on an untouched folder gives the run's own verdict; a stricter config ([drift] on_drift = fail) fails
    the changed copy's drift checks; a tampered train.jsonl is refused with exit 2."""
    report = json.loads((runs["changed"] / "report.json").read_text(encoding="utf-8"))
    result = runner.invoke(cli, ["check", str(runs["changed"])])
    assert result.output.startswith(f"verdict: {report['verdict']} (at the run: {report['verdict']})")
    strict = tmp_path / "strict.toml"
    strict.write_text('[drift]\non_drift = "fail"\n', encoding="utf-8")
    result = runner.invoke(cli, ["check", str(runs["changed"]), "--config", str(strict), "--junit", str(tmp_path / "j.xml")])
    assert result.exit_code == 1 and "fail: drift_label_set" in result.output
    assert 'name="drift_eval_overlap"' in (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert runner.invoke(cli, ["report", str(runs["same"])]).exit_code == 0  # re-rendering keeps the folder checkable
    assert runner.invoke(cli, ["check", str(runs["same"])]).exit_code in (0, 1)
    with open(runs["same"] / "val.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"id": "x", "text": "slipped in", "label": "card_arrival", "meta": {}}\n')
    result = runner.invoke(cli, ["check", str(runs["same"])])
    assert result.exit_code == 2 and "val.jsonl: changed since the run" in result.output


def test_batch_with_a_broken_job_runs_the_others(runner, tmp_path):
    """Two real datasets and a job with a missing input, two at a time: both datasets judged, the broken job recorded,
    exit 2, summary.xml one suite per dataset."""
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(f"""
[[job]]
name = "banking77"
inputs = ["{SLICE}"]
out = "runs/banking77"

[[job]]
name = "broken"
inputs = ["missing/*.csv"]
out = "runs/broken"

[[job]]
name = "sms_spam"
inputs = ["{DATA / 'sms_spam_300.tsv'}"]
out = "runs/sms"
[job.split]
ratios = [0.7, 0.15, 0.15]
""", encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(jobs), "--parallel", "2"])
    assert result.exit_code == 2, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    rows = {row["name"]: row for row in summary["datasets"]}
    assert rows["broken"]["status"] == "error" and rows["broken"]["exit_code"] == 2
    for name in ("banking77", "sms_spam"):
        assert rows[name]["status"] in ("ready", "ready_with_warnings", "not_ready") and rows[name]["kept"] > 0
    sms = json.loads((tmp_path / "runs" / "sms" / "report.json").read_text(encoding="utf-8"))
    assert sms["split"]["ratios"] == [0.7, 0.15, 0.15]  # the inline [job.split] reached the run
    xml = _junitparser().JUnitXml.fromfile(str(tmp_path / "summary.xml"))
    assert [suite.name for suite in xml] == ["banking77", "broken", "sms_spam"]
