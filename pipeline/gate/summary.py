"""The summary of a batch: ``summary.json`` for scripts, ``summary.md`` for people, ``summary.xml`` (JUnit, one
suite per dataset) for CI. One row per dataset: its verdict, kept and rejected rows, failing checks and time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.core.errors import OutputError
from pipeline.core.markdown import inert_markdown, table_cell
from pipeline.core.output import write_json, write_text
from pipeline.gate.batch import JobResult, batch_exit_code
from pipeline.gate.junit import error_suite, junit_document, report_suite, unwritable

SUMMARY_FILES = ("summary.md", "summary.json", "summary.xml")


def summary_row(result: JobResult) -> dict[str, Any]:
    """One dataset's row: ``status`` is ``ready``/``ready_with_warnings``/``not_ready`` (the verdict), or ``error``."""
    report = result.report or {}
    counts = report.get("counts") or {}
    checks = report.get("checks") or []
    failing = {"fail", "warn"} if result.fail_on == "warn" else {"fail"}
    return {
        "name": result.job.name,
        "out": result.job.out,
        "exit_code": result.exit_code,
        "status": report.get("verdict") if result.report else "error",
        "gate": "error" if not result.report else "passed" if result.exit_code == 0 else "failed",
        "input": counts.get("input"),
        "kept": counts.get("kept"),
        "rejected": sum((counts.get("rejected") or {}).values()) if counts else None,
        "failing_checks": [c["name"] for c in checks if c["status"] in failing],
        "warnings": [c["name"] for c in checks if c["status"] == "warn" and "warn" not in failing],
        "seconds": round(result.seconds, 1),
        "error": printable(result.error),
    }


def printable(text: str) -> str:
    """``text`` without control characters (a job's stderr may hold colour escapes or a BEL): each becomes U+FFFD."""
    return text if text.isprintable() else "".join(c if c.isprintable() else "\ufffd" for c in text)


def check_summary_folder(out_dir: Path) -> None:
    """Refuse (exit 2) before any job runs a summary folder that cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir}: a file, not a folder")
    if (why := unwritable(out_dir)) is not None:
        raise OutputError(f"--out {out_dir}: {why}, so the batch summary cannot be written")


def write_summary(results: list[JobResult], out_dir: Path, jobs_file: Path) -> dict[str, Any]:
    """Write the three summary files into ``out_dir``; returns what ``summary.json`` holds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [summary_row(r) for r in results]
    summary = {"jobs_file": str(jobs_file), "exit_code": batch_exit_code(results), "datasets": rows}
    write_json(out_dir / "summary.json", summary)
    write_text(out_dir / "summary.md", summary_markdown(summary))
    suites = [report_suite(r.report, r.job.name, r.fail_on, seconds=r.seconds) if r.report
              else error_suite(r.job.name, f"exit {r.exit_code}: {r.error or 'no report written'}", seconds=r.seconds)
              for r in results]
    write_text(out_dir / "summary.xml", junit_document(suites, name=f"ftprep batch {jobs_file.name}"))
    return summary


def summary_markdown(summary: dict[str, Any]) -> str:
    rows = summary["datasets"]
    ready = sum(row["gate"] == "passed" for row in rows)
    lines = [f"# ftprep batch: {ready} of {len(rows)} datasets pass the gate", "",
             f"Jobs: `{summary['jobs_file']}`; exit code {summary['exit_code']}.", "",
             "| dataset | verdict | gate | exit | input | kept | rejected | failing checks | warnings | time |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row["name"], row["status"], row["gate"], row["exit_code"], _number(row["input"]), _number(row["kept"]),
                 _number(row["rejected"]), ", ".join(row["failing_checks"]) or "-", ", ".join(row["warnings"]) or "-",
                 f"{row['seconds']:.1f} s"]
        lines.append("| " + " | ".join(table_cell(str(cell)) for cell in cells) + " |")
    errors = [row for row in rows if row["error"]]
    if errors:
        lines += ["", "## Jobs that could not run", ""]
        lines += [f"- **{table_cell(row['name'])}** (exit {row['exit_code']}): {table_cell(row['error'])}" for row in errors]
    lines += ["", "Each dataset's report is `report.md` / `report.html` in its output folder."]
    return inert_markdown("\n".join(lines) + "\n")  # names and errors come from the jobs file: no HTML, no links


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
