"""Typo-twin benchmark: do near twins that dedup keeps still straddle the splits?

Builds a typo-twin set from a labeled CSV (seeded): a copy of ``--share`` of the rows, each with 1..``--max-edits``
letter edits (insert, delete, substitute, swap neighbours), then ``?`` doubled and lower-casing, each with p=1/2.
Copies keep their label; columns ``twin_of`` (the original's row, empty for originals) and ``orig_row`` carry the
ground truth through ftprep into ``meta``. Runs ``ftprep run`` on it and prints, from the written splits: twin pairs
that survived dedup, how many span two splits (by the pair's normalised char 5-gram Jaccard), the share of
val/test rows with a typo twin in train, the largest near-twin group, and how far the labels' splits are from
their ratio targets.

    PYTHONPATH=. python benchmarks/typo_twins.py DATA/banking77/train.csv --out twins
    PYTHONPATH=. python benchmarks/typo_twins.py DATA.csv --out DIR --max-edits 2 -- --no-dedup   # extra run flags
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path

LETTERS = string.ascii_lowercase
SPLITS = ("train", "val", "test")
BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.01)


def typo(text: str, rng: random.Random, edits: int) -> str:
    """``text`` with ``edits`` random edits on letters."""
    chars = list(text)
    for _ in range(edits):
        positions = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(positions) < 3:
            break
        i = rng.choice(positions)
        kind = rng.choice(("insert", "delete", "substitute", "swap"))
        if kind == "insert":
            chars.insert(i, rng.choice(LETTERS))
        elif kind == "delete":
            del chars[i]
        elif kind == "substitute":
            chars[i] = rng.choice([c for c in LETTERS if c != chars[i].lower()])
        elif i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def twin(text: str, rng: random.Random, max_edits: int = 3) -> str:
    """A typo'd twin: 1..max_edits edits, then (each with p=1/2) ``?`` doubled and lower-casing."""
    out = typo(text, rng, rng.randint(1, max_edits))
    if rng.random() < 0.5:
        out = out.replace("?", "??")
    if rng.random() < 0.5:
        out = out.lower()
    return out


def build(rows: list[dict[str, str]], text_field: str, share: float, seed: int, max_edits: int = 3) -> list[dict[str, str]]:
    """The rows plus a twin of ``share`` of them (chosen at random), shuffled, with ``twin_of`` and ``orig_row``."""
    rng = random.Random(seed)
    out = [{**row, "twin_of": "", "orig_row": str(i)} for i, row in enumerate(rows)]
    for i in sorted(rng.sample(range(len(rows)), round(share * len(rows)))):
        copy = dict(rows[i])
        copy[text_field] = twin(rows[i][text_field], rng, max_edits)
        out.append({**copy, "twin_of": str(i), "orig_row": str(i)})
    rng.shuffle(out)
    return out


def measure(out: Path, text_field: str = "text") -> dict:
    """Twin figures of an ftprep output directory (records carry ``meta.orig_row``)."""
    from pipeline.dedup.shingling import Shingling

    by_orig: dict[str, list[tuple[str, str, str]]] = {}
    labels: Counter = Counter()
    for name in SPLITS:
        for line in (out / f"{name}.jsonl").open(encoding="utf-8"):
            record = json.loads(line)
            by_orig.setdefault(record["meta"]["orig_row"], []).append((name, record[text_field], record["label"]))
            labels[record["label"], name] += 1
    pairs = [members for members in by_orig.values() if len(members) == 2]
    apart = [p for p in pairs if p[0][0] != p[1][0]]
    shingling = Shingling("char", 5)
    similarity = [shingling.sets([a[1], b[1]]).jaccard(0, 1) for a, b in apart]
    bins = Counter(next(f"{lo}-{hi}" for lo, hi in zip(BINS, BINS[1:]) if lo <= s < hi) for s in similarity)
    eval_rows = {s: sum(n for (_, name), n in labels.items() if name == s) for s in ("val", "test")}
    with_twin = {s: sum(1 for p in apart for (name, _, _), (other, _, _) in (p, p[::-1]) if name == s and other == "train")
                 for s in ("val", "test")}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {
        "twin_pairs_kept": len(pairs),
        "pairs_across_splits": len(apart),
        "across_by_jaccard": {f"{lo}-{hi}": bins.get(f"{lo}-{hi}", 0) for lo, hi in zip(BINS, BINS[1:])},
        "across_at_or_above_0.5": sum(s >= 0.5 for s in similarity),
        "eval_rows_with_train_twin": {s: f"{with_twin[s]}/{eval_rows[s]} ({with_twin[s] / max(1, eval_rows[s]):.1%})"
                                      for s in eval_rows},
        "groups": {k: v for k, v in (report.get("duplicates", {}).get("groups") or {}).items() if k != "largest_members"},
        "stratification": report["split"].get("stratification"),
        "split_leakage": next(c for c in report["checks"] if c["name"] == "split_leakage")["message"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="labeled CSV with a header")
    parser.add_argument("--out", type=Path, required=True, help="work directory (twin set and ftprep output)")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--max-edits", type=int, default=3)
    argv, run_args = sys.argv[1:], []
    if "--" in argv:  # what follows -- goes to `ftprep run` unchanged
        argv, run_args = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    args = parser.parse_args(argv)
    with args.input.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    args.out.mkdir(parents=True, exist_ok=True)
    twins = args.out / "twins.csv"
    with twins.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*fields, "twin_of", "orig_row"])
        writer.writeheader()
        writer.writerows(build(rows, args.text_field, args.share, args.seed, args.max_edits))
    print(f"{len(rows)} rows + {round(args.share * len(rows))} twins -> {twins}")
    run = [sys.executable, "-m", "pipeline", "run", str(twins), "--out", str(args.out / "run"), "--overwrite", "--quiet",
           *run_args]
    subprocess.run(run, check=False)
    print(json.dumps(measure(args.out / "run"), indent=1))


if __name__ == "__main__":
    main()
