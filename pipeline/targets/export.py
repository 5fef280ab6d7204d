"""Writing ``OUT/export/<target>/``: each target's upload files, inside the run's output transaction (the files are
written into the staging folder that replaces ``--out`` whole at the end, so a killed run never leaves a partial
export).

- ``openai``, ``vertex``, ``bedrock``, ``generic``: ``train.jsonl``, ``val.jsonl``, ``test.jsonl`` (a split with no
  example is not written: a provider refuses an empty file), in record order;
- ``hf``: ``dataset/`` (``DatasetDict.save_to_disk``: ``train``, ``validation``, ``test``) and ``train.parquet``,
  ``validation.parquet``, ``test.parquet``, with ``id`` and the task's fields (a classification ``label`` as a
  ``ClassLabel``, a chat's ``tools`` as a list of objects), and ``README.md``, the dataset card
  (:mod:`pipeline.targets.card`).

Records a target cannot hold are left out of its files (``report.json`` ``targets.<name>.skipped`` says which and
why). Every file is listed in ``manifest.json`` with its sha256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Dataset, DatasetDict, DatasetInfo, Features, Json, List

from pipeline.core.output import write_jsonl, write_text
from pipeline.core.records import SPLITS, Task, quiet_datasets, task_of
from pipeline.targets.card import dataset_card
from pipeline.targets.config import TargetConfig
from pipeline.targets.examples import examples_for, hf_columns

EXPORT_DIR = "export"
HF_SPLITS = {"train": "train", "val": "validation", "test": "test"}  # the Hub's split names


def write_exports(out_dir: Path, cfg: TargetConfig, records: Dataset,
                  report: dict[str, Any] | None = None) -> dict[str, int | None]:
    """Every configured target's files under ``out_dir/export``; returns their paths (relative to ``out_dir``) and
    rows (None for files that are not one example a row). ``report`` (the run's judged report) fills the ``hf``
    dataset card."""
    written: dict[str, int | None] = {}
    if not cfg.targets or not len(records):
        return written
    task = task_of(records)
    for name in cfg.targets:
        folder = out_dir / EXPORT_DIR / name
        if name == "hf":
            hf_records = preference_hf_records(records) if task is Task.PREFERENCE else records
            written.update(_write_hf(out_dir, folder, hf_records, task, report or {}))
            continue
        by_split: dict[str, list[dict]] = {split: [] for split in SPLITS}
        for item in examples_for(records, task, cfg, name):
            if item.example is not None:
                by_split[item.split].append(item.example)
        for split, examples in by_split.items():
            if examples:
                path = folder / f"{split}.jsonl"
                written[_relative(path, out_dir)] = write_jsonl(path, examples)
    return written


def preference_hf_records(records: Dataset) -> Dataset:
    """Preference records as the ``hf`` export holds them: messages of ``role`` and ``content`` only (TRL)."""
    from pipeline.targets.preference import HF_FEATURES, hf_rows

    rows = records.select_columns(["id", "prompt", "chosen", "rejected", "split"]).with_format("arrow")[:].to_pylist()
    columns = {**hf_rows(rows), "split": [r["split"] for r in rows]}
    features = Features({**HF_FEATURES, "split": records.features["split"]})
    fingerprint = hashlib.sha1(f"ftprep-preference-hf|{records._fingerprint}".encode()).hexdigest()
    table = pa.table(columns, schema=features.arrow_schema)
    return Dataset(table, info=DatasetInfo(features=features), fingerprint=fingerprint)


def _write_hf(out_dir: Path, folder: Path, records: Dataset, task: Task, report: dict[str, Any]) -> dict[str, int | None]:
    columns = hf_columns(task)
    table = records.with_format("arrow")[:]
    features = Features({name: records.features[name] for name in columns})
    if task is Task.CLASSIFICATION:
        # ClassLabel: what stratify_by_column and the Hub's label widgets need; names sorted, so ids are stable
        features["label"] = ClassLabel(names=sorted(set(table["label"].to_pylist()) - {None}))
    if "tools" in features:
        features["tools"] = List(Json())  # a list of objects on reading, as chat templates take ``tools``
    parts = {}
    for split, hub_name in HF_SPLITS.items():
        part = table.filter(pc.equal(table["split"], split)).select(columns)
        if part.num_rows:
            part = _hub_columns(part.combine_chunks(), features)
            # a fingerprint of our own: datasets would otherwise draw a random one into state.json
            fingerprint = hashlib.sha1(f"ftprep-export|{hub_name}|{part.num_rows}".encode()).hexdigest()
            parts[hub_name] = Dataset(part, info=DatasetInfo(features=features), fingerprint=fingerprint)
    written: dict[str, int | None] = {}
    if not parts:
        return written
    with quiet_datasets():
        DatasetDict(parts).save_to_disk(str(folder / "dataset"))
        for path in sorted((folder / "dataset").rglob("*")):
            if path.is_file():
                written[_relative(path, out_dir)] = None
        for hub_name, part in parts.items():
            path = folder / f"{hub_name}.parquet"
            part.to_parquet(str(path))  # with the features in its schema metadata: ClassLabel and Json survive
            written[_relative(path, out_dir)] = len(part)
    readme = folder / "README.md"
    write_text(readme, dataset_card(report, task, {name: len(part) for name, part in parts.items()}))
    written[_relative(readme, out_dir)] = None
    return written


def _hub_columns(part: pa.Table, features: Features) -> pa.Table:
    """The label as class ids and the tools as a list of JSON objects, as ``features`` declares them."""
    if isinstance(features.get("label"), ClassLabel):
        ids = [None if v is None else features["label"].str2int(v) for v in part["label"].to_pylist()]
        part = part.set_column(part.schema.get_field_index("label"), "label", pa.array(ids, pa.int64()))
    if "tools" in part.column_names:
        tools = [None if v is None else [json.dumps(t, ensure_ascii=False) for t in json.loads(v)]
                 for v in part["tools"].to_pylist()]
        part = part.set_column(part.schema.get_field_index("tools"), "tools", pa.array(tools, pa.list_(pa.string())))
    return part.cast(features.arrow_schema)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
