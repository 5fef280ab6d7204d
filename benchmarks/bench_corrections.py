"""What reviewing ftprep's suspects buys: fix the top-N review rows vs N random rows, then re-run (by hand, ~10 min).

    PYTHONPATH=$PWD python benchmarks/bench_corrections.py [--data DIR | --banking77 DIR --sms FILE] [--out DIR]

--banking77 and --sms default to banking77/ and sms_spam/SMSSpamCollection in the public data folder (--data;
benchmarks/README.md says where each set comes from).

For each data set: flip 20% of the training labels to a random other label (seeded), run ftprep on it, and let a
simulated reviewer work through ``review.csv`` from the top: for each of the first N rows it writes ``relabel`` to
the true label where the given label is wrong, ``keep`` where it is right. The same reviewer also checks N random
rows of the input instead. Each corrections file goes back in with ``--corrections`` (and the first run as
``--baseline``), and the table reports, at each N: the label-noise estimate, the true share of wrong labels left in
the kept records, the verdict, and the macro-F1 of ftprep's baseline (TF-IDF + logistic regression) trained on the
run's kept records (all three splits) and scored on a held-out test set that ftprep never saw, with the true labels.

Data: banking77 (a seeded 20-label subset of train.csv; its test.csv for the held-out set) and SMS spam (3,000
seeded rows to prepare, 1,000 other rows held out). The table in docs/readiness.md ("Reviewing the suspects")
comes from here.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from public_data import data_file, default_data

from pipeline.config import load_config
from pipeline.runner import run_pipeline

SEED = 7
FLIP = 0.2
NS = (100, 500, "all")


def banking77(folder: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    def read(name: str) -> list[tuple[str, str]]:
        with open(folder / name, newline="", encoding="utf-8") as fh:
            return [(r["text"].strip(), r["category"]) for r in csv.DictReader(fh)]

    train, test = read("train.csv"), read("test.csv")
    labels = sorted({label for _, label in train})
    keep = set(random.Random(SEED).sample(labels, 20))
    return [r for r in train if r[1] in keep], [r for r in test if r[1] in keep]


def sms(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]  # the copy has an added header line
    rows = [(text, label) for label, text in (line.split("\t", 1) for line in lines if line)]
    random.Random(SEED).shuffle(rows)
    return rows[:3000], rows[3000:4000]


def flipped(rows: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The rows with ids, their true label, and FLIP of them given a random other label."""
    rng = random.Random(SEED)
    classes = sorted({label for _, label in rows})
    wrong = set(rng.sample(range(len(rows)), round(FLIP * len(rows))))
    return [{"id": f"r{i:05d}", "text": text, "truth": label,
             "label": rng.choice([c for c in classes if c != label]) if i in wrong else label}
            for i, (text, label) in enumerate(rows)]


def run(source: Path, out: Path, corrections: Path | None = None, baseline: Path | None = None) -> dict:
    overrides = {"corrections": {"file": str(corrections) if corrections else None},
                 "drift": {"baseline": str(baseline) if baseline else None}}
    run_pipeline([str(source)], load_config(None, overrides), out, overwrite=True)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def reviewer(ids: list[str], truth: dict[str, str], given: dict[str, str], path: Path) -> tuple[Path, int]:
    """A corrections file: relabel to the truth where the given label is wrong, keep where it is right; and how many
    relabels it holds (the wrong labels the review fixed)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "action", "label", "note"])
        for ident in ids:
            wrong = given[ident] != truth[ident]
            writer.writerow([ident, "relabel" if wrong else "keep", truth[ident] if wrong else "",
                             "simulated reviewer"])
    return path, sum(given[i] != truth[i] for i in ids)


def macro_f1(out: Path, test: list[tuple[str, str]]) -> float:
    """The baseline's macro-F1 on the held-out ``test``, trained on the run's kept records."""
    from sklearn.metrics import f1_score

    from pipeline.readiness.learning import baseline

    # every kept record trains it (the held-out set is the test): ftprep's split stratifies by label, so a relabel
    # moves records between its splits, and training on train+val alone would add that reshuffle to the figure
    rows = [json.loads(line) for name in ("train.jsonl", "val.jsonl", "test.jsonl")
            for line in (out / name).read_text(encoding="utf-8").splitlines()]
    model = baseline(len(rows)).fit([r["text"] for r in rows], [r["label"] for r in rows])
    return float(f1_score([label for _, label in test], model.predict([t for t, _ in test]), average="macro"))


def left_wrong(out: Path, truth: dict[str, str]) -> float:
    """The true share of wrong labels in the kept records."""
    rows = [json.loads(line) for name in ("train.jsonl", "val.jsonl", "test.jsonl")
            for line in (out / name).read_text(encoding="utf-8").splitlines()]
    return sum(r["label"] != truth[r["id"]] for r in rows) / len(rows)


def table(name: str, rows: list[tuple[str, str]], test: list[tuple[str, str]], work: Path) -> None:
    data = flipped(rows)
    source = work / f"{name}.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "text", "label"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(data)
    truth = {r["id"]: r["truth"] for r in data}
    given = {r["id"]: r["label"] for r in data}
    start = time.perf_counter()
    first = work / f"{name}-0"
    report = run(source, first)
    with open(first / "review.csv", newline="", encoding="utf-8") as fh:
        ranked = [r["id"] for r in csv.DictReader(fh)]
    print(f"\n{name}: {len(data)} rows, {len({r['truth'] for r in data})} labels, {FLIP:.0%} flipped "
          f"({sum(given[i] != truth[i] for i in truth)} wrong); {len(ranked)} review rows; held-out test {len(test)}")
    print("| reviewed | rows | wrong labels fixed | label-noise estimate | wrong labels left (true) | verdict | "
          "macro-F1 (held-out test) |")
    print("|---|---|---|---|---|---|---|")
    noise = report["label_noise"]["estimated_rate"]
    print(f"| none | 0 | 0 | {noise:.1%} | {left_wrong(first, truth):.1%} | {report['verdict']} | "
          f"{macro_f1(first, test):.3f} |", flush=True)
    order = list(truth)
    random.Random(SEED + 1).shuffle(order)
    for n in NS:
        count = len(ranked) if n == "all" else n
        for how, ids in (("top suspects", ranked[:count]), ("random rows", order[:count])):
            out = work / f"{name}-{how.split()[0]}-{count}"
            fixes, fixed = reviewer(ids, truth, given, work / f"{name}-{how.split()[0]}-{count}.csv")
            report = run(source, out, fixes, first)
            noise = report["label_noise"]["estimated_rate"]
            print(f"| {how}, N={n} | {count} | {fixed} | {noise:.1%} | {left_wrong(out, truth):.1%} | {report['verdict']} | "
                  f"{macro_f1(out, test):.3f} |", flush=True)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    args = sys.argv[1:]

    def option(flag: str, default: str) -> str:
        return args[args.index(flag) + 1] if flag in args else default

    work = Path(option("--out", tempfile.mkdtemp(prefix="bench-corrections-")))
    work.mkdir(parents=True, exist_ok=True)
    data = Path(option("--data", "")) if "--data" in args else default_data()
    banking = option("--banking77", "") or str(data_file(data, "banking77"))
    spam = option("--sms", "") or str(data_file(data, "sms_spam/SMSSpamCollection"))
    table("banking77-20", *banking77(Path(banking)), work)
    table("sms_spam", *sms(Path(spam)), work)
