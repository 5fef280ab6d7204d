"""Time the learning curve + label-noise analysis on banking77 (run by hand; the budget is 30 s).

    PYTHONPATH=$PWD python benchmarks/bench_learning.py [path/to/banking77/train.csv]

Without a path it reads banking77/train.csv from the data folder of benchmarks/public_data.py.

Prints wall time of each part and its ratio to the budget, then the same analysis on a million rows (banking77
repeated 100 times): sampling above max_analysis_examples (12,000 by default) keeps that cost bounded.
"""

from __future__ import annotations

import csv
import os
import sys
import time

from public_data import data_file, default_data

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.curve import learning_curve
from pipeline.readiness.label_noise import label_noise
from pipeline.readiness.learning import stratified_order

BUDGET_S = 30.0
MAX_EXAMPLES = ReadinessConfig().max_analysis_examples


def _load(path: str) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def _run(texts: list[str], labels: list[str], max_examples: int) -> tuple[float, float, object, object]:
    order = stratified_order(labels, seed=0)
    n_val = len(texts) // 10
    val, train = order[:n_val], order[n_val:]
    start = time.perf_counter()
    curve = learning_curve(
        [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in val], [labels[i] for i in val],
        seed=42, max_examples=max_examples,
    )
    middle = time.perf_counter()
    noise = label_noise([str(i) for i in range(len(texts))], texts, labels, seed=42, max_examples=max_examples)
    return middle - start, time.perf_counter() - middle, curve, noise


def main() -> None:
    texts, labels = _load(sys.argv[1] if len(sys.argv) > 1 else str(data_file(default_data(), "banking77/train.csv")))
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes share the 2 cores; timings are wall clock)")
    t_curve, t_noise, curve, noise = _run(texts, labels, max_examples=MAX_EXAMPLES)
    total = t_curve + t_noise
    print(f"rows={len(texts)} labels={len(set(labels))}")
    print(f"learning_curve: {t_curve:.1f} s  sizes={curve.sizes} macro_f1={curve.scores} "
          f"expected_gain_2x={curve.expected_gain_2x}")
    print(f"label_noise:    {t_noise:.1f} s  examined={noise.examined} flagged={noise.flagged} "
          f"estimated_rate={noise.estimated_rate}")
    print(f"total:          {total:.1f} s = {total / BUDGET_S:.2f} x the {BUDGET_S:.0f} s budget")
    big_t, big_l = texts * 100, labels * 100
    b_curve, b_noise, b, _ = _run(big_t, big_l, max_examples=MAX_EXAMPLES)
    print(f"{len(big_t):,} rows, max_examples={MAX_EXAMPLES}: curve {b_curve:.1f} s + noise {b_noise:.1f} s = "
          f"{b_curve + b_noise:.1f} s = {(b_curve + b_noise) / total:.2f} x the banking77 time, "
          f"{(b_curve + b_noise) / BUDGET_S:.2f} x the budget (largest curve point {b.sizes[-1]})")


if __name__ == "__main__":
    main()
