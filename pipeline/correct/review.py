"""The review files: every finding a person can decide row by row, for the tools people relabel with.

A review row is generic: ``finding`` (what was found: ``label_noise``, ``label_conflict``; later checks add their
own), ``id`` (the record), and the evidence for that finding (the given label, the baseline's suggestion and its
confidence, the cluster). Rows are built from what a run wrote (``report.json`` and ``rejected.jsonl``), so
``ftprep review OUT_DIR`` writes the same files for a finished run without running it again.

Files (written only when there is something to review):

- ``review.csv``: one row per record, most worth a look first, with empty ``action``, ``label`` and ``note``
  columns for a spreadsheet; the edited file goes back in with ``--corrections``;
- ``review_label_studio.json``: Label Studio tasks (``data`` with the text, the given label and the id;
  ftprep's suggestion as a ``prediction`` with its ``score``), and ``review_label_studio.xml``, the labeling
  config those tasks need; Label Studio's JSON export goes back in with ``--corrections``;
- ``review_argilla.jsonl``: one record per line for Argilla's ``Dataset.records.log`` (the suggestion under the
  question's name ``label``, its score and agent as ``score`` and ``agent``: pass the mapping in docs).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from pipeline import __version__
from pipeline.core.output import write_jsonl, write_text
from pipeline.correct.read import REVIEW_COLUMNS

REVIEW_FILES = ("review.csv", "review_label_studio.json", "review_label_studio.xml", "review_argilla.jsonl")
LABEL_CONFLICT = "label_conflict"
AGENT = f"ftprep {__version__} baseline (TF-IDF + logistic regression, out-of-fold)"


def review_rows(report: dict[str, Any], rejected: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every review row of a run, most worth a look first: label-noise suspects (the baseline's most confident
    suggestion first: each is a wrong label that is being trained on), then label conflicts, largest cluster first
    (dedup's default policy keeps none of a conflicting cluster, so fixing one wins back a record, not a label)."""
    suspects = (report.get("label_noise") or {}).get("suspects") or []
    ranked = sorted(suspects, key=lambda s: (-s.get("confidence", 0.0), s["label_quality"]))
    rows = [{"finding": "label_noise", "id": s["id"], "given_label": s["given_label"],
              "suggested_label": s.get("suggested_label"), "confidence": s.get("confidence"),
              "label_quality": s["label_quality"], "cluster": None, "cluster_size": 1, "cluster_labels": None,
              "text": s["text"]} for s in ranked]
    return rows + _conflict_rows(report.get("field_mapping") or {}, rejected)


