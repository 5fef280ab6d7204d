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


def print_run(result: Any, cfg: Any, out_dir: Path, quiet: bool, as_json: bool) -> None:
    """What ``ftprep run`` prints at the end: the machine summary (``--json``) or the human one, and its notes."""
    if as_json:
        echo_json(run_outcome(result.report, result.passed, cfg.readiness.fail_on, out_dir))
    if quiet:
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    docs = (result.report.get("expectations") or {}).get("data_docs") or {}
    if docs.get("missing"):
        why = f" ({docs['error']})" if docs.get("error") else ""
        click.echo(f"warning: Data Docs could not be built for suite(s) {', '.join(docs['missing'])}{why}; "
                   "report.json expectations.data_docs lists them", err=True)
    if not as_json:
        click.echo(run_summary(result.report, out_dir))


def run_summary(report: dict[str, Any], out_dir: Path) -> str:
    counts = report["counts"]
    splits = counts["splits"]
    rejected = sum(counts["rejected"].values())
    lines = [
        f"verdict: {report['verdict']}",
        f"kept {counts['kept']:,} of {counts['input']:,} rows: train {splits['train']:,}, val {splits['val']:,}, test {splits['test']:,}",
    ]
    if rejected:
        top = sorted(counts["rejected"].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        lines.append(f"rejected {rejected:,}: " + ", ".join(f"{reason} {n:,}" for reason, n in top))
    for check in report["checks"]:
        if check["status"] in ("warn", "fail"):
            lines.append(f"{check['status']}: {check['name']}: {check['message']}")
    from pipeline.correct.command import summary_notes  # the corrections applied, the review files
    corrections, review = summary_notes(report)
    suspects = (", suspect_labels.jsonl" if report.get("label_noise") else "") + review
    lines += corrections
    lines.append(f"outputs in {out_dir}/: train/val/test.jsonl, rejected.jsonl{suspects}, report.json, report.md, report.html, manifest.json")
    return "\n".join(lines)
