"""The flat frame Great Expectations suites run on: one row per record (columns in expectations/README.md).

Also how records read back from files (``ftprep validate`` on ftprep's own outputs) get the columns ``ftprep run``
would have given them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Dataset

from pipeline.core.records import SPLITS
from pipeline.core.records import Task

if TYPE_CHECKING:
    import pandas as pd

OPTIONAL_RECORD_COLUMNS = ("n_tokens", "lang", "split")


def to_frame(ds: Dataset, task: Task) -> pd.DataFrame:
    """One row per record, with the columns suites are written against (see expectations/README.md)."""
    import pandas as pd

    table = ds.with_format("arrow")[:] if len(ds) else ds.data.table
    if len(ds) and task not in (Task.CHAT, Task.PREFERENCE):
        return _arrow_frame(table, task)
    columns: dict[str, list[Any]] = {"id": table["id"].to_pylist()}
    if task is Task.CLASSIFICATION:
        columns.update(_classification_columns(table["text"].to_pylist(), table["label"].to_pylist()))
    elif task is Task.COMPLETION:
        prompts, completions = table["prompt"].to_pylist(), table["completion"].to_pylist()
        columns.update(prompt=prompts, completion=completions, n_chars=_total_chars(prompts, completions))
    elif task is Task.PREFERENCE:
        from pipeline.preference.text import frame_columns

        columns.update(frame_columns(table))
    else:
        columns.update(_chat_columns(table["messages"].to_pylist()))
    for name in OPTIONAL_RECORD_COLUMNS:
        if name in table.column_names:
            columns[name] = table[name].to_pylist()
    return pd.DataFrame(columns)


def _arrow_frame(table: pa.Table, task: Task) -> pd.DataFrame:
    """:func:`to_frame` of a classification or completion table, column by column in Arrow: the same frame (pandas
    holds strings in Arrow), without a Python string per text on the way (at 1M records that was ~2.5 GB at the
    peak, for a frame of 0.6 GB)."""
    columns: dict[str, pa.ChunkedArray | np.ndarray] = {"id": table["id"]}
    if task is Task.CLASSIFICATION:
        texts, labels = table["text"], table["label"]
        columns.update(text=texts, label=labels, n_chars=pc.utf8_length(texts).cast(pa.int64()),
                       label_share=_label_shares(labels))
    else:
        lengths = [pc.fill_null(pc.utf8_length(table[name]), 0).cast(pa.int64()) for name in ("prompt", "completion")]
        columns.update(prompt=table["prompt"], completion=table["completion"], n_chars=pc.add(*lengths))
    for name in OPTIONAL_RECORD_COLUMNS:
        if name in table.column_names:
            columns[name] = table[name]
    frame = pa.table(columns).to_pandas()
    for name, values in columns.items():  # a column of nulls only is an object column of None, as from a list
        if isinstance(values, pa.ChunkedArray) and values.null_count == len(values):
            frame[name] = _none_column(len(values))
    return frame


def _none_column(n: int) -> Any:
    import pandas as pd

    return pd.Series([None] * n, dtype=object)  # what pandas makes of a list of None


def _label_shares(labels: pa.ChunkedArray) -> np.ndarray:
    """Each record's label's share of all records (NaN without a label), as ``counts[label] / total``."""
    encoded = pc.dictionary_encode(labels.combine_chunks())
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(encoded.dictionary))
    shares = np.full(len(codes), np.nan)
    shares[codes >= 0] = counts[codes[codes >= 0]] / len(codes)
    return shares


def _classification_columns(texts: list[str | None], labels: list[str | None]) -> dict[str, list[Any]]:
    counts = Counter(label for label in labels if label is not None)
    total = len(labels)
    return {
        "text": texts,
        "label": labels,
        "n_chars": [len(t) if t is not None else None for t in texts],
        "label_share": [counts[label] / total if label is not None else None for label in labels],
    }


def _total_chars(*fields: list[str | None]) -> list[int]:
    return [sum(len(v) for v in values if v is not None) for values in zip(*fields)]


def _chat_columns(conversations: list[list[dict[str, Any]] | None]) -> dict[str, list[Any]]:
    conversations = [c or [] for c in conversations]
    roles = [[str(m.get("role")) for m in c] for c in conversations]
    return {
        "n_messages": [len(c) for c in conversations],
        "roles": [" ".join(r) for r in roles],
        "first_role": [r[0] if r else None for r in roles],
        "last_role": [r[-1] if r else None for r in roles],
        "n_chars": [sum(len(m.get("content") or "") for m in c) for c in conversations],
    }


def observed_labels(frame: pd.DataFrame) -> list[str] | None:
    """The distinct labels in the frame, sorted (None for tasks without labels)."""
    if "label" not in frame.columns:
        return None
    return sorted({label for label in frame["label"] if isinstance(label, str)})


# -- records read back from files (``ftprep validate``) ----------------------------------------------------------


def prepared_records(ds: Dataset, id_field: str | None) -> Dataset:
    """Records read from files, made ready for validation as ``ftprep run`` would have them.

    ``split`` comes from ftprep's own file names (``train.jsonl``, ``val.jsonl.gz``, ...; files with other names
    leave the data unsplit), ``lang`` and ``n_tokens`` from each record's ``meta`` (where ftprep writes them), and
    ``id`` is the input's own id: ingest makes repeated ids unique, which would hide exactly the duplicates the
    unique-id expectation is there to catch.
    """
    table = ds.with_format("arrow")[:] if len(ds) else ds.data.table
    splits = [_split_of(path) for path in table["source_file"].to_pylist()]
    extras = [_meta_of(extra) for extra in table["extra"].to_pylist()]
    if id_field:
        raw_ids = [_input_id(raw, id_field) for raw in table["raw"].to_pylist()]
        ds = ds.remove_columns("id").add_column("id", [r if r is not None else i for r, i in
                                                        zip(raw_ids, table["id"].to_pylist())])
    if all(s is not None for s in splits) and "split" not in ds.column_names:
        ds = ds.add_column("split", splits)
    for name in ("lang", "n_tokens"):
        values = [extra.get(name) for extra in extras]
        if name not in ds.column_names and any(v is not None for v in values):
            ds = ds.add_column(name, values)
    return ds


def _split_of(path: str) -> str | None:
    stem = Path(path).name.split(".")[0]
    return stem if stem in SPLITS else None


def _meta_of(extra: str | None) -> dict[str, Any]:
    data = json.loads(extra) if extra else {}
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return {**data, **meta}


def _input_id(raw: str | None, id_field: str) -> str | None:
    try:
        value = json.loads(raw).get(id_field) if raw else None
    except (json.JSONDecodeError, AttributeError):
        return None
    return None if value in (None, "") else str(value)
