"""``ftprep check``'s guard: an output folder whose files changed since the run is refused (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipeline.cli import cli
from pipeline.core.output import file_digest
from pipeline.gate.recheck import changed_outputs, record_renderings, run_thresholds
from tests.conftest import DATA


def _out_dir(tmp_path: Path) -> Path:
    """A folder laid out like a run's: real split rows and a manifest with their hashes."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(DATA / "banking77_slice.csv", out / "train.jsonl")  # any bytes: only their hash matters here
    (out / "report.json").write_text(json.dumps({"verdict": "ready"}), encoding="utf-8")
    (out / "report.md").write_text("# ftprep report: READY\n", encoding="utf-8")
    names = ("train.jsonl", "report.json", "report.md")
    manifest = {"outputs": {n: {"sha256": file_digest(out / n), "rows": None} for n in names},
                "config": {"readiness": {"max_reject_rate": 0.3, "fail_on": "warn", "no_such_key": 1},
                           "drift": {"max_token_change": 0.5}, "split": {"ratios": [0.8, 0.1, 0.1]}}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def test_unchanged_folder_has_no_changed_output(tmp_path):
    """Every listed file hashes as the manifest says."""
    out = _out_dir(tmp_path)
    assert changed_outputs(out, json.loads((out / "manifest.json").read_text())) == []


def test_check_refuses_a_tampered_folder(runner, tmp_path):
    """One edited line in train.jsonl and a removed report.md: exit 2, naming both files, nothing judged."""
    out = _out_dir(tmp_path)
    with open(out / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write("an extra row\n")
    (out / "report.md").unlink()
    result = runner.invoke(cli, ["check", str(out)])
    assert result.exit_code == 2
    assert "train.jsonl: changed since the run" in result.output and "report.md: missing" in result.output
    assert "verdict" not in result.output


def test_check_refuses_a_folder_without_manifest(runner, tmp_path):
    """No manifest.json: not a run's folder, exit 2 with one line."""
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "no manifest.json here" in result.output


def test_tampered_check_still_writes_the_error_as_junit(runner, tmp_path):
    """With --junit, the refusal is also a JUnit error case, so CI shows why the gate stopped."""
    out = _out_dir(tmp_path)
    (out / "report.json").write_text(json.dumps({"verdict": "ready", "edited": True}), encoding="utf-8")
    junit = tmp_path / "junit.xml"
    assert runner.invoke(cli, ["check", str(out), "--junit", str(junit)]).exit_code == 2
    assert "report.json: changed since the run" in junit.read_text(encoding="utf-8")
    assert "<error " in junit.read_text(encoding="utf-8")


def test_re_rendering_records_the_new_hashes(tmp_path):
    """After `ftprep report` rewrote report.md, the manifest holds its new hash, so the folder stays checkable."""
    out = _out_dir(tmp_path)
    (out / "report.md").write_text("# re-rendered\n", encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text())
    assert changed_outputs(out, manifest) == ["report.md: changed since the run (sha256 differs from manifest.json)"]
    record_renderings(out)
    assert changed_outputs(out, json.loads((out / "manifest.json").read_text())) == []


def test_the_runs_own_thresholds_are_the_default(tmp_path):
    """Without --config, check judges with the manifest's [readiness] and [drift]; keys it does not know are dropped."""
    manifest = json.loads((_out_dir(tmp_path) / "manifest.json").read_text())
    assert run_thresholds(manifest) == {"readiness": {"max_reject_rate": 0.3, "fail_on": "warn"},
                                        "drift": {"max_token_change": 0.5}}
