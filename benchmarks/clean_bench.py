"""Throughput of the clean stage on realistic ~500-character examples, per language backend, against a per-row
baseline (ftfy.fix_text + langdetect.detect in a Python loop) measured in the same run.

Not a test: run it by hand and read the figures.

    PYTHONPATH=$PWD python benchmarks/clean_bench.py            # 100,000 examples
    PYTHONPATH=$PWD python benchmarks/clean_bench.py --n 20000  # quicker

Examples are built from the real texts of the public data folder (--data; benchmarks/README.md): English instructions and answers
(LLaMA-Factory alpaca_en_demo), SMS messages with their HTML entities (UCI SMS Spam), banking questions
(banking77), Chinese answers (alpaca_zh_demo) and Wikipedia sentences in 16 languages (Language Detection).
Each example joins texts of one source until it has ~500 characters; about 70% are English. A seeded 5% get
mojibake (UTF-8 read as cp1252), 3% an e-mail address or phone number, so every cleaner has work to do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import time
from pathlib import Path

from datasets import Dataset, disable_progress_bars
from public_data import add_data_option, data_file

from pipeline.clean.stage import clean
from pipeline.clean.config import CleanConfig
from pipeline.core.records import Task, features_for
from pipeline.core.stage import RunContext

TARGET_CHARS = 500
NON_ENGLISH_SHARE = 0.3


def load_sources(data: Path) -> dict[str, list[str]]:
    """Real texts grouped by source (English sources first, then one group per other language)."""
    alpaca_en = json.loads((data / "llamafactory_demo/alpaca_en_demo.json").read_text(encoding="utf-8"))
    alpaca_zh = json.loads((data / "llamafactory_demo/alpaca_zh_demo.json").read_text(encoding="utf-8"))
    sms = [line.split("\t", 1)[1].strip() for line in (data / "sms_spam/SMSSpamCollection").open(encoding="utf-8")][1:]
    with (data / "banking77/train.csv").open(encoding="utf-8", newline="") as fh:
        banking = [row[0] for row in csv.reader(fh)][1:]
    sources = {
        "en:alpaca": [r["output"] for r in alpaca_en if r["output"]],
        "en:sms": sms,
        "en:banking77": banking,
        "zh:alpaca": [r["output"] for r in alpaca_zh if r["output"]],
    }
    with (data / "language_detection/Language Detection.csv").open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in list(csv.reader(fh))[1:]:
            if len(row) >= 2 and row[1] and row[1] != "English" and len(row[0]) > 20:
                sources.setdefault(f"xx:{row[1]}", []).append(row[0].strip())
    return sources


def build_examples(sources: dict[str, list[str]], n: int, seed: int) -> list[dict[str, str]]:
    """``n`` examples of ~500 characters, each from one source, with seeded noise."""
    rng = random.Random(seed)
    english = [k for k in sources if k.startswith("en:")]
    other = [k for k in sources if not k.startswith("en:")]
    examples = []
    for i in range(n):
        source = rng.choice(other if rng.random() < NON_ENGLISH_SHARE else english)
        texts = sources[source]
        text = rng.choice(texts)
        while len(text) < TARGET_CHARS:
            text += " " + rng.choice(texts)
        text = text[:TARGET_CHARS]
        roll = rng.random()
        if roll < 0.05:
            text = text.encode("utf-8").decode("cp1252", errors="replace")  # mojibake
        elif roll < 0.065:
            text += f" Write to me at user{i}@mailbox.org"  # not example.com: reserved example values are not redacted
        elif roll < 0.08:
            text += f" Call me on 07{rng.randrange(10**8, 10**9)}"
        examples.append({"text": text, "label": source})
    return examples


def as_dataset(examples: list[dict[str, str]]) -> Dataset:
    columns = {name: [] for name in features_for(Task.CLASSIFICATION)}
    for i, example in enumerate(examples):
        row = {"id": f"ex{i}", "source_file": "bench", "source_row": i + 1, "raw": json.dumps(example),
               "extra": "{}", "cluster": f"ex{i}", **example}  # fmt: skip
        for name in columns:
            columns[name].append(row[name])
    return Dataset.from_dict(columns, features=features_for(Task.CLASSIFICATION))


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (datasets' worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def baseline(examples: list[dict[str, str]]) -> float:
    """Examples/s of the naive per-row loop: ftfy.fix_text then langdetect.detect (seed fixed)."""
    import ftfy
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    start, cpu = time.perf_counter(), cpu_seconds()
    for example in examples:
        text = ftfy.fix_text(example["text"])
        try:
            detect(text)
        except LangDetectException:
            pass
    return len(examples) / (time.perf_counter() - start), len(examples) / (cpu_seconds() - cpu)


def time_stage(ds: Dataset, cfg: CleanConfig) -> tuple[float, float, dict]:
    """Examples per wall-clock second, examples per CPU second (all processes), and what the run kept."""
    start, cpu = time.perf_counter(), cpu_seconds()
    result = clean(ds, cfg, RunContext())
    seconds, cpu_used = time.perf_counter() - start, cpu_seconds() - cpu
    outcome = {"kept": len(result.kept), "rejected": len(result.rejected), "wall_s": round(seconds, 1), "cpu_s": round(cpu_used, 1)}
    return len(ds) / seconds, len(ds) / cpu_used, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="examples for each stage run")
    parser.add_argument("--baseline-n", type=int, default=3_000, help="examples for the per-row baseline loop")
    parser.add_argument("--num-proc", type=int, default=2, help="worker processes for the stage")
    add_data_option(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-langdetect", action="store_true", help="skip the slow langdetect-filter run")
    args = parser.parse_args()
    disable_progress_bars()

    examples = build_examples(load_sources(data_file(args.data, "")), args.n, args.seed)
    ds = as_dataset(examples)
    print(f"{args.n} examples, mean {sum(len(e['text']) for e in examples) / len(examples):.0f} chars, "
          f"num_proc={args.num_proc}")  # fmt: skip
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other processes share them)")
    base, base_cpu = baseline(examples[: args.baseline_n])
    print(f"baseline  ftfy + langdetect per row (1 process, {args.baseline_n} rows): {base:7.0f} examples/s wall, "
          f"{base_cpu:6.0f} per CPU-second")
    runs = [
        ("lingua     filter en", CleanConfig(languages=("en",), language_backend="lingua", num_proc=args.num_proc)),
        ("langdetect sample mix", CleanConfig(num_proc=args.num_proc)),
        ("lingua     sample mix", CleanConfig(language_backend="lingua", num_proc=args.num_proc)),
    ]
    if not args.skip_langdetect:
        runs.append(("langdetect filter en", CleanConfig(languages=("en",), num_proc=args.num_proc)))
    for name, cfg in runs:
        rate, cpu_rate, outcome = time_stage(ds, cfg)
        print(f"clean     {name:22s}: {rate:7.0f} examples/s wall ({rate / base:5.1f}x baseline), {cpu_rate:6.0f} per "
              f"CPU-second ({cpu_rate / base_cpu:5.1f}x)  {outcome}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
