"""Figures of the clean stage for the report: what each cleaner changed, what each filter dropped, PII and labels,
and :func:`length_stats`, the length and token distribution of a set of records (the report calls it per split).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow.compute as pc
from datasets import Dataset

from pipeline.clean.config import CleanConfig
from pipeline.clean.pii import PII_TYPES, redact_pii
from pipeline.core.records import REJECT_COLUMN, Task, column, fold, task_of
from pipeline.clean.textfix import CLEANERS, LABEL_BIT, cleaner_steps, trace_cleaners

EXAMPLES_PER_CLEANER = 3
_SNIPPET = 160
TOKEN_BINS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)


# Working columns the clean stage's marking map adds for these figures
CHECK_COLUMN = "_check"
CLEANED_COLUMN = "_cleaned"
PII_COLUMN = "_pii"


def cleaning_stats(ds: Dataset, marked: Dataset, task: Task, cfg: CleanConfig) -> dict[str, Any]:
    """The ``cleaning`` section of the report, from the input records and the marked ones."""
    table = marked.with_format("arrow")[:]
    reasons = table[REJECT_COLUMN].to_pylist()
    checks = table[CHECK_COLUMN].to_pylist()
    masks = table[CLEANED_COLUMN].to_numpy()
    return {
        "records_in": len(ds),
        "records_kept": reasons.count(None),
        "cleaners": _changed_per_cleaner(masks),
        "examples": _examples(ds, masks, task, cfg),
        "dropped": dict(sorted(Counter(r for r in reasons if r).items())),
        "dropped_by_check": dict(sorted(Counter(c for r, c in zip(reasons, checks) if r and c).items())),
        "pii": _pii_stats(table[PII_COLUMN].to_pylist(), cfg),
        "labels": _label_stats(marked, reasons) if task is Task.CLASSIFICATION else {},
    }


def _changed_per_cleaner(masks: np.ndarray) -> dict[str, int]:
    counts = {name: int(np.count_nonzero(masks & (1 << i))) for i, name in enumerate(CLEANERS)}
    counts["labels"] = int(np.count_nonzero(masks & LABEL_BIT))
    return counts


def _examples(ds: Dataset, masks: np.ndarray, task: Task, cfg: CleanConfig) -> list[dict[str, str]]:
    """A few before/after snippets per text cleaner, from the first records it changed (PII is never shown)."""
    steps = cleaner_steps(cfg)
    examples = []
    for i, name in enumerate(CLEANERS):
        for row_index in np.flatnonzero(masks & (1 << i))[:EXAMPLES_PER_CLEANER]:
            row = ds[int(row_index)]
            for field, text in _raw_texts(row, task):
                trace = trace_cleaners(text, steps)
                if 1 << i in trace:
                    before, after = trace[1 << i]
                    snippets = _snippets(_hide_pii(before, cfg), _hide_pii(after, cfg))
                    examples.append({"cleaner": name, "id": row["id"], "field": field, **snippets})
                    break
    return examples


def _hide_pii(text: str, cfg: CleanConfig) -> str:
    # The report is shared more widely than the data: an example must not carry the PII the stage removes.
    return redact_pii(text, PII_TYPES)[0] if cfg.pii != "off" else text


def _raw_texts(row: dict[str, Any], task: Task) -> list[tuple[str, str]]:
    if task is Task.CHAT:
        return [(f"messages[{j}].content", m.get("content") or "") for j, m in enumerate(row["messages"] or [])]
    return [(name, row[name] or "") for name in ("text", "prompt", "completion") if name in row]


def _snippets(before: str, after: str) -> dict[str, str]:
    """The stretch of both texts around their first difference, at most ~160 characters each."""
    start = next((k for k, (a, b) in enumerate(zip(before, after)) if a != b), min(len(before), len(after)))
    start = max(0, start - _SNIPPET // 4)
    return {"before": before[start : start + _SNIPPET], "after": after[start : start + _SNIPPET]}


def _pii_stats(found: list[str | None], cfg: CleanConfig) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    records = 0
    for counts in found:
        if counts:
            records += 1
            totals.update(json.loads(counts))
    return {"mode": cfg.pii, "records_with_pii": records, "found": dict(sorted(totals.items()))}


def _label_stats(marked: Dataset, reasons: list[str | None]) -> dict[str, Any]:
    """Label counts of kept records, and labels that differ only by case or whitespace (split classes)."""
    counts = Counter(label for label, reason in zip(column(marked, "label"), reasons) if reason is None)
    spellings: dict[str, dict[str, int]] = defaultdict(dict)
    for label, n in counts.items():
        spellings[fold(label)][label] = n
    variants = [{"folded": key, "labels": dict(sorted(v.items()))} for key, v in sorted(spellings.items()) if len(v) > 1]
    return {"distinct": len(counts), "case_or_space_variants": variants}


# -- lengths ----------------------------------------------------------------------------------------------------------


def length_stats(ds: Dataset) -> dict[str, Any]:
    """Records, characters and tokens (total and distribution) of cleaned records."""
    return length_figures(_content_chars(ds), _tokens(ds))


def length_stats_per_split(ds: Dataset, splits: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`length_stats` of each split, from the lengths of all records read once."""
    chars, tokens = _content_chars(ds), _tokens(ds)
    names = np.asarray(column(ds, "split"), dtype=object)
    masks = {name: names == name for name in splits}
    return {name: length_figures(chars[m], None if tokens is None else tokens[m]) for name, m in masks.items()}


