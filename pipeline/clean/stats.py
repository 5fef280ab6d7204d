"""Figures of the clean stage for the report: what each cleaner changed, what each filter dropped, PII and labels."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.clean.config import CleanConfig
from pipeline.clean.pii import scan_pii
from pipeline.clean.pii_examples import ExampleValues
from pipeline.core.records import REJECT_COLUMN, Task, column, fold
from pipeline.clean.textfix import CLEANERS, LABEL_BIT, cleaner_steps, trace_cleaners

EXAMPLES_PER_CLEANER = 3
_SNIPPET = 160


# Working columns the clean stage's marking map adds for these figures
CHECK_COLUMN = "_check"
CLEANED_COLUMN = "_cleaned"
PII_COLUMN = "_pii"
PII_KEPT_COLUMN = "_pii_kept"
EXAMPLE_VALUES_LISTED = 10


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
        "pii": _pii_stats(table[PII_COLUMN].to_pylist(), table[PII_KEPT_COLUMN].to_pylist(), cfg),
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
    return scan_pii(text, cfg.pii_types, example_policy(cfg)).text if cfg.pii != "off" else text


def example_policy(cfg: CleanConfig) -> ExampleValues | None:
    """The values PII detection keeps: reserved example values (``pii_keep_examples``) and ``pii_allowlist``."""
    if not cfg.pii_keep_examples and not cfg.pii_allowlist:
        return None
    return ExampleValues(reserved=cfg.pii_keep_examples, allowlist=cfg.pii_allowlist)


def _raw_texts(row: dict[str, Any], task: Task) -> list[tuple[str, str]]:
    if task is Task.CHAT:
        return [(f"messages[{j}].content", m.get("content") or "") for j, m in enumerate(row["messages"] or [])]
    if task is Task.PREFERENCE:
        return [(f"{name}[{j}].content", m.get("content") or "") for name in ("prompt", "chosen", "rejected")
                for j, m in enumerate(row[name] or [])]
    return [(name, row[name] or "") for name in ("text", "prompt", "completion") if name in row]


def _snippets(before: str, after: str) -> dict[str, str]:
    """The stretch of both texts around their first difference, at most ~160 characters each."""
    start = next((k for k, (a, b) in enumerate(zip(before, after)) if a != b), min(len(before), len(after)))
    start = max(0, start - _SNIPPET // 4)
    return {"before": before[start : start + _SNIPPET], "after": after[start : start + _SNIPPET]}


def _pii_stats(found: list[str | None], kept: list[str | None], cfg: CleanConfig) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    records = 0
    for counts in found:
        if counts:
            records += 1
            totals.update(json.loads(counts))
    kept_totals: Counter[str] = Counter()
    values: Counter[str] = Counter()
    for entry in kept:
        if entry:
            payload = json.loads(entry)
            kept_totals.update(payload["kept"])
            values.update(payload["values"])
    listed = [value for value, _ in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLE_VALUES_LISTED]]
    return {
        "mode": cfg.pii,
        "records_with_pii": records,
        "found": dict(sorted(totals.items())),
        # Reserved documentation values (and the allowlist's) are not personal data: kept as written.
        "example_values_kept": dict(sorted(kept_totals.items())),
        "example_values": listed,  # reserved values only: allowlisted ones may be real and are never listed
    }


def _label_stats(marked: Dataset, reasons: list[str | None]) -> dict[str, Any]:
    """Label counts of kept records, and labels that differ only by case or whitespace (split classes)."""
    counts = Counter(label for label, reason in zip(column(marked, "label"), reasons) if reason is None)
    spellings: dict[str, dict[str, int]] = defaultdict(dict)
    for label, n in counts.items():
        spellings[fold(label)][label] = n
    variants = [{"folded": key, "labels": dict(sorted(v.items()))} for key, v in sorted(spellings.items()) if len(v) > 1]
    return {"distinct": len(counts), "case_or_space_variants": variants}
