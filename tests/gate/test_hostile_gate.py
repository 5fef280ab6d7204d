"""Hostile input to the gate's surfaces (``--junit``, ``check``, ``report``, ``batch``, ``--baseline``): refused with
exit 2 before any work, no file of the user's replaced, nothing written outside the folder asked for, no exit 3."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from pipeline.cli import cli
from pipeline.core.output import file_digest
from tests.conftest import DATA


def _tiny(folder: Path) -> Path:
    """A small real classification file: the header and 40 rows of the banking77 slice."""
    path = folder / "tiny.csv"
    lines = (DATA / "banking77_slice.csv").read_text(encoding="utf-8").splitlines(keepends=True)[:41]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _run_folder(tmp_path: Path, report: object = None) -> Path:
    """A folder laid out like a run's: real rows, a report, and a manifest holding their hashes."""
    out = tmp_path / "runs" / "base"
    out.mkdir(parents=True)
    shutil.copy(DATA / "banking77_slice.csv", out / "train.jsonl")  # any bytes: only their hash matters here
    (out / "report.json").write_text(json.dumps({"verdict": "not_ready"} if report is None else report), encoding="utf-8")
    (out / "report.md").write_text("# ftprep report: NOT READY\n", encoding="utf-8")
    _write_manifest(out, {n: {"sha256": file_digest(out / n)} for n in ("train.jsonl", "report.json", "report.md")})
    return out


def _write_manifest(out: Path, outputs: dict) -> None:
    (out / "manifest.json").write_text(json.dumps({"outputs": outputs, "config": {}}), encoding="utf-8")


# -- --junit: never over a file the command reads or a run wrote, never found unwritable after the work ------------


@pytest.mark.parametrize("named", ["input", "config"])
def test_run_refuses_a_junit_file_it_reads(runner, tmp_path, named):
    """--junit naming the input, or the config file (even a config that stops the run with exit 2): exit 2 before
    anything runs, the file byte-identical, no output folder."""
    data = _tiny(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text("[split]\nratios = [0.8, 0.1, 0.1]\nno_such_key = 1\n", encoding="utf-8")
    target = data if named == "input" else config
    before = target.read_bytes()
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "runs" / "j"), "--config", str(config),
                                 "--junit", str(target)])
    assert result.exit_code == 2 and "which this command reads" in result.stderr
    assert target.read_bytes() == before and not (tmp_path / "runs").exists()


def test_run_refuses_a_junit_file_that_is_not_xml(runner, tmp_path):
    """An existing file that is no JUnit file (here a copy of the data under another name) is not replaced."""
    data = _tiny(tmp_path)
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "out"), "--junit", str(other)])
    assert result.exit_code == 2 and "not XML" in result.stderr and other.read_text() == "my notes\n"


def test_run_refuses_a_junit_file_over_its_own_outputs(runner, tmp_path):
    """--junit OUT/report.json would replace the report the run just wrote: exit 2 before the run."""
    data = _tiny(tmp_path)
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "out"), "--junit",
                                 str(tmp_path / "out" / "report.json")])
    assert result.exit_code == 2 and "is an output of the run" in result.stderr and not (tmp_path / "out").exists()


def test_check_never_writes_its_junit_into_the_checked_folder(runner, tmp_path):
    """`check --junit OUT/train.jsonl` would replace a split and make the folder fail its next check: refused, and
    the folder still verifies."""
    out = _run_folder(tmp_path)
    before = (out / "train.jsonl").read_bytes()
    result = runner.invoke(cli, ["check", str(out), "--junit", str(out / "train.jsonl")])
    assert result.exit_code == 2 and "only reads" in result.stderr
    assert (out / "train.jsonl").read_bytes() == before
    assert "changed since the run" not in runner.invoke(cli, ["check", str(out)]).output


@pytest.mark.parametrize("command", ["run", "check"])
def test_an_unwritable_junit_file_is_refused_before_any_work(runner, tmp_path, command):
    """A --junit path that cannot be written (its folder is a file) is exit 2 up front, not exit 3 after the work."""
    data = _tiny(tmp_path)
    junit = data / "junit.xml"
    args = ["run", str(data), "--out", str(tmp_path / "out")] if command == "run" else ["check", str(_run_folder(tmp_path))]
    result = runner.invoke(cli, [*args, "--junit", str(junit)])
    assert result.exit_code == 2 and "not a folder" in result.stderr, result.output
    assert not (tmp_path / "out").exists()


