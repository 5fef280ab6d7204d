"""The one place that assembles ``report.json``: from the sections the stages published, the run's accounting and
the readiness checks.

``report.json`` keys are a contract: stages add sections, nothing is renamed. ``report.schema.json`` (beside this
module, shipped in the package) is its JSON Schema, strict on the envelope and open on the sections. The order of its keys is fixed here
(the run's identity and counts first, then every stage section in the order the stages ran), so the same run
always writes the same bytes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from datasets import Dataset

from pipeline import __version__
from pipeline.core.records import SPLITS, column
from pipeline.ingest.stage import shown_path
from pipeline.readiness.check import Check, verdict_from
from pipeline.readiness.next_steps import next_steps

SCHEMA_VERSION = "1.0"
"""The version of ``report.schema.json`` (beside this module) that reports follow: MAJOR when a key is removed or
changes meaning, MINOR when one is added to the envelope (verdict, counts, checks). docs/report.md lists each."""
SCHEMA = Path(__file__).with_name("report.schema.json")

# Sections the assembler places itself (at the head of the report), not in the order of the stages.
_PLACED = ("input", "split", "labels")


def assemble_report(sections: dict[str, Any], records: Dataset, rejected: Dataset,
                    timings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything ``report.json`` says except the verdict and the checks (see :func:`judged_report`).

    Args:
        sections: the stages' sections by report key, in the order the stages ran (``input`` from ingest).
        records: the kept records, with their ``split``.
        rejected: every rejected row of every stage.
        timings: the seconds and rows/s of every stage (``ftprep run --timings``), placed last; ``None``: no key.
    """
    read = sections["input"]
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "ftprep_version": __version__,
        "verdict": None,
        "task": read["task"],
        "field_mapping": read["field_mapping"],
        "counts": _counts(read, records, rejected),
        "split": sections["split"],
        "checks": [],
        "next_steps": [],
    }
    if "labels" in sections:
        report["labels"] = sections["labels"]
    report.update({key: value for key, value in sections.items() if key not in _PLACED})
    if timings is not None:
        report["timings"] = timings
    return report


def judged_report(report: dict[str, Any], checks: list[Check], passed: bool) -> dict[str, Any]:
    """The report with its checks, verdict and cause-first next steps, and whether the dedup index was committed
    (only if the gate passed)."""
    as_dicts = [c.as_dict() for c in checks]
    judged = {**report, "checks": as_dicts, "verdict": verdict_from(checks), "next_steps": next_steps(as_dicts)}
    index = (report.get("duplicates") or {}).get("index")
    if index is not None:
        judged["duplicates"] = {**report["duplicates"], "index": {**index, "committed": passed}}
    return judged


def _counts(read: dict[str, Any], records: Dataset, rejected: Dataset) -> dict[str, Any]:
    splits = Counter(column(records, "split"))
    return {
        "input": read["rows_read"],
        "kept": len(records),
        "rejected": dict(sorted(Counter(column(rejected, "reason")).items())),
        "splits": {name: splits.get(name, 0) for name in SPLITS},
        "per_file": _per_file(read["files"], records, rejected),
    }


def _per_file(files: list[dict[str, Any]], records: Dataset, rejected: Dataset) -> dict[str, dict[str, int]]:
    """Rows read and where they went, per input file: the accounting invariant made visible."""
    kept = Counter(zip(column(records, "source_file"), column(records, "split")))
    dropped = Counter(column(rejected, "source_file"))
    per_file = {}
    for entry in files:
        path = entry["path"]
        shown = shown_path(path)  # how the records name it (a secret in its name replaced)
        per_file[path] = {"input": entry["rows"], **{s: kept.get((shown, s), 0) for s in SPLITS},
                          "rejected": dropped.get(shown, 0)}
        if entry.get("lines") is not None:  # physical lines of a line-based file: a runaway quote shows here
            per_file[path]["lines"] = entry["lines"]
    return per_file
