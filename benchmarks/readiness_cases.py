"""The readiness corpus: real datasets, and real datasets with one known defect, each with the verdict ftprep
must give and the checks that must say so.

It is the calibration tool of the readiness checks: a default is right when every case here is right. Each case
builds its input from the public datasets in ``../shared/data`` (next to the repository; ``--data`` or
``$FTPREP_SHARED_DATA`` point elsewhere), runs ``ftprep run`` on it in a fresh process, and compares
``report.json`` with the expectation. A case whose source file is missing is skipped, and the table says so.

    python benchmarks/readiness_cases.py [--data DIR] [--only NAME,...] [--keep DIR] [--json FILE]

Prints one row per case (case, expected, got, time, right) and the mismatches below the table; exit 0 when every
case that ran is right, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"
SEED = 7  # the seed of every corruption below; ftprep's own seed stays at its default

Build = Callable[[Path, Path], list[str]]
"""(data dir, work dir) -> the ``ftprep run`` arguments before ``--out`` (input paths and flags)."""
Extra = Callable[[dict[str, Any]], list[str]]
"""report.json -> problems beyond check statuses (empty when fine)."""

ORDER = {"ready": 0, "ready_with_warnings": 1, "not_ready": 2}


@dataclass(frozen=True)
class Case:
    """One dataset and what ftprep must say about it.

    Args:
        name: short id, shown in the table.
        sources: files under the data dir the case reads (missing -> the case is skipped).
        build: writes the input into the work dir and returns the run arguments.
        verdict: the verdict ftprep must give.
        checks: check name -> the status it must get.
        tolerated: checks allowed to warn although ``verdict`` says otherwise, each with the reason (a known
            issue owned elsewhere); the case is right when removing their warnings gives ``verdict``.
        extra: further properties of the report (messages, recommendations).
        why: the defect (or its absence) in one line.
    """

    name: str
    sources: tuple[str, ...]
    build: Build
    verdict: str
    checks: dict[str, str]
    why: str
    tolerated: dict[str, str] = field(default_factory=dict)
    extra: tuple[Extra, ...] = ()


# -- reading the real data -----------------------------------------------------------------------------------------

def _banking(data: Path, split: str = "train") -> list[tuple[str, str]]:
    with open(data / "banking77" / f"{split}.csv", newline="", encoding="utf-8") as fh:
        return [(row["text"], row["category"]) for row in csv.DictReader(fh)]


def _banking20(data: Path) -> list[tuple[str, str]]:
    """banking77 train restricted to 20 of its 77 intents (every 4th in name order): ~2,600 rows, fast to run,
    and a baseline that reaches ~0.93 accuracy, so label-noise estimates are not blurred by weak evidence."""
    rows = _banking(data)
    keep = sorted({label for _, label in rows})[::4][:20]
    return [(t, l) for t, l in rows if l in keep]


def _sms(data: Path) -> list[tuple[str, str]]:
    lines = (data / "sms_spam" / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()[1:]  # header line
    return [(text, label) for label, text in (line.split("\t", 1) for line in lines)]


def _alpaca_en(data: Path) -> list[dict[str, str]]:
    return json.loads((data / "llamafactory_demo" / "alpaca_en_demo.json").read_text(encoding="utf-8"))


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return str(path)


def _classification(rows: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"text": t, "label": l} for t, l in rows]


# -- builders ------------------------------------------------------------------------------------------------------

def as_is(relative: str, *flags: str) -> Build:
    return lambda data, work: [str(data / relative), *flags]


# banking77-20 has ~2,600 rows: with a 10% test split (256 rows) accuracy is known to ±6%, a true eval_power warning
# that every case built on it would carry; a 20% test split (~510 rows) measures it to ±4.3%.
B20_SPLIT = ("--split", "0.7,0.1,0.2")


def flipped(share: float) -> Build:
    """banking77-20 with ``share`` of the labels replaced by a random other label (seeded)."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _banking20(data)
        labels = sorted({l for _, l in rows})
        rng = random.Random(SEED)
        chosen = set(rng.sample(range(len(rows)), round(share * len(rows))))
        out = [(t, rng.choice([x for x in labels if x != l]) if i in chosen else l) for i, (t, l) in enumerate(rows)]
        return [_write_jsonl(work / "flipped.jsonl", _classification(out)), *B20_SPLIT]
    return build


