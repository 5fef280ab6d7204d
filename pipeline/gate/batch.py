"""``ftprep batch JOBS.toml``: several datasets in one go, each an ordinary ``ftprep run`` in its own process.

::

    [[job]]
    name = "banking77"
    inputs = ["data/banking77/*.csv"]
    out = "runs/banking77"
    config = "ftprep.toml"       # optional
    [job.split]                  # optional: any config section, on top of the config file
    ratios = [0.9, 0.05, 0.05]

Every relative path (inputs, out, config, and the paths inside a config) is taken from the folder holding JOBS.toml:
each job runs there, as ``python -m pipeline run INPUT... --out OUT --config MERGED --quiet``, where MERGED is the
job's config file with its inline sections laid over it. A separate process per job keeps one job's crash, memory
or error from touching the others; a job that fails (exit 2 or 3) is recorded and the rest still run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pipeline
from pipeline.core.errors import ConfigError
from pipeline.gate.recheck import read_json
from pipeline.gate.toml import dump_toml

JOB_KEYS = ("name", "inputs", "out", "config")


@dataclass(frozen=True)
class Job:
    """One dataset of a batch; ``overrides`` are its inline config sections (``[job.split]`` ...) and ``seed``."""

    name: str
    inputs: tuple[str, ...]
    out: str
    config: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobResult:
    """How a job ended: its exit code, its report (when it wrote one), how long it took and its error line."""

    job: Job
    exit_code: int
    seconds: float
    report: dict[str, Any] | None = None
    fail_on: str = "fail"
    error: str = ""


def load_jobs(path: Path) -> list[Job]:
    """The jobs of a JOBS.toml; a ConfigError (exit 2) listing every problem when the file is not a valid one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the jobs file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    problems = [f"unknown top-level key '{key}' (a jobs file holds [[job]] tables only)" for key in data if key != "job"]
    tables = data.get("job")
    if not isinstance(tables, list) or not tables:
        problems.append("no [[job]] table: each dataset is one [[job]] with name, inputs and out")
        tables = []
    jobs = []
    base = Path(os.path.abspath(path)).parent
    for number, table in enumerate(tables, start=1):
        job, found = _job(table, number, base)
        problems += found
        if job:
            jobs.append(job)
    problems += _clashes(jobs)
    if not problems:  # each job's config, as the job will run it: found now, not minutes into the batch
        problems += [problem for number, job in enumerate(jobs, start=1) for problem in _config_problems(job, number, base)]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return jobs


def _config_problems(job: Job, number: int, base: Path) -> list[str]:
    from pipeline.config import load_config

    try:
        load_config(base / job.config if job.config else None, job.overrides)
    except ConfigError as exc:
        said = str(exc) if job.config else str(exc).removeprefix("config: ")  # no file: its inline sections
        return [f"job {number} ({job.name!r}): {said}"]
    return []


def _job(table: dict[str, Any], number: int, base: Path) -> tuple[Job | None, list[str]]:
    name = table.get("name")
    where = f"job {number}" + (f" ({name!r})" if isinstance(name, str) else "")
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name must be a non-empty string")
    elif not name.isprintable():
        problems.append(f"{where}: name holds control characters (newlines, escapes); use plain text")
    inputs = table.get("inputs")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) and i for i in inputs):
        problems.append(f"{where}: inputs must be a non-empty list of paths or globs")
    for key in ("out", "config"):
        if key in table and not isinstance(table[key], str):
            problems.append(f"{where}: {key} must be a path (a string), got {table[key]!r}")
    overrides = {key: value for key, value in table.items() if key not in JOB_KEYS}
    for key, value in overrides.items():
        if key != "seed" and not isinstance(value, dict):
            problems.append(f"{where}: unknown key '{key}' (a job takes {', '.join(JOB_KEYS)}, seed, and config "
                            f"sections as tables such as [job.split])")
    out = table.get("out", name)
    if not problems and not _inside(base, out):
        said = f"out {out!r}" if "out" in table else f"out (its name {out!r})"
        problems.append(f"{where}: {said} leads outside the folder of the jobs file; every job writes below it")
    if problems:
        return None, problems
    return Job(name, tuple(inputs), out, table.get("config"), overrides), []


def _inside(base: Path, out: str) -> bool:
    """Whether ``out`` (taken from ``base``, ``..`` folded, symlinks of the path itself not followed) lies below it."""
    target = Path(os.path.normpath(base / out))
    return base in target.parents