# -- check and report: the manifest's paths, foreign reports, edited reports --------------------------------------


@pytest.mark.parametrize("name", ["../../../../../../../../etc/hostname", "/etc/hostname", "link"])
def test_check_refuses_manifest_paths_outside_the_folder(runner, tmp_path, name):
    """A manifest listing a file outside the folder (by .., absolutely, or through a symlinked split) with that
    file's true hash is not a run's manifest: exit 2, naming it."""
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text('{"text": "x"}\n', encoding="utf-8")
    out = _run_folder(tmp_path)
    if name == "link":
        (out / "link").symlink_to(outside)
        target = outside
    else:
        target = Path(os.path.normpath(out / name))
        if not target.is_file():
            pytest.skip(f"{target} does not exist on this system")
    manifest = json.loads((out / "manifest.json").read_text())
    _write_manifest(out, {**manifest["outputs"], name: {"sha256": file_digest(target)}})
    result = runner.invoke(cli, ["check", str(out)])
    assert result.exit_code == 2, result.output
    assert ("symbolic link" if name == "link" else "not a path inside the output folder") in result.stderr


@pytest.mark.parametrize("report", [{"verdict": "ready"}, [], {"counts": {"input": "many"}, "checks": 3}])
def test_check_refuses_a_report_that_is_not_one(runner, tmp_path, report):
    """Valid JSON that is not a report (no counts, a list, fields of other types): exit 2 with one line, as
    `ftprep report` does, not a KeyError or TypeError."""
    out = _run_folder(tmp_path, report)
    result = runner.invoke(cli, ["check", str(out)])
    assert result.exit_code == 2 and "not a report this ftprep can judge" in result.stderr, result.output
    assert len(result.stderr.splitlines()) == 1


def test_report_refuses_a_hand_edited_report(runner, tmp_path):
    """report.json edited after the run (verdict set to ready): `ftprep report` refuses it, renders nothing and
    leaves the manifest as it was, so the edit stays visible to `ftprep check`."""
    out = _run_folder(tmp_path)
    (out / "report.json").write_text(json.dumps({"verdict": "ready"}), encoding="utf-8")
    manifest, markdown = (out / "manifest.json").read_bytes(), (out / "report.md").read_bytes()
    result = runner.invoke(cli, ["report", str(out)])
    assert result.exit_code == 2 and "report.json: changed since the run" in result.stderr
    assert (out / "manifest.json").read_bytes() == manifest and (out / "report.md").read_bytes() == markdown


# -- --baseline of another shape or task ------------------------------------------------------------------------


def _bare_report(tmp_path: Path, **fields) -> Path:
    report = {"ftprep_version": "9.0.0", "task": "classification", "verdict": "ready",
              "counts": {"input": 40, "kept": 40, "rejected": {}, "splits": {"train": 32, "val": 4, "test": 4}}}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({**report, **fields}), encoding="utf-8")
    return path


@pytest.mark.parametrize("fields", [{"labels": ["a", "b"]}, {"counts": {"input": 40, "rejected": ["too_short"]}},
                                    {"task": {"name": "chat"}}])
def test_a_baseline_of_another_shape_is_refused_up_front(runner, tmp_path, fields):
    """A baseline report from a future version whose fields changed type: exit 2 before any stage, naming the
    version, not an AttributeError at the end of the run."""
    data = _tiny(tmp_path)
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "out"),
                                 "--baseline", str(_bare_report(tmp_path, **fields))])
    assert result.exit_code == 2 and "not a report this ftprep can compare with" in result.stderr, result.output
    assert "ftprep 9.0.0" in result.stderr and not (tmp_path / "out").exists()


def test_a_baseline_of_another_task_is_refused_up_front(runner, tmp_path):
    """A chat baseline for a classification run (task given): exit 2 before any stage, saying the tasks differ."""
    data = _tiny(tmp_path)
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "out"), "--task", "classification",
                                 "--baseline", str(_bare_report(tmp_path, task="chat"))])
    assert result.exit_code == 2 and "the baseline is a chat run and this run is classification" in result.stderr


