"""The drift stage: read the accepted baseline run and measure what needs this run's records.

The baseline is an earlier run's output folder (``report.json`` and ``train.jsonl``, verified against its
``manifest.json`` when it has one) or a bare ``report.json``. The stage stores the baseline's figures in the report
(``drift.before``) and measures the one comparison that needs the data: which of this run's val/test records were
in the baseline's train split, by id and by content (text folded for case and whitespace, as exact duplicates are).
A model evaluated on examples its predecessor trained on makes the comparison of the two dishonest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset

from pipeline.core.errors import InputError
from pipeline.core.records import (Task, column, content_text, content_texts, exact_key, rejections_to_dataset,
                                   task_of)
from pipeline.core.stage import RunContext, StageResult
from pipeline.gate.config import DriftConfig
from pipeline.gate.drift import changes, figures
from pipeline.gate.recheck import read_json, verified_manifest

MAX_EXAMPLES = 10
SNIPPET_CHARS = 80


@dataclass(frozen=True)
class Baseline:
    """An accepted run to compare with: its report, and its train split when the folder was given."""

    path: Path
    report: dict[str, Any]
    train: Path | None
    no_train: str = ""

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path), "train": str(self.train) if self.train else None,
                "ftprep_version": self.report.get("ftprep_version"), "verdict": self.report.get("verdict"),
                "task": self.report.get("task")}


def load_baseline(path: str) -> Baseline:
    """The baseline at ``path`` (an output folder or a report.json); an InputError (exit 2) if it cannot be used."""
    given = Path(path)
    if given.is_dir():
        has_manifest = (given / "manifest.json").is_file()
        train = given / "train.jsonl"
        if has_manifest:  # an accepted run whose files changed since is no longer the accepted run
            verified_manifest(given, tuple(n for n in ("report.json", "train.jsonl") if (given / n).exists()))
        report = _report(given / "report.json")
        if train.is_file():
            return Baseline(given, report, train)
        return Baseline(given, report, None, f"the baseline folder {given} has no train.jsonl")
    if not given.exists():
        raise InputError("baseline not found: give an earlier run's output folder or its report.json", path=path)
    return Baseline(given, _report(given), None,
                    "the baseline is a bare report.json: give its output folder (with train.jsonl) to compare "
                    "this run's val/test with the baseline's train by id and content")


def check_baseline(cfg: DriftConfig, task: str = "auto") -> None:
    """Fail before any stage runs when the configured baseline cannot be used (or, with a ``task`` given, holds
    another task)."""
    if cfg.baseline is not None:
        baseline = load_baseline(cfg.baseline)
        if task != "auto":
            check_same_task(baseline, task)


def check_same_task(baseline: Baseline, task: str) -> None:
    """Refuse (exit 2) a baseline of another task: labels, tokens and overlap of a chat run say nothing about a
    classification run's drift, and each check would pass or skip without saying so."""
    found = baseline.report.get("task")
    if found is not None and found != task:
        raise InputError(f"the baseline is a {found} run and this run is {task}: drift is measured between runs "
                         "of one task; give a baseline of this data's task", path=str(baseline.path))


def measure_drift(records: Dataset, cfg: DriftConfig, ctx: RunContext) -> StageResult:
    """The drift stage: the ``drift`` report section (nothing without a baseline); records pass through unchanged."""
    unchanged = StageResult(kept=records, rejected=rejections_to_dataset([]))
    if cfg.baseline is None:
        return unchanged
    baseline = load_baseline(cfg.baseline)
    if len(records):
        check_same_task(baseline, task_of(records).value)
    unchanged.sections["drift"] = {
        "baseline": baseline.describe(),
        "before": figures(baseline.report),
        "eval_overlap": eval_overlap(records, baseline),
    }
    return unchanged


def eval_overlap(records: Dataset, baseline: Baseline) -> dict[str, Any]:
    """This run's val/test records that were in the baseline's train split, by id and by folded content."""
    if baseline.train is None:
        return {"skipped": baseline.no_train}
    train_ids, train_keys = _train_keys(baseline.train, Task(baseline.report.get("task") or "classification"))
    ids, splits = column(records, "id"), column(records, "split")
    texts = content_texts(records) if len(records) else []
    found = {"val": 0, "test": 0, "records": 0, "by_id": 0, "by_content": 0, "baseline_train": len(train_ids),
             "examples": []}
    for rid, split, text in zip(ids, splits, texts):
        if split == "train":
            continue
        by_id, by_content = rid in train_ids, exact_key(text) in train_keys
        if not (by_id or by_content):
            continue
        found[split] += 1
        found["records"] += 1
        found["by_id"] += by_id
        found["by_content"] += by_content
        if len(found["examples"]) < MAX_EXAMPLES:
            how = "id and content" if by_id and by_content else "id" if by_id else "content"
            found["examples"].append({"id": rid, "split": split, "matched_by": how, "text": text[:SNIPPET_CHARS]})
    return found


def _train_keys(path: Path, task: Task) -> tuple[set[str], set[str]]:
    """The ids and folded-content keys of the baseline's train records, read line by line."""
    ids, keys = set(), set()
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                row = json.loads(line)
                ids.add(row["id"])
                keys.add(exact_key(content_text(row, task)))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(f"not a train.jsonl written by ftprep ({type(exc).__name__}: {exc})",
                                 path=str(path), row=number) from None
    return ids, keys


def _report(path: Path) -> dict[str, Any]:
    report = read_json(path, "the baseline needs the report.json of an earlier run")
    if not isinstance(report, dict) or "counts" not in report:
        raise InputError("not a report.json written by ftprep (no counts)", path=str(path))
    try:  # every comparison the drift checks make, on the baseline's own figures: a report of another shape fails now
        changes(figures(report), figures(report), None)
        if not isinstance(report.get("task") or "", str):
            raise TypeError(f"task is {type(report['task']).__name__}")
    except (AttributeError, TypeError, KeyError, ValueError, IndexError, ZeroDivisionError) as exc:
        found = report.get("ftprep_version") or "unknown"
        raise InputError(f"not a report this ftprep can compare with ({type(exc).__name__}: {str(exc)[:200]}; "
                         f"written by ftprep {found}): give a baseline written by this version, or re-run it",
                         path=str(path)) from None
    return report