def _clashes(jobs: list[Job]) -> list[str]:
    """Two jobs with one name, or writing into one folder (or one into the other's), would overwrite each other."""
    problems = []
    for key in ("name", "out"):
        seen: dict[str, int] = {}
        for job in jobs:
            value = os.path.normpath(getattr(job, key))
            seen[value] = seen.get(value, 0) + 1
        problems += [f"{seen[v]} jobs share the {key} {v!r}" for v in sorted(seen) if seen[v] > 1]
    outs = sorted({Path(os.path.normpath(job.out)) for job in jobs})
    problems += [f"the out {str(inner)!r} lies inside the out {str(outer)!r}: one run would replace or refuse the "
                 "other's folder" for outer in outs for inner in outs if outer in inner.parents]
    return problems


def run_batch(jobs: list[Job], base: Path, *, parallel: int = 1, overwrite: bool = False,
              on_done: Callable[[JobResult, int], None] | None = None) -> list[JobResult]:
    """Run every job (``parallel`` at a time), each from ``base``; results in job order, whatever their exit codes."""
    done = 0

    def run_one(job: Job) -> JobResult:
        nonlocal done
        result = run_job(job, base, overwrite=overwrite)
        done += 1
        if on_done:
            on_done(result, done)
        return result

    with ThreadPoolExecutor(max_workers=parallel) as pool:  # threads only wait: each job is its own process
        return list(pool.map(run_one, jobs))


def run_job(job: Job, base: Path, *, overwrite: bool = False) -> JobResult:
    """One ``ftprep run`` in a child process, from ``base``; never raises for what happens inside the job."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ftprep-job-") as tmp:
        try:
            config = _job_config(job, base, Path(tmp))
        except ConfigError as exc:
            return JobResult(job, 2, time.monotonic() - started, error=str(exc))
        command = [sys.executable, "-m", "pipeline", "run", *job.inputs, "--out", job.out, "--quiet"]
        command += ["--config", str(config)] if config else []
        command += ["--overwrite"] if overwrite else []
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (_package_root(), os.environ.get("PYTHONPATH"))))}
        try:
            done = subprocess.run(command, cwd=base, env=env, capture_output=True, text=True, errors="replace",
                                  stdin=subprocess.DEVNULL, check=False)
        except OSError as exc:
            return JobResult(job, 2, time.monotonic() - started, error=f"could not start the job: {exc}")
        seconds = time.monotonic() - started
        code = done.returncode if done.returncode >= 0 else 3  # killed by a signal: it did not finish
        error = "" if code in (0, 1) else _last_lines(done.stderr)
        if config is not None and job.overrides:  # the merged file is temporary: name what the user wrote instead
            error = error.replace(str(config), f"the config of job {job.name!r}")
    if done.returncode < 0:
        error = f"killed by signal {-done.returncode}" + (f": {error}" if error else "")
    result = JobResult(job, code, seconds, error=error)
    if code in (0, 1):
        out = base / job.out
        try:
            result.report = read_json(out / "report.json", "the run wrote no report")
            manifest = read_json(out / "manifest.json", "the run wrote no manifest")
        except Exception as exc:  # noqa: BLE001 - a run that exits 0/1 without its report is recorded, not raised
            return JobResult(job, 3, seconds, error=f"{type(exc).__name__}: {exc}")
        result.fail_on = ((manifest.get("config") or {}).get("readiness") or {}).get("fail_on", "fail")
    return result


def _job_config(job: Job, base: Path, tmp: Path) -> Path | None:
    """The config file the job runs with: its own, or (with inline sections) that file with the sections laid over."""
    if not job.overrides:
        return base / job.config if job.config else None
    data: dict[str, Any] = {}
    if job.config:
        try:
            data = tomllib.loads((base / job.config).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{base / job.config}: cannot read the job's config: {exc}") from None
    for key, value in job.overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    path = tmp / "config.toml"
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


def _package_root() -> str:
    """The folder holding the ``pipeline`` package, so the child runs the same code as this process."""
    return str(Path(pipeline.__file__).resolve().parent.parent)


def _last_lines(text: str, most: int = 3) -> str:
    """The last lines of a job's stderr (its error line), without the ``error: `` the CLI puts before it."""
    lines = [line.removeprefix("error: ") for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-most:])


def batch_exit_code(results: list[JobResult]) -> int:
    """2 if a job could not run (its exit code was 2, 3 or it was killed), else 1 if a dataset is not ready, else 0."""
    if any(r.exit_code not in (0, 1) for r in results):
        return 2
    return 1 if any(r.exit_code == 1 for r in results) else 0