def length_figures(chars: np.ndarray, tokens: np.ndarray | None) -> dict[str, Any]:
    """Records, characters and (when counted) tokens: totals, distributions and a token histogram."""
    stats: dict[str, Any] = {"records": len(chars), "chars": _distribution(chars)}
    if tokens is not None:
        stats["tokens"] = _distribution(tokens)
        stats["token_histogram"] = _histogram(tokens)
    return stats


def _tokens(ds: Dataset) -> np.ndarray | None:
    if "n_tokens" not in ds.column_names:
        return None
    return ds.with_format("arrow")["n_tokens"].to_numpy(zero_copy_only=False) if len(ds) else np.zeros(0)


def _content_chars(ds: Dataset) -> np.ndarray:
    """Characters of each record's trainable content, computed column-wise in Arrow."""
    if not len(ds):
        return np.zeros(0, dtype=np.int64)
    table = ds.with_format("arrow")[:]
    task = task_of(ds)
    if task is Task.CHAT:
        messages = table["messages"].combine_chunks()
        contents = pc.struct_field(pc.list_flatten(messages), "content")
        lengths = pc.fill_null(pc.utf8_length(contents), 0).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(messages).to_numpy(zero_copy_only=False)
        return np.bincount(parents, weights=lengths, minlength=len(ds)).astype(np.int64)
    names = ["text"] if task is Task.CLASSIFICATION else ["prompt", "completion"]
    total = np.zeros(len(ds), dtype=np.int64)
    for name in names:
        total += pc.fill_null(pc.utf8_length(table[name]), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return total


def _distribution(values: np.ndarray) -> dict[str, float | int]:
    if not len(values):
        return {"total": 0, "min": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0}
    p50, p90, p99 = np.percentile(values, [50, 90, 99], method="lower")
    return {
        "total": int(values.sum()),
        "min": int(values.min()),
        "mean": round(float(values.mean()), 1),
        "p50": int(p50),
        "p90": int(p90),
        "p99": int(p99),
        "max": int(values.max()),
    }


def _histogram(tokens: np.ndarray) -> dict[str, int]:
    """Records per token-count bucket: ``<=16``, ``<=32``, ... and ``>32768``."""
    edges = np.searchsorted(np.asarray(TOKEN_BINS), tokens, side="left")
    counts = np.bincount(edges, minlength=len(TOKEN_BINS) + 1)
    labels = [f"<={b}" for b in TOKEN_BINS] + [f">{TOKEN_BINS[-1]}"]
    return {label: int(n) for label, n in zip(labels, counts)}



