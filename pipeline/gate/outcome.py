"""The machine summary that ``run``, ``check`` and ``batch`` print with ``--json``: one JSON object on stdout.

Scripts read it instead of parsing the human summary: the verdict, the exit code and what it means, the counts,
the names of the failed and warned checks, and where the outputs are. A config or input error (exit 2) is a JSON
object too, with ``exit_code`` and ``error``; only a usage error (a bad flag, found before the command starts)
prints nothing on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from pipeline.core.errors import FtprepError

EXIT_MEANINGS = {
    0: "the data passes the gate",
    1: "the gate failed: the data is not ready (or has warnings and fail_on is warn)",
    2: "a usage, config or input error",
    3: "an internal error in ftprep",
}


def run_outcome(report: dict[str, Any], passed: bool, fail_on: str, out_dir: Path) -> dict[str, Any]:
    """The summary of a judged run (``ftprep run``, or ``ftprep check`` on its folder)."""
    counts = report["counts"]
    exit_code = 0 if passed else 1
    return {
        "verdict": report["verdict"],
        "exit_code": exit_code,
        "exit_meaning": EXIT_MEANINGS[exit_code],
        "fail_on": fail_on,
        "counts": {"input": counts["input"], "kept": counts["kept"], "rejected": sum(counts["rejected"].values()),
                   **counts["splits"]},
        "failed_checks": [c["name"] for c in report["checks"] if c["status"] == "fail"],
        "warned_checks": [c["name"] for c in report["checks"] if c["status"] == "warn"],
        "out_dir": str(out_dir),
    }


def check_outcome(result: Any, out_dir: Path) -> dict[str, Any]:
    """The summary of ``ftprep check``: a run's summary judged again, with the verdict the run itself gave."""
    return {**run_outcome(result.report, result.passed, result.fail_on, out_dir), "verdict_at_run": result.verdict_before}


def batch_outcome(summary: dict[str, Any], target: Path) -> dict[str, Any]:
    """The summary of ``ftprep batch``: its exit code and one row per dataset (as in ``summary.json``)."""
    return {"exit_code": summary["exit_code"], "exit_meaning": EXIT_MEANINGS[summary["exit_code"]],
            "summary_dir": str(target), "datasets": summary["datasets"]}


def echo_json(outcome: dict[str, Any]) -> None:
    click.echo(json.dumps(outcome, ensure_ascii=False, indent=2))


@contextmanager
def json_errors(enabled: bool) -> Iterator[None]:
    """With ``--json``: an ftprep error also prints ``{"exit_code": 2, "error": ...}`` on stdout, then goes on to
    the CLI (which prints its line on stderr and exits)."""
    try:
        yield
    except FtprepError as exc:
        if enabled:
            echo_json({"exit_code": exc.exit_code, "exit_meaning": EXIT_MEANINGS.get(exc.exit_code, ""),
                       "error": str(exc)})
        raise
