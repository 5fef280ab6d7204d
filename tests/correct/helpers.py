"""A real classification slice with known wrong labels, for the correction loop."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

from tests.conftest import DATA

LABELS = 6
PER_LABEL = 50
FLIPPED = 30


def flipped_banking77(path: Path) -> dict[str, str]:
    """Write 6 banking77 labels x 50 rows (tests/data/banking77_20labels.csv) with 30 labels flipped to another of
    the six (seeded) as a CSV with ids ``b000``...; return the true label of every id."""
    with open(DATA / "banking77_20labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_label = defaultdict(list)
    for row in rows:
        by_label[row["category"]].append(row)
    labels = sorted(by_label)[:LABELS]
    picked = [row for label in labels for row in by_label[label][:PER_LABEL]]
    rng = random.Random(3)
    flip = set(rng.sample(range(len(picked)), FLIPPED))
    truth = {}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "category"])
        for i, row in enumerate(picked):
            given = rng.choice([l for l in labels if l != row["category"]]) if i in flip else row["category"]
            writer.writerow([f"b{i:03d}", row["text"], given])
            truth[f"b{i:03d}"] = row["category"]
    return truth
