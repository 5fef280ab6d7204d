"""The ``[drift]`` config section: which accepted run to compare with, and how much change each drift check allows.

::

    [drift]
    baseline = "runs/accepted"     # an earlier output folder, or its report.json (--baseline)
    on_drift = "warn"              # or "fail": every drift beyond its tolerance fails the gate
    fail = ["drift_eval_overlap"]  # these checks fail, the others follow on_drift
    max_label_share_change = 0.02
    max_label_share_drop = 0.5
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, fields
from typing import Literal

from pipeline.core.section import Section

DRIFT_CHECKS = ("drift_counts", "drift_label_set", "drift_label_shares", "drift_reject_reasons", "drift_duplicate_rate",
                "drift_token_percentiles", "drift_languages", "drift_eval_overlap")
"""The drift checks, in the order the report lists them."""


@dataclass(frozen=True)
class DriftConfig(Section):
    """The baseline run and the tolerance of each drift check (defaults and how they were chosen: docs/gating.md).

    Args:
        baseline: an earlier run's output folder (its report.json and train.jsonl) or a bare report.json;
            ``None`` (default): no comparison, no drift check.
        on_drift: the status of a drift check beyond its tolerance: ``warn`` (default) or ``fail``.
        fail: names of drift checks that fail beyond their tolerance whatever ``on_drift`` says.
        max_count_change: largest relative change of the input, kept, train, val or test count (0.1 = 10%).
        max_labels_changed: most labels that may appear or disappear (the model's output space changes).
        max_label_share_change: largest change of one label's share of the kept records (0.02 = 2 points).
        max_label_share_drop: largest fraction of its share a label may lose (0.5 = half), when the loss is beyond
            sampling noise: catches small labels losing most of their records, which move by less than a point.
        max_reject_share_change: largest change of one reject reason's share of the input rows.
        max_duplicate_rate_change: largest change of the share of input rows that are duplicates.
        max_token_change: largest relative change of the train split's token p50, p90, p95 or p99.
        max_language_share_change: largest change of one language's share of the measured records.
        max_eval_overlap: most val/test records that were in the baseline's train split (by id or content).
    """

    name = "drift"

    baseline: str | None = None
    on_drift: Literal["warn", "fail"] = "warn"
    fail: tuple[str, ...] = ()
    max_count_change: float = 0.1
    max_labels_changed: int = 0
    max_label_share_change: float = 0.02
    max_label_share_drop: float = 0.5
    max_reject_share_change: float = 0.02
    max_duplicate_rate_change: float = 0.02
    max_token_change: float = 0.2
    max_language_share_change: float = 0.03
    max_eval_overlap: int = 0

    def problems(self) -> list[str]:
        found = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("max_") and not (math.isfinite(value) and value >= 0):
                found.append(f"{f.name} must be a number from 0 up, got {value}")
        for name in self.fail:
            if name not in DRIFT_CHECKS:
                close = difflib.get_close_matches(name, DRIFT_CHECKS, n=1, cutoff=0.75)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                found.append(f"fail names an unknown check '{name}'{hint} (drift checks: {', '.join(DRIFT_CHECKS)})")
        if self.baseline == "":
            found.append("baseline is empty: give an earlier run's output folder or its report.json, or leave it out")
        return found

    def status(self, check: str) -> Literal["warn", "fail"]:
        """The status a drift check takes beyond its tolerance."""
        return "fail" if check in self.fail else self.on_drift
