"""Benchmark of the validate stage: GX import, flat frame, and the shipped classification suite on banking77.

Run by hand (with a path to banking77's train.csv, or the data folder of benchmarks/public_data.py):

    PYTHONPATH=$PWD python benchmarks/bench_validate.py [train.csv] [--repeat 10]

The baseline, measured in the same run, is the same checks written directly in pandas (nulls, unique ids, text
lengths, labels in set, label shares, per-split label presence): the ratio says what GX costs on top.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from typing import Any

from datasets import Dataset
from public_data import data_file, default_data

from pipeline.validate.config import ValidateConfig
from pipeline.core.records import Task, features_for
from pipeline.validate.stage import to_frame, validate_records


def banking_records(path: str, repeat: int) -> Dataset:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh)) * repeat
    n = len(rows)
    columns = {
        "id": [f"r{i}" for i in range(n)], "source_file": [path] * n, "source_row": list(range(n)), "raw": ["{}"] * n,
        "extra": [None] * n, "cluster": [f"c{i}" for i in range(n)],
        "text": [r["text"] for r in rows], "label": [r["category"] for r in rows],
    }
    ds = Dataset.from_dict(columns, features=features_for(Task.CLASSIFICATION))
    ds = ds.add_column("split", ["val" if i % 10 == 0 else "test" if i % 10 == 1 else "train" for i in range(n)])
    return ds.add_column("lang", ["en"] * n)


def pandas_baseline(ds: Dataset, cfg: ValidateConfig) -> dict[str, bool]:
    """The shipped classification checks written directly in pandas."""
    frame = to_frame(ds, Task.CLASSIFICATION)
    labels = sorted(frame["label"].unique())
    lengths = frame["text"].str.len()
    return {
        "nulls": not frame[["id", "text", "label"]].isna().any().any(),
        "unique": frame["id"].is_unique,
        "lengths": bool(lengths.between(cfg.min_chars, cfg.max_chars).all()),
        "label_share": bool(frame["label_share"].between(cfg.min_label_share, cfg.max_label_share).all()),
        "lang": (frame["lang"] == "en").mean() >= 0.9,
        **{s: set(frame.loc[frame["split"] == s, "label"]) >= set(labels) for s in ("val", "test")},
    }


def timed(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train_csv", nargs="?")
    parser.add_argument("--repeat", type=int, default=1, help="concatenate the file this many times")
    args = parser.parse_args()
    args.train_csv = args.train_csv or str(data_file(default_data(), "banking77/train.csv"))
    start = time.perf_counter()
    import great_expectations  # noqa: F401  (the one-off cost ftprep pays lazily)

    print(f"import great_expectations: {time.perf_counter() - start:.2f}s")
    ds = banking_records(args.train_csv, args.repeat)
    cfg = ValidateConfig(languages=("en",), min_label_share=0.001)
    frame_s, _ = timed(lambda: to_frame(ds, Task.CLASSIFICATION))
    gx_s, outcome = timed(lambda: validate_records(ds, cfg, Task.CLASSIFICATION))
    base_s, _ = timed(lambda: pandas_baseline(ds, cfg))
    ran = sum(e.status != "skipped" for s in outcome.suites for e in s.expectations)
    print(f"rows: {len(ds):,}; expectations run: {ran}; gate passed: {outcome.success}")
    print(f"flat frame: {frame_s:.3f}s")
    print(f"validate (frame + GX, best of 3): {gx_s:.3f}s = {len(ds) / gx_s:,.0f} rows/s")
    print(f"pandas baseline (frame + same checks): {base_s:.3f}s; GX / baseline = {gx_s / base_s:.1f}x")


if __name__ == "__main__":
    main()