@pytest.mark.slow
def test_a_baseline_of_another_task_is_refused_once_the_task_is_known(runner, tmp_path):
    """With --task auto the task is known after ingest: the run stops with exit 2 and writes nothing."""
    data = _tiny(tmp_path)
    result = runner.invoke(cli, ["run", str(data), "--out", str(tmp_path / "out"),
                                 "--baseline", str(_bare_report(tmp_path, task="chat"))])
    assert result.exit_code == 2 and "the baseline is a chat run and this run is classification" in result.stderr
    assert not (tmp_path / "out").exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- batch ----------------------------------------------------------------------------------------------------------


def _jobs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "batch" / "jobs.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    _tiny(path.parent)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("job", ['name = "../../x"', 'name = "a"\nout = "../escaped"', 'name = "a"\nout = "ABSOLUTE"',
                                 'name = "a"\nout = "."'])
def test_batch_refuses_a_job_writing_outside_its_folder(runner, tmp_path, job):
    """A job whose out (or name, its default out) leads outside the folder of JOBS.toml: exit 2, nothing runs."""
    job = job.replace("ABSOLUTE", json.dumps(str(tmp_path / "abs"))[1:-1])
    path = _jobs(tmp_path, f'[[job]]\n{job}\ninputs = ["tiny.csv"]\n')
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2 and "leads outside the folder of the jobs file" in result.stderr, result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["batch", "jobs.toml", "tiny.csv"]


def test_batch_refuses_nested_job_outputs(runner, tmp_path):
    """One job's out inside another's: whichever runs first, one run would replace or refuse the other: exit 2."""
    path = _jobs(tmp_path, '[[job]]\nname = "outer"\ninputs = ["tiny.csv"]\nout = "runs/a"\n'
                           '[[job]]\nname = "inner"\ninputs = ["tiny.csv"]\nout = "runs/a/b"\n')
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2 and "the out 'runs/a/b' lies inside the out 'runs/a'" in result.stderr
    assert not (path.parent / "runs").exists()


def test_batch_checks_every_jobs_config_before_running_any(runner, tmp_path):
    """A bad inline section in the second job is exit 2 at once, naming that job and not a temporary file; the
    first job never ran."""
    path = _jobs(tmp_path, '[[job]]\nname = "good"\ninputs = ["tiny.csv"]\n'
                           '[[job]]\nname = "bad"\ninputs = ["tiny.csv"]\n[job.split]\nratios = "most"\n')
    started = time.monotonic()
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2 and "job 2 ('bad'):" in result.stderr and "ratios" in result.stderr
    assert "ftprep-job-" not in result.stderr and time.monotonic() - started < 20
    assert not (path.parent / "good").exists()


def test_batch_refuses_an_unwritable_summary_folder_before_any_job(runner, tmp_path):
    """--out where no summary can be written (under a file): exit 2 before the jobs run, not exit 3 after."""
    path = _jobs(tmp_path, '[[job]]\nname = "one"\ninputs = ["tiny.csv"]\n')
    result = runner.invoke(cli, ["batch", str(path), "--out", str(path.parent / "tiny.csv" / "summary")])
    assert result.exit_code == 2 and "batch summary cannot be written" in result.stderr
    assert not (path.parent / "one").exists()


def test_batch_refuses_control_characters_in_job_names(runner, tmp_path):
    """A name holding a newline, BEL or an escape sequence: exit 2 listing it, and none of it reaches stderr raw."""
    path = _jobs(tmp_path, '[[job]]\nname = "get\\nweather\\u0007\\u001b[31m"\ninputs = ["tiny.csv"]\n')
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2 and "control characters" in result.stderr
    assert "\x07" not in result.stderr and "\x1b" not in result.stderr


def test_batch_summary_is_inert(runner, tmp_path):
    """A job named with HTML whose error carries an escape sequence (its input's name): summary.md shows the HTML as
    text, and no control character reaches summary.md, summary.json or the progress lines."""
    path = _jobs(tmp_path, '[[job]]\nname = "<img src=x onerror=alert(1)>"\nout = "runs/a"\n'
                           'inputs = ["no\\u001b[31mfile.csv"]\n')
    result = runner.invoke(cli, ["batch", str(path)])
    assert result.exit_code == 2, result.output
    markdown = (path.parent / "summary.md").read_text(encoding="utf-8")
    assert "\\<img src=x onerror=alert(1)>" in markdown and "| <img" not in markdown
    for text in (markdown, (path.parent / "summary.json").read_text(encoding="utf-8"), result.output):
        assert "\x1b" not in text and "\\u001b" not in text