def _conflict_rows(mapping: dict[str, Any], rejected: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records dedup rejected as label conflicts, grouped by cluster, each cluster whole."""
    clusters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in rejected:
        if line.get("reason") == LABEL_CONFLICT and not line.get("in_index"):
            clusters[line.get("cluster") or line.get("detail") or ""].append(line)
    rows = []
    for cluster, members in sorted(clusters.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        labels = members[0].get("labels") or {}
        shown = ", ".join(f"{k} x{v}" for k, v in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))
        for line in members:
            raw = line.get("raw") if isinstance(line.get("raw"), dict) else {}
            rows.append({"finding": LABEL_CONFLICT, "id": line.get("id"),
                         "given_label": line.get("label", raw.get(mapping.get("label", "label"))),
                         "suggested_label": line.get("kept_label"), "confidence": None, "label_quality": None,
                         "cluster": cluster, "cluster_size": len(members), "cluster_labels": shown,
                         "text": str(raw.get(mapping.get("text", "text"), ""))})
    return rows


def write_review_files(out_dir: Path, rows: list[dict[str, Any]]) -> dict[str, int | None]:
    """The review files for ``rows`` into ``out_dir`` (none when there is nothing to review); rows by file name."""
    if not rows:
        return {}
    write_text(out_dir / "review.csv", review_csv(rows))
    tasks = label_studio_tasks(rows)
    write_text(out_dir / "review_label_studio.json", json.dumps(tasks, ensure_ascii=False, indent=2) + "\n")
    write_text(out_dir / "review_label_studio.xml", label_studio_config(rows))
    written = write_jsonl(out_dir / "review_argilla.jsonl", argilla_records(rows))
    return {"review.csv": len(rows), "review_label_studio.json": len(tasks), "review_label_studio.xml": None,
            "review_argilla.jsonl": written}


def review_csv(rows: list[dict[str, Any]]) -> str:
    """``review.csv``: the review columns, the reviewer's (``action``, ``label``, ``note``) left empty."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(REVIEW_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row.get(name) is None else row[name] for name in REVIEW_COLUMNS})
    return buffer.getvalue()


def label_studio_tasks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio's task import format: ``data`` (text, given label, id, finding, cluster) and, where ftprep
    suggests another label, one prediction whose result chooses it (``from_name`` label, ``to_name`` text)."""
    tasks = []
    for row in rows:
        data = {"text": row["text"], "given_label": row["given_label"], "ftprep_id": row["id"],
                "finding": row["finding"]}
        if row["cluster"] is not None:
            data.update(cluster=row["cluster"], cluster_size=row["cluster_size"], cluster_labels=row["cluster_labels"])
        task: dict[str, Any] = {"data": data}
        if row.get("suggested_label") is not None:
            prediction: dict[str, Any] = {"model_version": AGENT, "result": [{
                "from_name": "label", "to_name": "text", "type": "choices",
                "value": {"choices": [row["suggested_label"]]}}]}
            if row.get("confidence") is not None:
                prediction["score"] = row["confidence"]
            task["predictions"] = [prediction]
        tasks.append(task)
    return tasks


def label_studio_config(rows: list[dict[str, Any]]) -> str:
    """The labeling config the tasks need: the text, a ``label`` choice of every label the rows name, an
    ``action`` choice to drop a record and a ``note``."""
    labels = sorted({r[k] for r in rows for k in ("given_label", "suggested_label") if r.get(k) is not None})
    choices = "\n".join(f"    <Choice value={quoteattr(label)}/>" for label in labels)
    return ("<View>\n"
            '  <Header value="$finding: given label $given_label"/>\n'
            '  <Text name="text" value="$text"/>\n'
            '  <Choices name="label" toName="text" choice="single" showInline="false">\n'
            f"{choices}\n"
            "  </Choices>\n"
            '  <Choices name="action" toName="text" choice="single">\n'
            '    <Choice value="drop"/>\n'
            "  </Choices>\n"
            '  <TextArea name="note" toName="text" maxSubmissions="1"/>\n'
            "</View>\n")


def argilla_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One dict per row for Argilla's ``Dataset.records.log``: ``id``, the ``text`` field, the suggestion under the
    question name ``label`` with ``score`` and ``agent``, and the evidence as metadata-ready keys."""
    records = []
    for row in rows:
        record: dict[str, Any] = {"id": row["id"], "text": row["text"], "given_label": row["given_label"],
                                  "finding": row["finding"]}
        if row.get("suggested_label") is not None:
            record.update(label=row["suggested_label"], agent=AGENT)
            if row.get("confidence") is not None:
                record["score"] = row["confidence"]
        if row["cluster"] is not None:
            record.update(cluster=row["cluster"], cluster_size=row["cluster_size"])
        records.append(record)
    return records


def read_rejected(path: Path) -> list[dict[str, Any]]:
    """The label-conflict lines of a run's ``rejected.jsonl`` (the only rejects a review lists)."""
    if not path.is_file():
        return []
    lines = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if f'"{LABEL_CONFLICT}"' in line:
                lines.append(json.loads(line))
    return lines


def conflict_lines(rejected: Any) -> list[dict[str, Any]]:
    """The label-conflict rejects of a run's rejected rows (a Dataset in the rejection schema), as rejected.jsonl
    lines."""
    import pyarrow.compute as pc
    from datasets import Dataset

    from pipeline.core.output import rejected_records

    if not len(rejected):
        return []
    table = rejected.with_format("arrow")[:]
    conflicts = table.filter(pc.equal(table["reason"], LABEL_CONFLICT))
    return list(rejected_records(Dataset(conflicts))) if conflicts.num_rows else []
