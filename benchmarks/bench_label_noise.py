"""How far to trust the label-noise check: the whole suspect list against known flips (run by hand, ~2 min).

    PYTHONPATH=$PWD python benchmarks/bench_label_noise.py [path/to/banking77/train.csv] [--sms path/to/SMSSpamCollection]

Without a path it reads banking77/train.csv from the data folder of benchmarks/public_data.py.

Replaces 0/5/10/20/40% of banking77's labels (and SMS spam's with ``--sms``) by a random other label (seeded), runs
:func:`pipeline.readiness.label_noise.label_noise` as a run does, and prints per share: the estimated rate, the
precision and recall of the WHOLE suspect list, the precision of its first 100, the baseline's accuracy and skill,
and the check's status. The table in docs/readiness.md ("Accuracy of the label-noise estimate") comes from here.
"""

from __future__ import annotations

import csv
import random
import sys
import time

from public_data import data_file, default_data

from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.label_noise import check_label_noise, label_noise

SHARES = (0.0, 0.05, 0.1, 0.2, 0.4)


def _banking77(path: str) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"].strip() for r in rows], [r["category"] for r in rows]


def _sms(path: str) -> tuple[list[str], list[str]]:
    lines = open(path, encoding="utf-8").read().splitlines()[1:]  # the copy has an added header line
    pairs = [line.split("\t", 1) for line in lines if line]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def flip(labels: list[str], share: float, seed: int = 1) -> tuple[list[str], set[int]]:
    """``share`` of the labels set to a random other label; returns the labels and the flipped positions."""
    rng = random.Random(seed)
    classes = sorted(set(labels))
    flipped = set(rng.sample(range(len(labels)), round(share * len(labels))))
    return [rng.choice([c for c in classes if c != label]) if i in flipped else label for i, label in enumerate(labels)], flipped


def table(name: str, texts: list[str], labels: list[str]) -> None:
    print(f"\n{name}: {len(texts)} rows, {len(set(labels))} labels")
    print("| flipped | estimated_rate | precision | recall | precision of first 100 | accuracy | skill | status | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for share in SHARES:
        noisy, flipped = flip(labels, share)
        start = time.perf_counter()
        noise = label_noise([str(i) for i in range(len(texts))], texts, noisy, seed=42)
        seconds = time.perf_counter() - start
        hits = [int(s["id"]) in flipped for s in noise.suspects]
        precision = f"{sum(hits) / len(hits):.3f}" if hits and flipped else "-"
        recall = f"{sum(hits) / len(flipped):.3f}" if flipped else "-"
        first = f"{sum(hits[:100]) / min(100, len(hits)):.2f}" if hits and flipped else "-"
        status = check_label_noise({"task": "classification", "label_noise": noise.as_report()}, ReadinessConfig()).status
        print(f"| {share:.0%} | {noise.estimated_rate:.4f} | {precision} | {recall} | {first} | {noise.baseline_accuracy:.3f} | "
              f"{noise.skill:.3f} | {status} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    sms = args[args.index("--sms") + 1] if "--sms" in args else None
    paths = [a for a in args if a != "--sms" and a != sms]
    table("banking77", *_banking77(paths[0] if paths else str(data_file(default_data(), "banking77/train.csv"))))
    if sms:
        table("sms_spam", *_sms(sms))
