"""The contract scripts build on, end to end on a bundled sample: ``check`` gates with the run's own ``fail_on``,
``--replay`` gives byte-identical outputs, ``--json`` summaries, and a run fed through a real pipe."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import ROOT, SAMPLES, assert_valid_report

pytestmark = pytest.mark.slow
SAMPLE = SAMPLES / "instructions.json"  # ready_with_warnings: the gate depends on fail_on


@pytest.fixture(scope="module")
def warn_run(tmp_path_factory) -> dict:
    """One run of the sample made with `[readiness] fail_on = "warn"` in its config file, and its --json summary."""
    root = tmp_path_factory.mktemp("contract")
    config = root / "ftprep.toml"
    config.write_text('[readiness]\nfail_on = "warn"\n', encoding="utf-8")
    data = root / "instructions.json"
    shutil.copy(SAMPLE, data)
    result = CliRunner().invoke(cli, ["run", str(data), "--config", str(config), "--out", str(root / "out"), "--json"])
    return {"root": root, "out": root / "out", "data": data, "result": result}


def test_run_with_fail_on_warn_exits_1_and_says_why_in_json(warn_run):
    """Warnings with fail_on = warn: exit 1; the JSON summary names the verdict, exit code, counts and warnings."""
    result = warn_run["result"]
    assert result.exit_code == 1, result.output
    outcome = json.loads(result.stdout)
    report = json.loads((warn_run["out"] / "report.json").read_text(encoding="utf-8"))
    assert outcome["verdict"] == report["verdict"] == "ready_with_warnings"
    assert outcome["exit_code"] == 1 and outcome["fail_on"] == "warn" and outcome["failed_checks"] == []
    assert outcome["warned_checks"] == [c["name"] for c in report["checks"] if c["status"] == "warn"] != []
    assert outcome["counts"] == {"input": report["counts"]["input"], "kept": report["counts"]["kept"],
                                 "rejected": sum(report["counts"]["rejected"].values()), **report["counts"]["splits"]}
    assert outcome["out_dir"] == str(warn_run["out"])
    assert report["schema_version"] == "1.0"
    assert_valid_report(report)


def test_check_gates_with_the_runs_own_fail_on(runner, warn_run):
    """A bare `ftprep check` on that folder exits 1 as the run did; `--fail-on fail` overrides it (exit 0)."""
    out = str(warn_run["out"])
    bare = runner.invoke(cli, ["check", out])
    assert bare.exit_code == 1, bare.output
    assert "gate failed" in bare.output
    relaxed = runner.invoke(cli, ["check", out, "--fail-on", "fail", "--json"])
    assert relaxed.exit_code == 0, relaxed.output
    outcome = json.loads(relaxed.stdout)
    assert (outcome["exit_code"], outcome["fail_on"], outcome["verdict_at_run"]) == (0, "fail", "ready_with_warnings")


def test_replay_gives_byte_identical_outputs(runner, warn_run):
    """`ftprep run --replay OUT` (no config file, no flags) writes every output of the run again, byte for byte."""
    again = warn_run["root"] / "again"
    result = runner.invoke(cli, ["run", "--replay", str(warn_run["out"]), "--out", str(again), "-q"])
    assert result.exit_code == 1, result.output  # the run's own fail_on came back with its config
    first = json.loads((warn_run["out"] / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((again / "manifest.json").read_text(encoding="utf-8"))
    assert second["outputs"] == first["outputs"] and second["config"] == first["config"]
    for name in first["outputs"]:
        assert (again / name).read_bytes() == (warn_run["out"] / name).read_bytes(), name
    assert first["run"]["argv"] == ["run", str(warn_run["data"]), "--config", str(warn_run["root"] / "ftprep.toml")]
    assert second["run"]["argv"][:3] == ["run", "--replay", str(warn_run["out"])]
    assert first["run"]["ftprep_version"] == first["ftprep_version"]


def test_replay_refuses_an_input_that_changed(runner, warn_run, tmp_path):
    """Replaying with other bytes than the run read would not give its outputs: exit 2 naming the file."""
    edited = tmp_path / "instructions.json"
    edited.write_bytes(warn_run["data"].read_bytes().replace(b"[", b"[\n", 1))
    result = runner.invoke(cli, ["run", "--replay", str(warn_run["out"]), str(edited), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{edited}: differs from the input the run read (sha256 differs from manifest.json)" in result.output


def test_batch_json_lists_every_dataset(runner, tmp_path):
    """`ftprep batch --json`: the exit code and one row per job, a job whose input is missing among them."""
    (tmp_path / "jobs.toml").write_text('[[job]]\nname = "gone"\ninputs = ["nope.jsonl"]\nout = "runs/gone"\n',
                                        encoding="utf-8")
    result = runner.invoke(cli, ["batch", str(tmp_path / "jobs.toml"), "--json"])
    assert result.exit_code == 2
    outcome = json.loads(result.stdout)
    assert outcome["exit_code"] == 2 and [row["name"] for row in outcome["datasets"]] == ["gone"]
    assert outcome["datasets"][0]["status"] == "error" and "nope.jsonl" in outcome["datasets"][0]["error"]


def test_a_run_from_standard_input_matches_the_file_run(warn_run, tmp_path):
    """`cat f | ftprep run - --format json`: the same rows in every split as a run on the file (only the source name
    differs), and the manifest hashes the bytes that came through the pipe."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "piped"
    command = [sys.executable, "-m", "pipeline", "run", "-", "--format", "json", "--config",
               str(warn_run["root"] / "ftprep.toml"), "--out", str(out), "-q"]
    data = warn_run["data"].read_bytes()
    done = subprocess.run(command, input=data, capture_output=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0] | {"sha256": None} == {"path": "-", "format": "json", "sha256": None,
                                                        "rows": json.loads((warn_run["out"] / "report.json").read_text())["counts"]["input"]}
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    named = json.dumps(str(warn_run["data"]))
    for name in ("train.jsonl", "val.jsonl", "test.jsonl", "rejected.jsonl"):
        from_file = (warn_run["out"] / name).read_text(encoding="utf-8").replace(named, '"-"')
        assert (out / name).read_text(encoding="utf-8") == from_file, name
    assert_valid_report(json.loads((out / "report.json").read_text(encoding="utf-8")))
