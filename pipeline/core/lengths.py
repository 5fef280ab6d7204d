"""The one length profile: characters and tokens of records' trainable content, as a distribution.

The clean stage reports it for what it kept, the report for each split: the same figures computed the same way
(content characters, without chat role prefixes; percentiles that are real examples' lengths).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Dataset

from pipeline.core.records import Task, task_of

TOKEN_BINS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)


def length_profile(ds: Dataset) -> dict[str, Any]:
    """Records, characters and (when the clean stage counted them) tokens of a set of records."""
    return length_figures(content_chars(ds), token_counts(ds))


def length_figures(chars: np.ndarray, tokens: np.ndarray | None) -> dict[str, Any]:
    """Records, a character distribution and (when counted) a token distribution with a bucketed histogram."""
    stats: dict[str, Any] = {"records": len(chars), "chars": distribution(chars)}
    if tokens is not None:
        stats["tokens"] = distribution(tokens)
        stats["token_histogram"] = token_histogram(tokens)
    return stats


def distribution(values: np.ndarray) -> dict[str, float | int]:
    """count, total, min, mean, p50, p90, p95, p99 and max; each percentile is a length some record has."""
    if not len(values):
        return {"count": 0, "total": 0, "min": 0, "mean": 0, "p50": 0, "p90": 0, "p95": 0, "p99": 0, "max": 0}
    p50, p90, p95, p99 = np.percentile(values, [50, 90, 95, 99], method="lower")
    return {
        "count": int(len(values)),
        "total": int(values.sum()),
        "min": int(values.min()),
        "mean": round(float(values.mean()), 1),
        "p50": int(p50),
        "p90": int(p90),
        "p95": int(p95),
        "p99": int(p99),
        "max": int(values.max()),
    }


def token_histogram(tokens: np.ndarray) -> dict[str, int]:
    """Records per token-count bucket: ``<=16``, ``<=32``, ... and ``>32768``."""
    edges = np.searchsorted(np.asarray(TOKEN_BINS), tokens, side="left")
    counts = np.bincount(edges, minlength=len(TOKEN_BINS) + 1)
    labels = [f"<={b}" for b in TOKEN_BINS] + [f">{TOKEN_BINS[-1]}"]
    return {label: int(n) for label, n in zip(labels, counts)}


def token_counts(ds: Dataset) -> np.ndarray | None:
    """``n_tokens`` of every record (counted by the clean stage), or None when it was not counted."""
    if "n_tokens" not in ds.column_names:
        return None
    return ds.with_format("arrow")["n_tokens"].to_numpy(zero_copy_only=False) if len(ds) else np.zeros(0, dtype=np.int64)


def message_chars(column: pa.ChunkedArray) -> np.ndarray:
    """Characters of every message's content of each row of a column of message lists."""
    messages = column.combine_chunks()
    contents = pc.struct_field(pc.list_flatten(messages), "content")
    lengths = pc.fill_null(pc.utf8_length(contents), 0).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(messages).to_numpy(zero_copy_only=False)
    return np.bincount(parents, weights=lengths, minlength=len(messages)).astype(np.int64)


def content_chars(ds: Dataset) -> np.ndarray:
    """Characters of each record's trainable content (text; prompt + completion; every message's content),
    computed column-wise in Arrow."""
    if not len(ds):
        return np.zeros(0, dtype=np.int64)
    table = ds.with_format("arrow")[:]
    task = task_of(ds)
    if task in (Task.CHAT, Task.PREFERENCE):  # preference: prompt + chosen + rejected
        names = ["messages"] if task is Task.CHAT else ["prompt", "chosen", "rejected"]
        return sum(message_chars(table[name]) for name in names)
    names = ["text"] if task is Task.CLASSIFICATION else ["prompt", "completion"]
    total = np.zeros(len(ds), dtype=np.int64)
    for name in names:
        total += pc.fill_null(pc.utf8_length(table[name]), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return total
