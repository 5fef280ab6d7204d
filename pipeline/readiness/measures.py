"""Pure figures the readiness checks are built on: evaluation power, balance, histograms and training cost."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

Z_95 = 1.959964  # two-sided 95% normal quantile


def totals_over_splits(per_split: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """``{split: {key: n}}`` summed over the splits, keys in order of first appearance."""
    totals: dict[str, int] = {}
    for counts in per_split.values():
        for key, n in counts.items():
            totals[key] = totals.get(key, 0) + n
    return totals


def accuracy_half_width(n: int, accuracy: float = 0.5, z: float = Z_95) -> float:
    """Half-width of the normal-approximation 95% CI of an accuracy measured on ``n`` examples.

    ``accuracy = 0.5`` is the worst case (widest interval), so the figure holds whatever the model scores.
    Zero examples measure nothing: the half-width is 1 (the whole range).
    """
    if n <= 0:
        return 1.0
    return min(1.0, z * math.sqrt(accuracy * (1 - accuracy) / n))


def examples_for_half_width(half_width: float, accuracy: float = 0.5, z: float = Z_95) -> int:
    """Smallest test size whose 95% CI half-width is at most ``half_width`` (the inverse of the above)."""
    return math.ceil((z / half_width) ** 2 * accuracy * (1 - accuracy))


def imbalance_ratio(counts: Mapping[str, int]) -> float:
    """Largest label count / smallest (infinite if a label has no example, 1 for a single label)."""
    values = [n for n in counts.values()]
    if not values:
        return 1.0
    return math.inf if min(values) == 0 else max(values) / min(values)


def rare_labels(counts: Mapping[str, int], min_share: float) -> dict[str, float]:
    """Labels holding less than ``min_share`` of all examples, with their share."""
    total = sum(counts.values())
    return {label: round(n / total, 4) for label, n in sorted(counts.items()) if total and n / total < min_share}


def shortfall(counts: Mapping[str, int], minimum: int) -> dict[str, int]:
    """How many examples each label below ``minimum`` still needs, biggest need first."""
    needs = {label: minimum - n for label, n in counts.items() if n < minimum}
    return dict(sorted(needs.items(), key=lambda kv: (-kv[1], kv[0])))


def histogram(values: Sequence[float], bins: int = 30) -> dict[str, list]:
    """A compact histogram (``edges`` has one more entry than ``counts``), small enough for report.json."""
    if not len(values):
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=bins)
    return {"edges": [round(float(e), 1) for e in edges], "counts": [int(c) for c in counts]}


def training_tokens(train_tokens: Sequence[int], epochs: int) -> int:
    """Tokens a training run processes: every training token once per epoch."""
    return int(np.sum(train_tokens)) * epochs


def over_limit(tokens: Sequence[int], limit: int) -> int:
    """How many examples are longer than ``limit`` tokens (they would be truncated)."""
    return int(np.count_nonzero(np.asarray(tokens) > limit))
