"""``ftprep batch``: the jobs file, each job's config, exit codes, and a batch whose jobs fail without stopping it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import cli
from pipeline.core.errors import ConfigError
from pipeline.gate.batch import Job, JobResult, _job_config, batch_exit_code, load_jobs
from pipeline.gate.toml import dump_toml


def _jobs_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_jobs_are_read_with_their_inline_sections(tmp_path):
    """name, inputs, out, config, and every other table as a config section over the config file."""
    (tmp_path / "ftprep.toml").write_text("[dedup]\nenabled = false\n", encoding="utf-8")
    path = _jobs_file(tmp_path, """
[[job]]
name = "banking77"
inputs = ["data/*.csv"]
out = "runs/banking77"
config = "ftprep.toml"
seed = 7
[job.split]
ratios = [0.9, 0.05, 0.05]

[[job]]
name = "sms"
inputs = "data/sms.tsv"
""")
    first, second = load_jobs(path)
    assert first == Job("banking77", ("data/*.csv",), "runs/banking77", "ftprep.toml",
                        {"seed": 7, "split": {"ratios": [0.9, 0.05, 0.05]}})
    assert second == Job("sms", ("data/sms.tsv",), "sms")  # out defaults to the job's name


def test_every_problem_of_a_jobs_file_is_listed(tmp_path):
    """Missing name and inputs, a stray key, and two jobs writing into one folder: one error naming all of them."""
    path = _jobs_file(tmp_path, """
limit = 3
[[job]]
inputs = []
[[job]]
name = "a"
inputs = ["x.csv"]
out = "runs/same"
verbose = true
[[job]]
name = "b"
inputs = ["y.csv"]
out = "runs/same"
[[job]]
name = "c"
inputs = ["z.csv"]
out = "runs/same/"
""")
    with pytest.raises(ConfigError) as error:
        load_jobs(path)
    message = str(error.value)
    for part in ("unknown top-level key 'limit'", "job 1: name must be a non-empty string",
                 "job 1: inputs must be a non-empty list", "job 2 ('a'): unknown key 'verbose'",
                 "2 jobs share the out 'runs/same'"):
        assert part in message


def test_inline_sections_are_laid_over_the_config_file(tmp_path):
    """The job's config file keeps its keys; the job's sections add or replace keys, section by section."""
    (tmp_path / "base.toml").write_text('seed = 3\n[clean]\nlanguages = ["en"]\npii = "off"\n[split]\nratios = [0.8, 0.1, 0.1]\n',
                                        encoding="utf-8")
    job = Job("x", ("a.csv",), "out", "base.toml", {"clean": {"pii": "reject"}, "drift": {"baseline": "runs/ok"}})
    merged = tomllib.loads(_job_config(job, tmp_path, tmp_path).read_text(encoding="utf-8"))
    assert merged == {"seed": 3, "clean": {"languages": ["en"], "pii": "reject"}, "split": {"ratios": [0.8, 0.1, 0.1]},
                      "drift": {"baseline": "runs/ok"}}
    assert _job_config(Job("y", ("a.csv",), "out", "base.toml"), tmp_path, tmp_path) == tmp_path / "base.toml"


def test_toml_round_trip():
    """What dump_toml writes, tomllib reads back: quotes, backslashes, control characters, unicode, inline tables."""
    data = {"seed": 1, "clean": {"label_map": {"Ham ": "ham", "a.b": "c"}, "languages": ["en", "de"], "ftfy": False,
                                 "max_chars": 1.5e4},
            "validate": {"suites": ['C:\\suites\\"mine".json', "tab\there\x7f", "ünï"]}}
    back = tomllib.loads(dump_toml(data))
    assert back == {**data, "clean": {**data["clean"], "max_chars": 15000.0}}


def test_exit_code_of_a_batch():
    """2 when a job could not run, else 1 when a dataset is not ready, else 0."""
    def result(code: int) -> JobResult:
        return JobResult(Job("j", ("a",), "o"), code, 1.0)
    assert batch_exit_code([result(0), result(0)]) == 0
    assert batch_exit_code([result(0), result(1)]) == 1
    assert batch_exit_code([result(1), result(3), result(0)]) == 2
    assert batch_exit_code([result(2)]) == 2


def test_failing_jobs_are_recorded_and_do_not_stop_the_batch(runner, tmp_path):
    """A missing input and a missing baseline (each run exits 2): both recorded with their error, the summary
    written, the batch exits 2."""
    (tmp_path / "data.csv").write_text("text,label\nhello there,a\n", encoding="utf-8")  # inputs are checked first
    path = _jobs_file(tmp_path, """
[[job]]
name = "missing"
inputs = ["no_such_file.csv"]
[[job]]
name = "bad-config"
inputs = ["data.csv"]
[job.drift]
baseline = "no_such_run"
""")
    result = runner.invoke(cli, ["batch", str(path), "--parallel", "2", "--out", str(tmp_path / "summary")])
    assert result.exit_code == 2, result.output
    summary = json.loads((tmp_path / "summary" / "summary.json").read_text(encoding="utf-8"))
    rows = {row["name"]: row for row in summary["datasets"]}
    assert [row["name"] for row in summary["datasets"]] == ["missing", "bad-config"]
    assert rows["missing"]["exit_code"] == 2 and "no_such_file.csv" in rows["missing"]["error"]
    assert rows["bad-config"]["status"] == "error" and "no_such_run: baseline not found" in rows["bad-config"]["error"]
    xml = (tmp_path / "summary" / "summary.xml").read_text(encoding="utf-8")
    assert xml.count("<testsuite ") == 2 and xml.count("<error ") == 2
    assert "| missing | error | error | 2 |" in (tmp_path / "summary" / "summary.md").read_text(encoding="utf-8")