def tiny_per_label(n_labels: int, per_label: int) -> Build:
    def build(data: Path, work: Path) -> list[str]:
        rows = _banking(data)
        labels = sorted({l for _, l in rows})[:n_labels]
        out = [r for label in labels for r in [r for r in rows if r[1] == label][:per_label]]
        return [_write_jsonl(work / "tiny.jsonl", _classification(out))]
    return build


def tiny_sms(n: int) -> Build:
    def build(data: Path, work: Path) -> list[str]:
        rows = _sms(data)
        out = [r for r in rows if r[1] == "ham"][: n // 2] + [r for r in rows if r[1] == "spam"][: n - n // 2]
        return [_write_jsonl(work / "tiny_sms.jsonl", _classification(out))]
    return build


CANNED = "I'm sorry, but I can't help with that. Please contact our support team for further assistance."


def collapsed_chat(share: float) -> Build:
    """Alpaca EN as chat; ``share`` of the assistant turns replaced by one canned answer."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _alpaca_en(data)
        rng = random.Random(SEED)
        canned = set(rng.sample(range(len(rows)), round(share * len(rows))))
        out = []
        for i, r in enumerate(rows):
            user = r["instruction"] + (f"\n\n{r['input']}" if r["input"] else "")
            out.append({"messages": [{"role": "user", "content": user},
                                     {"role": "assistant", "content": CANNED if i in canned else r["output"]}]})
        return [_write_jsonl(work / "collapsed.jsonl", out)]
    return build


def leaked_labels(data: Path, work: Path) -> list[str]:
    """banking77-20 with every text starting with its label in brackets: '[card_arrival] Where is my card?'."""
    rows = [(f"[{l}] {t}", l) for t, l in _banking20(data)]
    return [_write_jsonl(work / "leaked.jsonl", _classification(rows)), *B20_SPLIT]


def imbalanced(data: Path, work: Path) -> list[str]:
    """SMS spam with the spam class cut to 30 messages (of 747): ham outnumbers it ~150 to 1."""
    rows = _sms(data)
    out = [r for r in rows if r[1] == "ham"] + [r for r in rows if r[1] == "spam"][:30]
    return [_write_jsonl(work / "imbalanced.jsonl", _classification(out))]


def near_twins(data: Path, work: Path) -> list[str]:
    """banking77-20 plus a copy of 10% of its rows with one typo (two adjacent letters of a word swapped)."""
    rows = _banking20(data)
    rng = random.Random(SEED)
    twins = []
    for i in rng.sample(range(len(rows)), len(rows) // 10):
        text, label = rows[i]
        words = text.split(" ")
        long_words = [j for j, w in enumerate(words) if len(w) >= 4] or [0]
        j = rng.choice(long_words)
        w = words[j]
        k = rng.randrange(max(1, len(w) - 1))
        words[j] = w[:k] + w[k + 1:k + 2] + w[k:k + 1] + w[k + 2:]
        twins.append((" ".join(words), label))
    return [_write_jsonl(work / "twins.jsonl", _classification(rows + twins)), *B20_SPLIT]


def csv_shift(data: Path, work: Path) -> list[str]:
    """banking77-20 as CSV where 10 label cells open a stray quote that a label three rows later closes: the
    reader folds those rows into one label cell, so 10 labels become paragraphs of text ('card_arrival⏎Where is
    my card?,card_arrival⏎...'), as a broken spreadsheet export does."""
    rows = _banking20(data)
    path = work / "shifted.csv"
    _write_csv(path, rows)
    with open(path, newline="", encoding="utf-8") as fh:
        lines = fh.read().split("\r\n")
    rng = random.Random(SEED)
    for start in sorted(rng.sample(range(1, len(lines) - 5), 10)):
        if lines[start].endswith('"') or lines[start + 3].endswith('"'):
            continue
        text, _, label = lines[start].rpartition(",")
        lines[start] = f'{text},"{label}'
        lines[start + 3] += '"'
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("\r\n".join(lines))
    return [str(path), *B20_SPLIT]


# -- extra properties ----------------------------------------------------------------------------------------------

def text_like_labels_not_grown(report: dict[str, Any]) -> list[str]:
    """No recommendation asks for more examples of a label that is a parsing accident."""
    accidents = [l for l in (report.get("labels") or {}).get("train", {}) if "\n" in l or len(l.split()) >= 4]
    problems = []
    for check in report["checks"]:
        rec = check.get("recommendation") or ""
        if "add" in rec and any(a[:20] in rec for a in accidents):
            problems.append(f"{check['name']} recommends adding examples to a text-like label")
    return problems


def echoes_are_short(report: dict[str, Any]) -> list[str]:
    """Messages quote at most ~80 characters of user text (here: any label or text longer than that)."""
    long_labels = [l for l in (report.get("labels") or {}).get("train", {}) if len(l) > 100]
    problems = []
    for check in report["checks"]:
        said = (check.get("message") or "") + " " + (check.get("recommendation") or "")
        if any(l[:100] in said for l in long_labels):
            problems.append(f"{check['name']} echoes a label of 100+ characters in full")
    return problems



CASES: list[Case] = [
    Case("banking77_full", ("banking77/train.csv",), as_is("banking77/train.csv"), "ready",
         {"min_per_label": "info", "label_eval_power": "info", "expectations": "pass"},
         "a standard benchmark, 10k rows, 77 intents: nothing to fix",
         tolerated={"learning_curve": "the probe's gain per doubling sits at the 0.02 line: +0.027 (+0.015..+0.039) "
                                      "with edit twins grouped, +0.038 (+0.028..+0.043) before; on banking77's own "
                                      "test set it gains +0.034..+0.042 from 5k to 10k rows, so a warning is true too"}),
    Case("sms_spam", ("sms_spam/SMSSpamCollection",), as_is("sms_spam/SMSSpamCollection", "--format", "tsv"),
         "ready_with_warnings", {"label_balance": "pass", "language_mix": "pass", "pii": "warn"},
         "UCI SMS spam, 5.5k rows, 13% spam; the one warning is true: 7% of messages carry phone numbers (53% of spam: "
         "the service numbers that mark it) or e-mails, and redacting them changes what a spam model learns"),
    Case("alpaca_en", ("llamafactory_demo/alpaca_en_demo.json",), as_is("llamafactory_demo/alpaca_en_demo.json"), "ready",
         {"eval_power": "pass", "pii": "info"}, "1k Alpaca-style instructions: a usable small SFT set"),
    Case("alpaca_200", ("stanford_alpaca/alpaca_200.json",), as_is("stanford_alpaca/alpaca_200.json"), "ready_with_warnings",
         {"eval_power": "warn"}, "200 records: a 20-example test split cannot tell a 60% win rate from a coin flip"),
    Case("tiny_4_per_label", ("banking77/train.csv",), tiny_per_label(5, 4), "not_ready",
         {"min_per_label": "fail"}, "5 labels x 4 examples: must name the labels, not crash (it did: exit 3)"),
    Case("tiny_sms_8", ("sms_spam/SMSSpamCollection",), tiny_sms(8), "not_ready", {"min_examples": "fail"},
         "8 rows: below any fine-tuning API's minimum"),
    Case("tiny_chat_5", ("openai_toy_chat/toy_chat_fine_tuning.jsonl",), as_is("openai_toy_chat/toy_chat_fine_tuning.jsonl"),
         "not_ready", {"min_examples": "fail"}, "OpenAI's 5-row toy chat file"),
    Case("flipped_05", ("banking77/train.csv",), flipped(0.05), "ready_with_warnings", {"label_noise": "warn"},
         "banking77-20 with 5% of labels flipped"),
    Case("flipped_10", ("banking77/train.csv",), flipped(0.10), "ready_with_warnings", {"label_noise": "warn"},
         "banking77-20 with 10% of labels flipped"),
    Case("flipped_20", ("banking77/train.csv",), flipped(0.20), "not_ready", {"label_noise": "fail"},
         "banking77-20 with 20% of labels flipped"),
    Case("flipped_40", ("banking77/train.csv",), flipped(0.40), "not_ready", {"label_noise": "fail"},
         "banking77-20 with 40% of labels flipped"),
    Case("collapsed_85", ("llamafactory_demo/alpaca_en_demo.json",), collapsed_chat(0.85), "not_ready",
         {"response_collapse": "fail"}, "Alpaca EN chat, 85% of assistant turns one canned answer"),
    Case("collapsed_30", ("llamafactory_demo/alpaca_en_demo.json",), collapsed_chat(0.30), "ready_with_warnings",
         {"response_collapse": "warn"}, "Alpaca EN chat, 30% of assistant turns one canned answer"),
    Case("leaked_labels", ("banking77/train.csv",), leaked_labels, "ready_with_warnings", {"label_leakage": "warn"},
         "banking77-20 with '[label] ' written into every text",
         tolerated={"split_leakage": "the '[label] ' prefix makes short texts of one label near twins (Jaccard >= 0.5)"}),
    Case("placeholders_identity", ("llamafactory_demo/identity.json",), as_is("llamafactory_demo/identity.json"),
         "not_ready", {"placeholders": "fail"}, "LLaMA-Factory identity set: {{name}}/{{author}} in 84 of 91 rows"),
    Case("placeholders_sft_demo", ("llamafactory_demo/v1_sft_demo.jsonl",), as_is("llamafactory_demo/v1_sft_demo.jsonl"),
         "ready_with_warnings", {"placeholders": "warn", "eval_power": "warn", "language_mix": "warn",
                                 "chat_fields": "warn"},
         "LLaMA-Factory chat demo: {{name}} in 46 of 500 rows; 33 Chinese chats in an English set; 50 test examples; "
         "loss_weight fields in its messages"),
    Case("imbalanced_sms", ("sms_spam/SMSSpamCollection",), imbalanced, "ready_with_warnings",
         {"label_balance": "warn", "min_per_label": "warn", "expectations": "warn", "language_mix": "pass",
          "pii": "info"},
         "SMS spam with spam cut to 30 messages (the label_share expectation says the same as label_balance; the "
         "phone numbers left are in under 1% of messages)"),
    Case("near_twins", ("banking77/train.csv",), near_twins, "ready", {"split_leakage": "pass", "duplicate_rate": "pass"},
         "banking77-20 plus typo'd copies of 10% of its rows: dedup must remove them, nothing may leak"),
    Case("csv_shift", ("banking77/train.csv",), csv_shift, "not_ready", {"min_per_label": "fail"},
         "banking77-20 CSV where stray quotes fold rows into 10 paragraph-long labels",
         extra=(text_like_labels_not_grown, echoes_are_short)),
    Case("language_detection", ("language_detection/Language Detection.csv",),
         as_is("language_detection/Language Detection.csv"), "not_ready", {"min_per_label": "fail"},
         "real 10k-row language-ID CSV with one shifted row: a Hindi sentence in the label column",
         tolerated={"language_mix": "a language-identification set is multilingual by design"},
         extra=(text_like_labels_not_grown, echoes_are_short)),
]


# -- running and judging -------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    case: Case
    got: str  # a verdict, "crash (exit N)" or "skipped: ..."
    seconds: float
    problems: list[str]

    @property
    def right(self) -> bool | None:
        return None if self.got.startswith("skipped") else not self.problems


def judge(case: Case, report: dict[str, Any]) -> list[str]:
    """What differs from the expectation (empty when the case is right).

    The named checks must have their status and the verdict must match, counting tolerated warnings as passes.
    Unless the case is ``not_ready`` (where consequences of the defect may warn too), no other check may warn
    or fail: a warning the case does not name is a false alarm.
    """
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    problems = [f"{name}: {statuses.get(name, 'missing')} (want {want})" for name, want in case.checks.items()
                if statuses.get(name) != want]
    untolerated = {n: s for n, s in statuses.items() if not (n in case.tolerated and s == "warn")}
    effective = ("not_ready" if "fail" in untolerated.values() else
                 "ready_with_warnings" if "warn" in untolerated.values() else "ready")
    if effective != case.verdict:
        aside = f" ({effective} with the tolerated warnings set aside)" if effective != report["verdict"] else ""
        problems.insert(0, f"verdict {report['verdict']}{aside} (want {case.verdict})")
    if case.verdict != "not_ready":
        unexpected = [f"{n} {s}" for n, s in untolerated.items() if s in ("warn", "fail") and n not in case.checks]
        if unexpected:
            problems.append("unexpected: " + ", ".join(unexpected))
    for extra in case.extra:
        problems += extra(report)
    return problems


def run_case(case: Case, data: Path, work: Path, keep: Path | None) -> Outcome:
    missing = [s for s in case.sources if not (data / s).exists()]
    if missing:
        return Outcome(case, f"skipped: {missing[0]} not found", 0.0, [])
    work.mkdir(parents=True, exist_ok=True)
    args = case.build(data, work)
    out = (keep / case.name) if keep else work / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", *args, "--out", str(out), "--overwrite", "--quiet"],
                          env=env, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        return Outcome(case, f"crash (exit {proc.returncode})", seconds, [proc.stderr.strip()[-300:]])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return Outcome(case, report["verdict"], seconds, judge(case, report))


def judge_kept(case: Case, kept: Path) -> Outcome:
    path = kept / case.name / "report.json"
    if not path.exists():
        return Outcome(case, "no report kept", 0.0, ["no report.json: the run crashed or was not kept"])
    report = json.loads(path.read_text(encoding="utf-8"))
    return Outcome(case, report["verdict"], 0.0, judge(case, report))


def table(outcomes: list[Outcome]) -> str:
    rows = [("case", "expected", "got", "time", "right")]
    for o in outcomes:
        right = "-" if o.right is None else ("yes" if o.right else "NO")
        tolerated = [n for n in o.case.tolerated if o.got == "ready_with_warnings" and o.case.verdict == "ready"]
        got = o.got + (f" ({', '.join(tolerated)} tolerated)" if tolerated and o.right else "")
        rows.append((o.case.name, o.case.verdict, got, f"{o.seconds:.1f}s", right))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        lines += [f"  {o.case.name}: {p}" for p in o.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FTPREP_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--keep", type=Path, help="keep each case's output directory under this one")
    parser.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    parser.add_argument("--judge", type=Path, help="judge the reports kept by an earlier --keep run, without running")
    args = parser.parse_args(argv)
    chosen = [c for c in CASES if not args.only or c.name in args.only.split(",")]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="ftprep-cases-") as tmp:
        for case in chosen:
            if args.judge:
                outcomes.append(judge_kept(case, args.judge))
                continue
            outcome = run_case(case, args.data, Path(tmp) / case.name, args.keep)
            print(f"{case.name}: {outcome.got} in {outcome.seconds:.1f}s", file=sys.stderr, flush=True)
            outcomes.append(outcome)
    print(table(outcomes))
    if args.json:
        args.json.write_text(json.dumps([{"case": o.case.name, "expected": o.case.verdict, "got": o.got,
                                          "seconds": round(o.seconds, 1), "right": o.right, "problems": o.problems}
                                         for o in outcomes], indent=2))
    return 0 if all(o.right is not False for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
