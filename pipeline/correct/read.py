"""Reading a corrections file: a reviewer's decision per record, from the formats reviewers already use.

Accepted (picked by the file's extension, then by its content):

- CSV or TSV with a header: ``id``, ``action`` and, for ``relabel``, ``label``; ``review.csv`` as ftprep wrote it,
  edited in a spreadsheet, is one (its rows without an action are not reviewed yet and are skipped);
- JSON Lines, or a JSON array, of objects with the same keys;
- a Label Studio JSON export of the tasks in ``review_label_studio.json``: each task's last annotation that was
  not cancelled decides (its ``label`` choice equal to the given label: ``keep``; another label: ``relabel``; an
  ``action`` choice ``drop``: ``drop``); tasks nobody annotated are skipped.

Every other column or key (``note``, ``reviewer``) is kept with the correction and shown in the report. A file
with problems is one :class:`~pipeline.core.errors.InputError` (exit 2) listing them all, each with its row.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.errors import InputError

ACTIONS = ("relabel", "drop", "keep")
REVIEW_COLUMNS = ("finding", "id", "given_label", "suggested_label", "confidence", "label_quality", "cluster",
                  "cluster_size", "cluster_labels", "text", "action", "label", "note")
"""review.csv's columns, in order; the reviewer fills ``action``, ``label`` and ``note``."""
_WRITTEN = frozenset(REVIEW_COLUMNS) - {"note"}  # what ftprep wrote itself: not a reviewer's extra, not reported
_SHOWN = 5  # problems named in the error before "and N more"


@dataclass(frozen=True)
class Correction:
    """One reviewer decision.

    Args:
        row: where it is in the file: the line (CSV counts the header as line 1, JSON Lines one line per
            object) or, in a JSON array or Label Studio export, the 1-based position of the object.
        extra: the file's other columns or keys (``note``, ``reviewer``), as text.
    """

    id: str
    action: str
    label: str | None
    row: int
    extra: dict[str, str] = field(default_factory=dict)


def read_corrections(path: str | Path) -> list[Correction]:
    """Every decision in the corrections file at ``path``, in file order; an InputError naming every problem."""
    text = _read_text(Path(path))
    suffix = Path(path).suffix.lower()
    if suffix == ".jsonl" or suffix == ".ndjson":
        items = _jsonl_items(text, str(path))
    elif suffix == ".json":
        items = _json_items(text, str(path))
    else:
        items = _csv_items(text, str(path), "\t" if suffix == ".tsv" else ",")
    corrections, problems = [], []
    for row, item in items:
        found = _correction(item, row)
        if isinstance(found, str):
            problems.append((row, found))
        elif found is not None:
            corrections.append(found)
    raise_problems(str(path), problems)
    return corrections


def raise_problems(path: str, problems: list[tuple[int, str]]) -> None:
    """One InputError for every ``(row, problem)``: ``path:row: problem`` alone, else ``path: N problems: ...``."""
    if not problems:
        return
    if len(problems) == 1:
        row, problem = problems[0]
        raise InputError(problem, path=path, row=row)
    shown = "; ".join(f"row {row}: {problem}" for row, problem in problems[:_SHOWN])
    more = f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    raise InputError(f"{len(problems)} problems in the corrections: {shown}{more}", path=path)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("corrections file not found", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder: --corrections takes a file", path=str(path)) from None
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's CSV export often starts with a byte order mark
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte {exc.start}); save the corrections as UTF-8", path=str(path)) from None


def _csv_items(text: str, path: str, delimiter: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in ("id", "action") if name not in header]
    if missing:
        got = ", ".join(header) if header else "nothing"
        raise InputError(f"the header lacks the column(s) {', '.join(missing)} (a corrections file needs id, action "
                         f"and, for relabel, label; got {got})", path=path, row=1)
    reader.fieldnames = header
    items = []
    for record in reader:
        if None in record:
            raise InputError(f"{len(header) + len(record[None])} cells, the header has {len(header)}",
                             path=path, row=reader.line_num)
        items.append((reader.line_num, {k: v for k, v in record.items() if v is not None}))
    return items


def _jsonl_items(text: str, path: str) -> list[tuple[int, dict[str, Any]]]:
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=path, row=number) from None
    return items


def _json_items(text: str, path: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, row=exc.lineno) from None
    if not isinstance(data, list):
        raise InputError("expected a JSON array of corrections (or a Label Studio export)", path=path)
    items = list(enumerate(data, 1))
    if any(isinstance(item, dict) and isinstance(item.get("data"), dict) for _, item in items):
        return [(n, _label_studio_item(item)) for n, item in items]
    return items


def _label_studio_item(task: Any) -> dict[str, Any]:
    """A Label Studio task (export format) as a plain correction; ``{}`` when no annotation decides it."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        return {"_problem": "not a Label Studio task (an object with data)"}
    data = task["data"]
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return {}
    annotation = done[-1]
    choices, note = {}, None
    for result in annotation.get("result") or []:
        value = result.get("value") or {} if isinstance(result, dict) else {}
        if value.get("choices"):
            choices[result.get("from_name", "label")] = value["choices"][0]
        elif value.get("text"):
            note = " ".join(value["text"]) if isinstance(value["text"], list) else str(value["text"])
    item: dict[str, Any] = {"id": data.get("ftprep_id", data.get("id"))}
    if choices.get("action") == "drop":
        item["action"] = "drop"
    elif "label" in choices:
        item["action"] = "keep" if choices["label"] == data.get("given_label") else "relabel"
        item["label"] = choices["label"]
    else:
        return {"_problem": "its annotation has neither a label choice nor action drop"}
    if note:
        item["note"] = note
    reviewer = annotation.get("completed_by")
    if isinstance(reviewer, dict):
        reviewer = reviewer.get("email") or reviewer.get("id")
    if reviewer is not None:
        item["reviewer"] = str(reviewer)
    return item


def _correction(item: Any, row: int) -> Correction | str | None:
    """The decision in one row, a problem sentence, or None for a row that decides nothing (no action yet)."""
    if not isinstance(item, dict):
        return f"expected an object with id and action, got {type(item).__name__}"
    if "_problem" in item:
        return item["_problem"]
    if not item or not _text(item.get("action")):
        return None
    ident, action, label = _text(item.get("id")), _text(item.get("action")).lower(), _text(item.get("label"))
    if not ident:
        return "no id"
    if action not in ACTIONS:
        return f"action {item['action']!r} is not one of {', '.join(ACTIONS)}"
    if action == "relabel" and not label:
        return f"relabel of {ident} without a label (the new label goes in the label column)"
    extra = {k: _text(v) for k, v in item.items()
             if k not in ("id", "action", "label") and k not in _WRITTEN and _text(v)}
    return Correction(ident, action, label if action == "relabel" else None, row, dict(sorted(extra.items())))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value).strip()
