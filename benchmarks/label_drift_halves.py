"""Calibration of drift_label_shares: random halves of a labeled set must stay quiet, a real loss must not.

Reads the label column of a CSV (``--column``, default ``category``) or a TSV whose first field is the label
(``--tsv``), splits it into random halves ``--seeds`` times and judges each half against the other (both ways) with
ftprep's own check, reporting how many comparisons warn and by which rule. With ``--cut N`` it also removes two
thirds of the rows of N randomly drawn labels (20 draws) and reports how often the check warns and how many of the
N labels it names, with the 2-point rule alone beside it. The figures are in docs/gating.md.

    PYTHONPATH=. python benchmarks/label_drift_halves.py DATA/banking77/train.csv --cut 11
    PYTHONPATH=. python benchmarks/label_drift_halves.py DATA/sms_spam/SMSSpamCollection --tsv

(DATA: the public data folder of benchmarks/README.md.)
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter

from pipeline.gate.config import DriftConfig
from pipeline.gate.drift import check_drift, figures


def read_labels(path: str, column: str, tsv: bool) -> list[str]:
    if tsv:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return [line.split("\t", 1)[0] for line in fh.read().splitlines()[1:] if "\t" in line]
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return [row[column] for row in csv.DictReader(fh) if row.get(column)]


def _report(labels: list[str]) -> dict:
    return {"counts": {"input": len(labels), "kept": len(labels), "rejected": {},
                       "splits": {"train": len(labels), "val": 0, "test": 0}},
            "labels": {"train": dict(Counter(labels))}}


def judge(base: list[str], run: list[str], cfg: DriftConfig = DriftConfig()):
    report = {**_report(run), "drift": {"before": figures(_report(base)), "eval_overlap": None}}
    return next(c for c in check_drift(report, cfg) if c.name == "drift_label_shares")


def halves(labels: list[str], seeds: int) -> None:
    warned = by_points = 0
    largest = 0.0
    for seed in range(seeds):
        order = list(range(len(labels)))
        random.Random(seed).shuffle(order)
        first, second = [labels[i] for i in order[: len(order) // 2]], [labels[i] for i in order[len(order) // 2:]]
        for base, run in ((first, second), (second, first)):
            check = judge(base, run)
            warned += check.status != "pass"
            by_points += abs(check.observed["change"] or 0) > DriftConfig().max_label_share_change
            largest = max(largest, abs(check.observed["change"] or 0))
    print(f"{len(labels):,} rows, {len(set(labels))} labels: {2 * seeds} comparisons of random halves: {warned} warn "
          f"({warned - by_points} only by the share lost, {by_points} by the 2-point rule); largest change "
          f"{100 * largest:.2f} pt")


def cut(labels: list[str], n: int, draws: int = 20) -> None:
    named, points_only = [], 0
    for seed in range(draws):
        chosen = set(random.Random(seed).sample(sorted(set(labels)), n))
        seen: Counter[str] = Counter()
        run = []
        for label in labels:
            seen[label] += 1
            if label not in chosen or seen[label] % 3 == 1:
                run.append(label)
        check = judge(labels, run)
        named.append(check.observed["over_tolerance"] if check.status != "pass" else 0)
        points_only += judge(labels, run, DriftConfig(max_label_share_drop=1.0)).status != "pass"
    print(f"{n} labels cut to a third, {draws} draws: {sum(1 for k in named if k)} warn, naming {min(named)}-"
          f"{max(named)} of {n} (median {sorted(named)[draws // 2]}); the 2-point rule alone: {points_only} warn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--column", default="category")
    parser.add_argument("--tsv", action="store_true")
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--cut", type=int, default=0)
    args = parser.parse_args()
    labels = read_labels(args.path, args.column, args.tsv)
    halves(labels, args.seeds)
    if args.cut:
        cut(labels, args.cut)


if __name__ == "__main__":
    main()
