"""The correct stage: a reviewer's decisions applied right after ingest, so every later stage sees the corrected data.

``relabel`` sets a record's label, ``drop`` rejects it (reason ``corrected``, with the reviewer's note), ``keep``
records that its given label was checked and is right. Relabelled and kept records are *reviewed*: label noise no
longer counts them as suspects (:func:`pipeline.correct.outcome.settle_label_noise`). Without a corrections file
the stage passes the records on untouched and publishes nothing.

A corrections file that names an id no record has, names an id twice, or relabels to a label the data does not
have is one InputError (exit 2) listing every such row: a half-applied review would be worse than none.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
from datasets import Dataset, DatasetInfo, Features, Value

from pipeline.core.output import file_digest
from pipeline.core.records import (DETAIL_COLUMN, INFO_COLUMN, REJECT_COLUMN, Task, column, partition,
                                   rejections_to_dataset, task_of)
from pipeline.core.stage import RunContext, StageResult
from pipeline.correct.config import CorrectionsConfig
from pipeline.correct.read import Correction, raise_problems, read_corrections

CORRECTED = "corrected"
"""The reject reason of a record a reviewer dropped."""


def correct(records: Dataset, cfg: CorrectionsConfig, ctx: RunContext) -> StageResult:
    """Apply ``cfg.file``'s decisions to ``records``; the ``corrections`` report section says what changed."""
    if cfg.file is None:
        return StageResult(kept=records, rejected=rejections_to_dataset([]))
    corrections = read_corrections(cfg.file)
    task = task_of(records)
    ids = column(records, "id")
    labels = column(records, "label") if task is Task.CLASSIFICATION else None
    check_corrections(cfg.file, corrections, ids, labels, task)
    by_id = {c.id: c for c in corrections}
    new_labels = [by_id[i].label if i in by_id and by_id[i].action == "relabel" else label
                  for i, label in zip(ids, labels)] if labels is not None else None
    section = corrections_section(cfg.file, corrections, dict(zip(ids, labels or [])))
    marked = _marked(records, [by_id.get(i) for i in ids], new_labels, Path(cfg.file).name, section["sha256"])
    kept, rejected = partition(marked, "correct")
    return StageResult(kept=kept, rejected=rejected, sections={"corrections": section})


def check_corrections(path: str, corrections: list[Correction], ids: list[str], labels: list[str] | None,
                      task: Task) -> None:
    """Every correction names a record once, and every relabel a label the data has (classification only)."""
    known, label_set = set(ids), set(labels or ())
    first: dict[str, int] = {}
    problems = []
    for c in corrections:
        if c.id in first:
            problems.append((c.row, f"id {c.id!r} is given twice (first at row {first[c.id]})"))
            continue
        first[c.id] = c.row
        if c.id not in known:
            problems.append((c.row, f"unknown id {c.id!r}: no record of the {len(ids):,} ingest read has it"))
        elif c.action == "relabel" and labels is None:
            problems.append((c.row, f"relabel of {c.id!r}: {task.value} records have no label (use drop or keep)"))
        elif c.action == "relabel" and c.label not in label_set:
            close = difflib.get_close_matches(c.label or "", sorted(label_set), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append((c.row, f"label {c.label!r} is not one of the data's {len(label_set)} labels{hint}"))
    raise_problems(path, problems)


def corrections_section(path: str, corrections: list[Correction], given: dict[str, str]) -> dict[str, Any]:
    """The ``corrections`` report section: the file, the counts by action and by label, and every decision."""
    counts = Counter(c.action for c in corrections)
    by_label: dict[str, Counter] = {}
    rows = []
    for c in corrections:
        before = given.get(c.id)
        if before is not None:
            by_label.setdefault(before, Counter())[{"relabel": "relabelled_from", "drop": "dropped",
                                                    "keep": "confirmed"}[c.action]] += 1
        if c.action == "relabel":
            by_label.setdefault(c.label, Counter())["relabelled_to"] += 1
        row = {"id": c.id, "action": c.action, "row": c.row}
        if before is not None:
            row["given_label"] = before
        if c.label is not None:
            row["label"] = c.label
        rows.append({**row, **c.extra})
    return {
        "file": str(path),
        "sha256": file_digest(Path(path)),
        "decisions": len(corrections),
        "relabelled": counts["relabel"],
        "dropped": counts["drop"],
        "confirmed": counts["keep"],
        "by_label": {label: dict(sorted(n.items())) for label, n in sorted(by_label.items())},
        "records": rows,
    }


def reviewed_ids(section: dict[str, Any] | None) -> set[str]:
    """The records a reviewer relabelled or confirmed: their label is a human's decision, not a suspect."""
    return {r["id"] for r in (section or {}).get("records", []) if r["action"] in ("relabel", "keep")}


def _marked(records: Dataset, decisions: list[Correction | None], labels: list[str] | None, name: str,
            digest: str) -> Dataset:
    """``records`` with the new labels and the ``_reject`` marks :func:`partition` splits on."""
    table = records.with_format("arrow")[:]
    if labels is not None:
        table = table.set_column(table.schema.get_field_index("label"), "label", pa.array(labels, pa.string()))
    drop = [d if d is not None and d.action == "drop" else None for d in decisions]
    reasons = [CORRECTED if d else None for d in drop]
    details = [f"dropped by a reviewer ({name}, row {d.row})" + (f": {d.extra['note']}" if d.extra.get("note") else "")
               if d else None for d in drop]
    infos = [json.dumps({"correction": {"row": d.row, **d.extra}}, ensure_ascii=False, sort_keys=True) if d else None
             for d in drop]
    for name_, values in ((REJECT_COLUMN, reasons), (DETAIL_COLUMN, details), (INFO_COLUMN, infos)):
        table = table.append_column(name_, pa.array(values, pa.string()))
    features = Features({**records.features, REJECT_COLUMN: Value("string"), DETAIL_COLUMN: Value("string"),
                         INFO_COLUMN: Value("string")})
    fingerprint = hashlib.sha1(f"{records._fingerprint}|correct|{digest}".encode()).hexdigest()
    return Dataset(table, info=DatasetInfo(features=features), fingerprint=fingerprint)
