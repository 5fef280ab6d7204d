"""examples/github-actions.yml: valid YAML whose ftprep commands use real options and whose publish/upload steps
read the files those commands write."""

from __future__ import annotations

import shlex

import pytest

from pipeline.cli import cli
from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")
WORKFLOW = ROOT / "examples" / "github-actions.yml"


def _steps() -> list[dict]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _ftprep_commands() -> list[list[str]]:
    commands = []
    for step in _steps():
        for line in str(step.get("run", "")).splitlines():
            if line.strip().startswith("ftprep "):
                commands.append(shlex.split(line.strip()))
    return commands


def test_every_ftprep_option_in_the_workflow_exists():
    """Each `ftprep <command> --option` line names a command and options that the CLI has."""
    commands = _ftprep_commands()
    assert {c[1] for c in commands} == {"run", "check", "batch"}
    for command in commands:
        options = {opt for param in cli.commands[command[1]].params for opt in param.opts}
        used = {word for word in command[2:] if word.startswith("--")}
        assert used <= options, (command, used - options)


def test_published_and_uploaded_files_are_the_ones_ftprep_writes():
    """The JUnit publisher reads the --junit file (and the batch's summary.xml); the artifact holds report.html."""
    run = next(c for c in _ftprep_commands() if c[1] == "run")
    junit, out = run[run.index("--junit") + 1], run[run.index("--out") + 1]
    batch = next(c for c in _ftprep_commands() if c[1] == "batch")
    summary_dir = batch[batch.index("--out") + 1]
    steps = _steps()
    published = [s["with"]["report_paths"] for s in steps if "junit-report" in s.get("uses", "")]
    assert published == [junit, f"{summary_dir}/summary.xml"]
    uploads = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert f"{out}/report.html" in uploads[0].split()
    assert all(s.get("if") == "always()" for s in steps if "junit-report" in s.get("uses", "") or "upload" in s.get("uses", ""))
