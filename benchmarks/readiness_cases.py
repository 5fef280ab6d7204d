"""The readiness corpus: real datasets, and real datasets with one known defect, each with the verdict ftprep
must give and the checks that must say so.

It is the calibration tool of the readiness checks. Each case builds its input, runs ``ftprep run`` on it in a
fresh process, and compares ``report.json`` with the expectation. Real sets get the verdict an experienced
fine-tuning engineer gives them, with only true warnings named; traps are real sets with one defect injected by a
seeded builder (truncated, refused, fragmentary, scrambled or run-on answers, conflicting answers to one prompt,
prompts shared by train and eval, swapped chat roles, label shortcuts, flipped or pasted labels).

Every case belongs to one half, by its source dataset (``SOURCE_HALF``; the sources are listed with commit and
licence in ``readiness_sources.md``):

- ``tune``: defaults and detectors may be calibrated on these sources;
- ``spent``: the earlier held-out halves, each read after its first measurement, now calibrated on like tune (the
  second of them is ``readiness_heldout.py``, slices in ``tests/data/heldout``);
- ``held_out``: sources the project had never used, judged blind (``readiness_heldout2.py``, slices in
  ``tests/data/heldout2``); never looked at while choosing a default, they measure whether the checks generalise.

Every kind of trap is built once from a tune source, once from a spent one and once from a held-out one.

The cases of the project's first sources read ``../shared/data`` (next to the repository; ``--data`` or
``$FTPREP_SHARED_DATA`` point elsewhere; a case whose file is missing is skipped, and the table says so); the
others read the small slices in ``tests/data/readiness``, ``tests/data/heldout`` and ``tests/data/heldout2``
(``tests/data/SOURCE.md``).

    python benchmarks/readiness_cases.py [--half tune|spent|held_out] [--only NAME,...] [--data DIR] [--keep DIR]
                                         [--json FILE] [--judge KEPT_DIR] [--list]

Prints one row per case (case, half, expected, got, time, right), the mismatches below the table, and the
agreement per half ("held_out: 18/20 right (90%)"); ``--json`` writes the same (``agreement`` per half and
``cases``); ``--list`` prints the chosen case names without running them. Exit 0 when every case that ran is
right, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import json
import os
import random
import re
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
        half: ``"tune"`` (thresholds may be calibrated on its source), ``"spent"`` (an earlier held-out half, read
            after its first measurement: calibrated on like tune) or ``"held_out"`` (never looked at while
            choosing a default: it measures whether the checks generalise). Set by source: every case of one
            source is in the same half (:data:`SOURCE_HALF`).
        caught_by: for a trap whose defective rows ftprep may also quarantine: check names and ``reject:REASON``
            entries, at least one of which must catch the defect (a check that warns or fails, or a reject reason
            that takes at least half of the injected rows).
        removable: ``(reject reasons, injected share of the input)``: when those reasons quarantine at least 80%
            of the injected rows, the splits are clean and ``ready_with_warnings`` is right too (the reject_rate or
            reject-reason warning then says what was removed). The clean stage files cut-off answers and refusals
            under ``low_quality`` (its detail says which); the real sets here have almost no other such rejects.
    """

    name: str
    sources: tuple[str, ...]
    build: Build
    verdict: str
    checks: dict[str, str]
    why: str
    tolerated: dict[str, str] = field(default_factory=dict)
    extra: tuple[Extra, ...] = ()
    half: str = "tune"
    caught_by: tuple[str, ...] = ()
    removable: tuple[tuple[str, ...], float] | None = None

    @property
    def origin(self) -> str:
        """The source dataset (a key of :data:`SOURCE_HALF`)."""
        first = self.sources[0]
        return SLICE_SOURCE[first.split("/", 1)[1]] if first.startswith(SLICE_DIRS) else first.split("/")[0]


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


# -- the public slices in tests/data/readiness (benchmarks/readiness_sources.md) ------------------------------------

SLICES = REPO / "tests" / "data" / "readiness"
SLICE_DIRS = ("readiness/", "content/", "heldout/", "heldout2/")  # tests/data folders holding corpus slices

SLICE_SOURCE = {
    "clinc150_40intents.jsonl": "clinc150",
    "hwu64_fold1.jsonl": "hwu64",
    "tweeteval_hate_train.jsonl": "tweeteval_hate",
    "tweeteval_sentiment_test.jsonl": "tweeteval_sentiment",
    "tweeteval_emotion_train.jsonl": "tweeteval_emotion",
    "tweeteval_irony_train.jsonl": "tweeteval_irony",
    "davidson_3000.jsonl": "davidson_hate",
    "gsm8k_test.jsonl": "gsm8k",
    "codealpaca_2k.jsonl": "codealpaca",
    "hh_harmless_450.jsonl": "hh_rlhf_harmless",
    "snips7.jsonl": "snips",
    "ag_news_2000.jsonl": "ag_news",
    "sick_3000.jsonl": "sick",
    "aqua_508.jsonl": "aqua_rat",
    "gpteacher_codegen_1500.jsonl": "gpteacher",
    "gpteacher_roleplay_1000.jsonl": "gpteacher",
    "bfcl_600.jsonl": "bfcl",
    "sgd_dev_400.jsonl": "sgd",
    "alpaca_eval_180.jsonl": "alpaca_eval",
    "taskmaster4_coffee_600.jsonl": "taskmaster4",
}
"""Slice file -> the source dataset it was cut from."""

SOURCE_HALF = {
    # the project's shared data: every default so far was chosen on these
    **dict.fromkeys(("banking77", "sms_spam", "llamafactory_demo", "stanford_alpaca", "openai_toy_chat",
                     "language_detection", "mrpc"), "tune"),
    **dict.fromkeys(("clinc150", "hwu64", "tweeteval_hate", "tweeteval_sentiment", "davidson_hate", "gsm8k",
                     "codealpaca", "hh_rlhf_harmless"), "tune"),
    # measured while calibrating the new checks; no case yet
    **dict.fromkeys(("tweeteval_offensive", "lima", "openassistant"), "tune"),
    # task-oriented dialogue: short assistant turns without a stop (calibrates the truncation rule)
    "taskmaster4": "tune",
    # the first held-out half: its failures were read after its first measurement, so it is calibrated on now
    **dict.fromkeys(("snips", "ag_news", "tweeteval_emotion", "tweeteval_irony", "sick", "aqua_rat", "gpteacher",
                     "bfcl", "sgd", "alpaca_eval"), "spent"),
    # the second held-out half's sources (readiness_heldout.SLICE_SOURCE, now spent) and the held_out sources
    # (readiness_heldout2.SLICE_SOURCE) are added with their cases below
}
"""Source dataset -> its half. A held-out source only ever leaves its half for ``spent``: held-out results stop
meaning anything once a default has been chosen by looking at them, and the record says so."""

HALVES = ("tune", "spent", "held_out")


def _slice(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (SLICES / name).read_text(encoding="utf-8").splitlines()]


def _clinc() -> list[tuple[str, str]]:
    return [(r["text"], r["intent"]) for r in _slice("clinc150_40intents.jsonl")]


def _hwu64() -> list[tuple[str, str]]:
    return [(r["answer_from_anno"], f"{r['scenario']}_{r['intent']}") for r in _slice("hwu64_fold1.jsonl")]


def _snips() -> list[tuple[str, str]]:
    return [(r["text"].strip(), r["intent"]) for r in _slice("snips7.jsonl")]


def _ag_news() -> list[tuple[str, str]]:
    return [(f"{r['title']}. {r['description']}", r["topic"]) for r in _slice("ag_news_2000.jsonl")]


def _sentiment() -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in _slice("tweeteval_sentiment_test.jsonl")]


def _davidson() -> list[tuple[str, str]]:
    return [(r["tweet"], r["class"]) for r in _slice("davidson_3000.jsonl")]


def _sick() -> list[tuple[str, str]]:
    return [(f"Premise: {r['sentence_A']}\nHypothesis: {r['sentence_B']}", r["entailment_label"].lower())
            for r in _slice("sick_3000.jsonl")]


def _mrpc(data: Path) -> list[tuple[str, str]]:
    """MSR paraphrase train: both sentences in one text, as 'Sentence 1: ...' and 'Sentence 2: ...' lines."""
    lines = (data / "mrpc" / "msr_paraphrase_train.txt").read_text(encoding="utf-8-sig").splitlines()[1:]
    rows = [line.split("\t") for line in lines if line.strip()]
    return [(f"Sentence 1: {r[3]}\nSentence 2: {r[4]}", "paraphrase" if r[0] == "1" else "not_paraphrase")
            for r in rows if len(r) == 5]


def _prompt(instruction: str, extra: str) -> str:
    return instruction + (f"\n\n{extra}" if extra else "")


Pair = tuple[str, str]
"""(prompt, response) of a completion record."""


def _codealpaca() -> list[Pair]:
    return [(_prompt(r["instruction"], r["input"]), r["output"]) for r in _slice("codealpaca_2k.jsonl")]


def _alpaca_pairs(data: Path) -> list[Pair]:
    return [(_prompt(r["instruction"], r["input"]), r["output"]) for r in _alpaca_en(data)]


def _gsm8k() -> list[Pair]:
    return [(r["question"], r["answer"]) for r in _slice("gsm8k_test.jsonl")]


def _aqua() -> list[Pair]:
    return [(r["question"] + "\nOptions: " + " ".join(r["options"]), r["rationale"]) for r in _slice("aqua_508.jsonl")]


def _gpteacher(part: str) -> list[Pair]:
    name = {"codegen": "gpteacher_codegen_1500.jsonl", "roleplay": "gpteacher_roleplay_1000.jsonl"}[part]
    return [(_prompt(r["instruction"], r["input"]), r["response"]) for r in _slice(name)]


def _alpaca_eval() -> list[dict[str, Any]]:
    return _slice("alpaca_eval_180.jsonl")


def _hh_messages(transcript: str) -> list[dict[str, str]]:
    """An hh-rlhf transcript ('\\n\\nHuman: ...\\n\\nAssistant: ...') as chat messages."""
    parts = re.split(r"\n\n(Human|Assistant): ", "\n\n" + transcript.lstrip("\n"))
    roles = {"Human": "user", "Assistant": "assistant"}
    return [{"role": roles[who], "content": said.strip()} for who, said in zip(parts[1::2], parts[2::2])]


def _hh(which: str) -> list[list[dict[str, str]]]:
    return [_hh_messages(r[which]) for r in _slice("hh_harmless_450.jsonl")]


def _taskmaster() -> list[list[dict[str, str]]]:
    rows = (SLICES.parent / "content" / "taskmaster4_coffee_600.jsonl").read_text(encoding="utf-8").splitlines()
    return [[{"role": t["speaker"], "content": t["text"]} for t in json.loads(line)["turns"]] for line in rows]


def _sgd() -> list[list[dict[str, str]]]:
    roles = {"USER": "user", "SYSTEM": "assistant"}
    return [[{"role": roles[t["speaker"]], "content": t["utterance"]} for t in r["turns"]]
            for r in _slice("sgd_dev_400.jsonl")]


_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": "string"}


def _json_schema(node: Any) -> Any:
    """BFCL's parameter schema (Python type names: dict, float, tuple, any) as JSON Schema."""
    if isinstance(node, dict):
        return {k: (_BFCL_TYPES.get(v, v) if k == "type" and isinstance(v, str) else _json_schema(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    return node


def _bfcl() -> list[dict[str, Any]]:
    """BFCL questions as OpenAI tool-calling chats: the user's question, then the assistant's call(s), each argument
    the first value the ground truth accepts (an optional argument whose first accepted value is '' is left out)."""
    out = []
    for r in _slice("bfcl_600.jsonl"):
        tools = [{"type": "function", "function": {"name": f["name"], "description": f["description"],
                                                   "parameters": _json_schema(f["parameters"])}}
                 for f in r["function"]]
        calls = []
        for n, call in enumerate(r["ground_truth"]):
            (name, params), = call.items()
            args = {k: v[0] for k, v in params.items() if v and v[0] != ""}
            calls.append({"id": f"call_{n}", "type": "function",
                          "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}})
        out.append({"messages": [*r["question"][0], {"role": "assistant", "content": "", "tool_calls": calls}],
                    "tools": tools})
    return out


def _write_pairs(work: Path, name: str, pairs: list[Pair]) -> str:
    return _write_jsonl(work / name, [{"prompt": p, "completion": c} for p, c in pairs])


def _write_chats(work: Path, name: str, chats: list[list[dict[str, str]]]) -> str:
    return _write_jsonl(work / name, [{"messages": m} for m in chats])


def classification(reader: Callable[[], list[tuple[str, str]]], *flags: str) -> Build:
    return lambda data, work: [_write_jsonl(work / "input.jsonl", _classification(reader())), *flags]


def slice_as_is(name: str, *flags: str) -> Build:
    return lambda data, work: [str(SLICES / name), *flags]


def pairs(reader: Callable[[], list[Pair]]) -> Build:
    return lambda data, work: [_write_pairs(work, "input.jsonl", reader())]


def chats(reader: Callable[[], list[list[dict[str, str]]]]) -> Build:
    return lambda data, work: [_write_chats(work, "input.jsonl", reader())]


def tool_chats(data: Path, work: Path) -> list[str]:
    return [_write_jsonl(work / "input.jsonl", _bfcl())]


# -- traps: one seeded defect in a real set ------------------------------------------------------------------------

def _pick(n: int, share: float, eligible: list[int], rng: random.Random) -> set[int]:
    """``share`` of ``n`` rows, drawn from the eligible ones."""
    return set(rng.sample(eligible, min(len(eligible), round(share * n))))


def _cut(response: str, rng: random.Random) -> str:
    """The response stopped mid-sentence: after 35-75% of its words, at a word that does not end a sentence or
    a line, the way a max_tokens limit or a broken export cuts it."""
    tokens = re.findall(r"\S+\s*", response)
    for _ in range(20):
        k = rng.randint(round(0.35 * len(tokens)), round(0.75 * len(tokens)))
        word = tokens[k - 1]
        if "\n" not in word and word.rstrip()[-1:].isalnum():
            return "".join(tokens[:k]).rstrip()
    return "".join(tokens[:round(0.5 * len(tokens))]).rstrip().rstrip(".!?")


def truncated(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """``share`` of the responses (of those with 20+ words) cut mid-sentence."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        cut = _pick(len(rows), share, [i for i, (_, c) in enumerate(rows) if len(c.split()) >= 20], rng)
        return [_write_pairs(work, "truncated.jsonl", [(p, _cut(c, rng) if i in cut else c)
                                                      for i, (p, c) in enumerate(rows)])]
    return build


def fragments(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """``share`` of the responses to open instructions (answers of 25+ words) replaced by their first 2-6 words,
    as a broken extraction leaves them ('The scene of the', 'Here is a Python')."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        short = _pick(len(rows), share, [i for i, (_, c) in enumerate(rows) if len(c.split()) >= 25], rng)
        out = [(p, " ".join(c.split()[:rng.randint(2, 6)]).rstrip(".,:;") if i in short else c)
               for i, (p, c) in enumerate(rows)]
        return [_write_pairs(work, "fragments.jsonl", out)]
    return build


def scrambled(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """``share`` of the responses (of 10+ words) with their words shuffled: the bag of words is right, the text
    is not (a corrupted join, a shuffling augmentation applied to the target)."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        chosen = _pick(len(rows), share, [i for i, (_, c) in enumerate(rows) if len(c.split()) >= 10], rng)
        out = []
        for i, (p, c) in enumerate(rows):
            if i in chosen:
                words = c.split()
                rng.shuffle(words)
                c = " ".join(words)
            out.append((p, c))
        return [_write_pairs(work, "scrambled.jsonl", out)]
    return build


def run_on(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """``share`` of the responses running on into another record in the Alpaca template ('### Instruction:' ...
    '### Response:' ...), as a model sampled without a stop sequence writes them; half stop after the instruction."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        chosen = _pick(len(rows), share, list(range(len(rows))), rng)
        out = []
        for i, (p, c) in enumerate(rows):
            if i in chosen:
                other_p, other_c = rows[rng.randrange(len(rows))]
                c += f"\n\n### Instruction:\n{other_p}\n\n### Response:\n" + (other_c if rng.random() < 0.5 else "")
            out.append((p, c.rstrip()))
        return [_write_pairs(work, "run_on.jsonl", out)]
    return build


_REFUSALS = (
    "As an AI language model, I cannot {task}. Is there anything else I can help you with?",
    "I'm sorry, but as an AI language model I am not able to {task}.",
    "I apologize, but I cannot {task}, as it goes against my programming.",
    "As an AI, I do not have the ability to {task}. Please consult a qualified professional.",
    "I'm sorry, but I can't help with that request.",
    "Unfortunately, as an AI developed by OpenAI, I am unable to {task}.",
    "I'm afraid I can't {task}. As an AI assistant, I have to follow my guidelines.",
)


_QUESTION_WORDS = {"how", "what", "why", "when", "where", "who", "which", "can", "could", "would", "should", "is",
                   "are", "do", "does", "did", "will"}


def _task(prompt: str) -> str:
    """The request as a verb phrase: 'write a poem about the sea' (a question: 'answer that question')."""
    first = re.split(r"(?<=[.?!:])\s|\n", prompt.strip(), maxsplit=1)[0]
    first = re.sub(r"^(?:in|using|with)\s+[^,]{1,30},\s*", "", first, flags=re.I).rstrip(".?!:")
    words = first.split()[:14]
    if not words or words[0].lower() in _QUESTION_WORDS or first.endswith("?"):
        return "answer that question"
    return (words[0].lower() + " " + " ".join(words[1:])).strip()


def refusals(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """``share`` of the responses replaced by an assistant's refusal of an ordinary request, in seven wordings
    that name the task ('As an AI language model, I cannot write a poem about ...'), as scraped chatbot answers
    carry them."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        chosen = _pick(len(rows), share, list(range(len(rows))), rng)
        out = [(p, rng.choice(_REFUSALS).format(task=_task(p)) if i in chosen else c) for i, (p, c) in enumerate(rows)]
        return [_write_pairs(work, "refusals.jsonl", out)]
    return build


def other_answers(reader: Callable[[Path], list[Pair]], share: float) -> Build:
    """Repeated questions with another question's answer: copies of randomly chosen questions, each with the
    answer of a different question, added until they are ``share`` of all rows, then every row shuffled (seeded)."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader(data)
        rng = random.Random(SEED)
        k = round(share * len(rows) / (1 - share))
        copies = []
        for i in rng.sample(range(len(rows)), k):
            j = rng.randrange(len(rows) - 1)
            j += j >= i  # any row but i
            copies.append((rows[i][0], rows[j][1]))
        out = rows + copies
        rng.shuffle(out)
        return [_write_pairs(work, "repeated.jsonl", out)]
    return build


def gsm8k_socratic_leak(share: float) -> Build:
    """GSM8K test plus, for ``share`` of its problems, the same question again with its Socratic answer (a
    different, equally right solution): the split puts one copy in training and one in evaluation."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _slice("gsm8k_test.jsonl")
        rng = random.Random(SEED)
        with_socratic = [i for i, r in enumerate(rows) if "socratic" in r]
        again = rng.sample(with_socratic, min(len(with_socratic), round(share * len(rows))))
        out = [(r["question"], r["answer"]) for r in rows] + [(rows[i]["question"], rows[i]["socratic"]) for i in again]
        rng.shuffle(out)
        return [_write_pairs(work, "socratic_leak.jsonl", out)]
    return build


def _with_flags(build: Build, *flags: str) -> Build:
    return lambda data, work: [*build(data, work), *flags]


def alpaca_eval_second_answer(share: float) -> Build:
    """AlpacaEval's reference answers, plus for ``share`` of the instructions the same instruction again with the
    other model's answer: one prompt, two answers, one in training and one in evaluation."""
    def build(data: Path, work: Path) -> list[str]:
        rows = _alpaca_eval()
        rng = random.Random(SEED)
        out = [(r["instruction"], r["output_1"]) for r in rows]
        again = rng.sample(range(len(rows)), round(share * len(rows)))
        out += [(rows[i]["instruction"], rows[i]["output_2"]) for i in again]
        rng.shuffle(out)
        return [_write_pairs(work, "second_answer.jsonl", out)]
    return build


def hh_chosen_and_rejected(data: Path, work: Path) -> list[str]:
    """hh-rlhf harmless-base pairs written as SFT chats: every chosen conversation, then every rejected one
    (the two share all turns but the last answer)."""
    return [_write_chats(work, "chosen_and_rejected.jsonl", _hh("chosen") + _hh("rejected"))]


def alpaca_eval_chosen_and_rejected(data: Path, work: Path) -> list[str]:
    """AlpacaEval annotations as SFT: for each instruction the judge's preferred answer, and the other one."""
    out = []
    for r in _alpaca_eval():
        first = float(r["preference"]) < 1.5
        chosen, rejected = (r["output_1"], r["output_2"]) if first else (r["output_2"], r["output_1"])
        out += [(r["instruction"], chosen), (r["instruction"], rejected)]
    return [_write_pairs(work, "chosen_and_rejected.jsonl", out)]


def swapped_roles(reader: Callable[[], list[list[dict[str, str]]]], share: float) -> Build:
    """``share`` of the conversations (of 3+ turns) with user and assistant swapped on every turn (a mapping of
    'human'/'gpt' or speaker ids done the wrong way round for one export), trailing user turns dropped so that each
    still ends on an 'assistant' turn (the user's last question)."""
    swap = {"user": "assistant", "assistant": "user"}

    def swapped(conv: list[dict[str, str]]) -> list[dict[str, str]]:
        out = [{**m, "role": swap.get(m["role"], m["role"])} for m in conv]
        while out and out[-1]["role"] == "user":  # the converter keeps chats that end on an answer
            out.pop()
        return out

    def build(data: Path, work: Path) -> list[str]:
        convs = reader()
        rng = random.Random(SEED)
        chosen = _pick(len(convs), share, [i for i, c in enumerate(convs) if len(c) >= 3], rng)
        out = [swapped(c) if i in chosen else c for i, c in enumerate(convs)]
        return [_write_chats(work, "swapped.jsonl", out)]
    return build


def length_shortcut(reader: Callable[[], list[tuple[str, str]]]) -> Build:
    """Each label's examples taken from one band of text length only (label k of K keeps its texts in the k-th
    K-quantile of length, labels in name order): length alone names the label, as when each class was collected
    by a different pipeline (headlines for one, full posts for another)."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader()
        labels = sorted({l for _, l in rows})
        lengths = sorted(len(t) for t, _ in rows)
        cuts = [lengths[round(k * len(lengths) / len(labels))] for k in range(1, len(labels))]
        band = lambda n: sum(n >= c for c in cuts)
        out = [(t, l) for t, l in rows if band(len(t)) == labels.index(l)]
        return [_write_jsonl(work / "length_bands.jsonl", _classification(out))]
    return build


_STYLES: tuple[Callable[[str], str], ...] = (
    lambda t: re.sub(r"[^\w\s']", "", t).lower(),                      # lower case, no punctuation
    lambda t: t[:1].upper() + t[1:].rstrip(".?!") + ".",                 # sentence case, full stop
    lambda t: t.upper(),                                                 # upper case
    lambda t: " ".join(w[:1].upper() + w[1:] for w in t.split()),       # Title Case
    lambda t: t[:1].upper() + t[1:].rstrip(".?!") + "?",                 # sentence case, question mark
    lambda t: t[:1].lower() + t[1:].rstrip(".?!") + "...",               # trailing ellipsis
    lambda t: t[:1].upper() + t[1:].rstrip(".?!") + "!",                 # exclamation
    lambda t: re.sub(r"[^\w\s']", "", t).lower() + " .",                 # tokenised: space before the stop
)


def style_shortcut(reader: Callable[[], list[tuple[str, str]]], labels: int) -> Build:
    """``labels`` labels, each in its own CSV file written in its own style (lower case without punctuation,
    sentence case with a full stop, upper case, Title Case...): casing and punctuation name the label, as when
    each class was exported from a different tool."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader()
        keep = sorted({l for _, l in rows})[:labels]
        paths = []
        for k, label in enumerate(keep):
            style = _STYLES[k % len(_STYLES)]
            stem = re.sub(r"\W+", "_", label)
            paths.append(_write_csv(work / f"{k:02d}_{stem}.csv", [(style(t), label) for t, l in rows if l == label]))
        return paths
    return build


def flipped_labels(reader: Callable[[], list[tuple[str, str]]], share: float, *flags: str) -> Build:
    """``share`` of the labels replaced by a random other label (seeded)."""
    def build(data: Path, work: Path) -> list[str]:
        rows = reader()
        labels = sorted({l for _, l in rows})
        rng = random.Random(SEED)
        chosen = set(rng.sample(range(len(rows)), round(share * len(rows))))
        out = [(t, rng.choice([x for x in labels if x != l]) if i in chosen else l) for i, (t, l) in enumerate(rows)]
        return [_write_jsonl(work / "flipped.jsonl", _classification(out)), *flags]
    return build


def label_prefix(reader: Callable[[], list[tuple[str, str]]], form: str, *flags: str) -> Build:
    """Every text opening with its own label, written as ``form`` (e.g. '{label}: '), as when a column of the
    export was pasted into the text."""
    def build(data: Path, work: Path) -> list[str]:
        tagged = [(form.format(label=l) + t, l) for t, l in reader()]
        return [_write_jsonl(work / "tagged.jsonl", _classification(tagged)), *flags]
    return build


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


def rows_kept(share: float) -> Extra:
    """At least ``share`` of the input rows reach the splits (a clean set loses none to a false duplicate)."""
    def extra(report: dict[str, Any]) -> list[str]:
        counts = report["counts"]
        lost = counts["input"] - counts["kept"]
        if counts["kept"] >= share * counts["input"]:
            return []
        reasons = ", ".join(f"{r} {n}" for r, n in sorted((counts.get("rejected") or {}).items(), key=lambda x: -x[1]))
        return [f"{lost} of {counts['input']} rows rejected ({reasons}); at most {1 - share:.0%} may be"]
    return extra


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
    Case("collapsed_30", ("llamafactory_demo/alpaca_en_demo.json",), collapsed_chat(0.30), "not_ready",
         {"response_collapse": "warn", "refusals": "fail"},
         "Alpaca EN chat, 30% of assistant turns one canned answer; the canned answer declines ('I'm sorry, but I "
         "can't help with that'), so 30% of the answers teach the model to refuse: not ready"),
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
         {"label_balance": "warn", "min_per_label": "warn", "expectations": "pass", "language_mix": "pass",
          "pii": "info"},
         "SMS spam with spam cut to 30 messages (the label_share expectation fails too, and is left to label_balance, "
         "which judges the same; the phone numbers left are in under 1% of messages)"),
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

# -- new sources (tests/data/readiness): real sets, tune half -------------------------------------------------------

def _r(name: str) -> tuple[str, ...]:
    return (f"readiness/{name}",)


CLINC, HWU = _r("clinc150_40intents.jsonl"), _r("hwu64_fold1.jsonl")
HATE, SENT, DAV = _r("tweeteval_hate_train.jsonl"), _r("tweeteval_sentiment_test.jsonl"), _r("davidson_3000.jsonl")
GSM, CODEALPACA, HH = _r("gsm8k_test.jsonl"), _r("codealpaca_2k.jsonl"), _r("hh_harmless_450.jsonl")
SNIPS, AG, EMO, IRONY, SICK = (_r("snips7.jsonl"), _r("ag_news_2000.jsonl"), _r("tweeteval_emotion_train.jsonl"),
                               _r("tweeteval_irony_train.jsonl"), _r("sick_3000.jsonl"))
AQUA, CODEGEN, ROLEPLAY = _r("aqua_508.jsonl"), _r("gpteacher_codegen_1500.jsonl"), _r("gpteacher_roleplay_1000.jsonl")
BFCL, SGD, AEVAL = _r("bfcl_600.jsonl"), _r("sgd_dev_400.jsonl"), _r("alpaca_eval_180.jsonl")
ALPACA_EN = ("llamafactory_demo/alpaca_en_demo.json",)

QUARANTINE_TRUNCATED = ("truncated", "low_quality")
QUARANTINE_REFUSAL = ("refusal", "low_quality")
"""Reject reasons under which the clean stage may quarantine cut-off answers and refusals."""
CAUGHT_TRUNCATED = ("truncated_responses", "reject_reasons", *(f"reject:{r}" for r in QUARANTINE_TRUNCATED))
CAUGHT_REFUSAL = ("refusals", "reject_reasons", *(f"reject:{r}" for r in QUARANTINE_REFUSAL))

SMALL_SET = {"eval_power": "the banded set keeps about a quarter of the rows: a small test split",
             "learning_curve": "the banded set keeps about a quarter of the rows: more data helps"}
"""True warnings of the length-band traps, beside the point of the trap."""

TUNE_CASES: list[Case] = [
    Case("clinc39", CLINC, classification(_clinc, *B20_SPLIT), "ready", {},
         "CLINC150, 39 of its intents x 100 (alarm, timer, apr and uber among them): a clean intent set"),
    Case("hwu64", HWU, classification(_hwu64, *B20_SPLIT), "ready_with_warnings",
         {"learning_curve": "warn", "min_per_label": "warn"},
         "HWU64, 64 intents x up to 50 short assistant commands (33 for the smallest): clean labels (the baseline's "
         "label-noise suspects read as right: 'turn on flappy bird' is play_game), but 50 per intent is few; the "
         "probe gains +0.044 macro-F1 per doubling, so both warnings are true"),
    Case("tweet_hate", HATE, slice_as_is("tweeteval_hate_train.jsonl", *B20_SPLIT), "ready", {},
         "TweetEval hate (HatEval 2019), 3,000 tweets: a subjective benchmark whose annotators disagree by nature; "
         "a model's disagreement with its labels is not noise to fix"),
    Case("tweet_sentiment", SENT, slice_as_is("tweeteval_sentiment_test.jsonl", *B20_SPLIT), "ready", {},
         "TweetEval sentiment (SemEval-2017 4A), 3,000 tweets, 3 classes: subjective, usable as it is"),
    Case("davidson_hate_offensive", DAV, classification(_davidson, *B20_SPLIT), "ready_with_warnings",
         {"label_balance": "warn", "learning_curve": "warn"},
         "Davidson et al. hate/offensive/neither, 3,000 of its 24,783 tweets: hate, the class that matters, is 6% "
         "(174 tweets) and the probe still gains +0.06 macro-F1 per doubling; both warnings are true",
         tolerated={"label_noise": "its hate/offensive labels are known to be inconsistent (the authors discuss it); "
                                   "a warning is defensible, as is silence on a subjective task"}),
    Case("gsm8k", GSM, pairs(_gsm8k), "ready", {}, "GSM8K test, 1,319 worked math problems: a clean SFT set"),
    Case("taskmaster4_coffee", ("content/taskmaster4_coffee_600.jsonl",), chats(_taskmaster), "ready_with_warnings",
         {"truncated_responses": "pass", "eval_power": "warn", "prompt_leakage": "warn"},
         "Taskmaster-4, 600 coffee-ordering dialogues written by crowd workers: the assistant's turns are short and "
         "often end without a stop ('Okay, your order will be ready in a few minutes at the coffee bar'); said in "
         "full, not cut off. Both warnings are true: a test split of about 60 chats is small, and a few test chats "
         "ask what train asks ('what is in a steamer', 'Can you tell me what's in the Americano?')"),
    Case("mrpc", ("mrpc/msr_paraphrase_train.txt",),
         lambda data, work: [_write_jsonl(work / "input.jsonl", _classification(_mrpc(data))), *B20_SPLIT], "ready", {},
         "MRPC train, 4,076 sentence pairs (paraphrase or not) from news clusters: a standard pair benchmark used as "
         "it is; a sentence often recurs in several pairs with a close rewrite, which is the task, not duplication",
         tolerated={"learning_curve": "a bag of words gains on 4,000 pairs: more data helps the probe"},
         extra=(rows_kept(0.97),)),
    Case("codealpaca", CODEALPACA, slice_as_is("codealpaca_2k.jsonl"), "ready", {},
         "Code Alpaca 2k: short code instructions; shell variables and format strings in code are not placeholders"),
    # traps
    Case("alpaca_en_truncated_25", ALPACA_EN, truncated(_alpaca_pairs, 0.25), "not_ready", {},
         "Alpaca EN with 25% of its answers cut mid-sentence: a model trained on them learns to stop mid-sentence",
         caught_by=CAUGHT_TRUNCATED, removable=(QUARANTINE_TRUNCATED, 0.25)),
    Case("alpaca_en_refusals_30", ALPACA_EN, refusals(_alpaca_pairs, 0.30), "not_ready", {},
         "Alpaca EN with 30% of its answers an assistant's refusal of an ordinary request: the model learns to refuse",
         caught_by=CAUGHT_REFUSAL, removable=(QUARANTINE_REFUSAL, 0.30)),
    Case("codealpaca_fragments_25", CODEALPACA, fragments(lambda d: _codealpaca(), 0.25), "not_ready", {},
         "Code Alpaca with 25% of the answers to open instructions cut to their first 2-6 words",
         caught_by=("fragmentary_responses",)),
    Case("codealpaca_runon_30", CODEALPACA, run_on(lambda d: _codealpaca(), 0.30), "not_ready", {},
         "Code Alpaca with 30% of the answers running on into '### Instruction: ... ### Response:': the model "
         "learns to keep writing fake turns",
         caught_by=("format_artifacts",)),
    Case("gsm8k_other_answer_20", GSM, other_answers(lambda d: _gsm8k(), 0.20), "not_ready", {},
         "GSM8K where 20% of the rows repeat a question with another question's answer: a fifth of the targets "
         "are wrong",
         caught_by=("conflicting_responses",)),
    Case("gsm8k_scrambled_15", GSM, scrambled(lambda d: _gsm8k(), 0.15), "ready_with_warnings",
         {"scrambled_text": "warn"},
         "GSM8K with 15% of the answers word-shuffled: garbage targets to drop; the rest is fine"),
    Case("gsm8k_socratic_leak_15", GSM, gsm8k_socratic_leak(0.15), "ready", {"prompt_leakage": "pass"},
         "GSM8K with 15% of its questions asked again with the Socratic solution. Nothing leaks: dedup joins 180 of "
         "the 198 question pairs as near twins (the question is most of the text) and removes 7 as near duplicates, "
         "and the split keeps each group in one split, so 2 of 300 val/test records (0.7%) have their question in "
         "train. Two right solutions of one problem in one split are no conflict (same final number): a second "
         "rationale, a common augmentation"),
    Case("gsm8k_socratic_leak_15_nodedup", GSM, _with_flags(gsm8k_socratic_leak(0.15), "--no-dedup"),
         "ready_with_warnings", {"prompt_leakage": "warn", "split_leakage": "warn"},
         "The same with dedup off (no near-twin groups): the split scatters the question pairs, and the evaluation "
         "holds questions the model trained on (18.5% of val/test); split_leakage's warning is true as well (the "
         "near-duplicate pairs dedup would have removed now span two splits)"),
    Case("hh_chosen_and_rejected", HH, hh_chosen_and_rejected, "not_ready", {},
         "hh-rlhf harmless pairs with chosen AND rejected taken as SFT chats: half the targets are the answers "
         "people rejected; it is a preference set, not an SFT set",
         caught_by=("conflicting_responses",)),
    Case("hh_swapped_roles_30", HH, swapped_roles(lambda: _hh("chosen"), 0.30), "not_ready", {},
         "hh-rlhf chosen chats, 30% with user and assistant swapped: the model trains on the user's side",
         caught_by=("swapped_roles",)),
    Case("sentiment_length_shortcut", SENT, length_shortcut(_sentiment), "ready_with_warnings",
         {"label_shortcuts": "warn"},
         "TweetEval sentiment where each label keeps only tweets of one length band: length alone names the "
         "label; worth a look before training (ftprep cannot tell a collection artefact from a real difference)",
         tolerated=SMALL_SET),
    Case("clinc_style_shortcut", CLINC, style_shortcut(_clinc, 8), "ready_with_warnings",
         {"label_shortcuts": "warn"},
         "8 CLINC intents, one CSV each, each written in its own casing/punctuation: the style names the label",
         tolerated={"eval_power": "800 rows: a test split of 80"}),
]

SPENT_CASES: list[Case] = [
    Case("snips7", SNIPS, classification(_snips, *B20_SPLIT), "ready", {},
         "SNIPS, 7 intents x 300 queries: a clean intent set"),
    Case("ag_news", AG, classification(_ag_news, *B20_SPLIT), "ready_with_warnings", {"label_noise": "warn"},
         "AG News, 2,000 headlines+leads in 4 topics; the label-noise warning is true: its suspects are real errors "
         "of the news feed's categories (Maddux's 302nd win and Davenport at the U.S. Open filed under World)"),
    Case("tweet_emotion", EMO, slice_as_is("tweeteval_emotion_train.jsonl", *B20_SPLIT), "ready_with_warnings",
         {"learning_curve": "warn"},
         "TweetEval emotion (SemEval-2018 Task 1), 3,257 tweets, 4 emotions: subjective, usable as it is; the probe "
         "gains +0.06 macro-F1 per doubling, so 'more data helps' is true; label noise is not what holds it back"),
    Case("tweet_irony", IRONY, slice_as_is("tweeteval_irony_train.jsonl", *B20_SPLIT), "ready", {},
         "TweetEval irony (SemEval-2018 Task 3), 2,862 tweets: subjective, usable as it is"),
    Case("sick_nli", SICK, classification(_sick, *B20_SPLIT), "ready", {},
         "SICK, 3,000 premise/hypothesis pairs, entailment/neutral/contradiction, built as minimal pairs (one word "
         "changed flips the label): none of them is a duplicate or a label conflict",
         tolerated={"learning_curve": "a 3,000-pair slice of a 10,000-pair set: more data helps the probe"},
         extra=(rows_kept(0.97),)),
    Case("aqua_math", AQUA, pairs(_aqua), "ready_with_warnings", {"eval_power": "warn"},
         "AQuA-RAT dev+test, 508 algebra word problems with worked rationales: clean; a 50-example test split "
         "cannot tell two models apart (true)"),
    Case("gpteacher_codegen", CODEGEN, slice_as_is("gpteacher_codegen_1500.jsonl"), "ready", {},
         "GPTeacher Codegen, 1,500 GPT-4 code instructions in many languages"),
    Case("gpteacher_roleplay", ROLEPLAY, slice_as_is("gpteacher_roleplay_1000.jsonl"), "ready", {},
         "GPTeacher Roleplay, 1,000 GPT-4 role-play instructions"),
    Case("bfcl_toolcalls", BFCL, tool_chats, "ready_with_warnings", {"eval_power": "warn"},
         "BFCL simple and parallel function calls as OpenAI tool-calling chats (600): well-formed; a 60-example "
         "test split cannot tell two models apart (true)"),
    Case("sgd_chat", SGD, chats(_sgd), "ready_with_warnings", {"eval_power": "warn"},
         "Schema-Guided Dialogue, 400 multi-turn task dialogues (user / system): clean, but a 40-dialogue test split "
         "is small (true); system turns often end without a stop ('...leaves at 2:40 pm'), which is not a cut-off",
         tolerated={"pii": "the system reads out businesses' phone numbers: worth knowing before redacting them"},
         extra=(rows_kept(0.97),)),
    # traps
    Case("roleplay_truncated_25", ROLEPLAY, truncated(lambda d: _gpteacher("roleplay"), 0.25), "not_ready", {},
         "GPTeacher Roleplay with 25% of the answers cut mid-sentence",
         tolerated={"eval_power": "once the cut answers are quarantined, ~770 records leave a small test split"},
         caught_by=CAUGHT_TRUNCATED, removable=(QUARANTINE_TRUNCATED, 0.25)),
    Case("codegen_refusals_30", CODEGEN, refusals(lambda d: _gpteacher("codegen"), 0.30), "not_ready", {},
         "GPTeacher Codegen with 30% of the answers a refusal of an ordinary coding request",
         caught_by=CAUGHT_REFUSAL, removable=(QUARANTINE_REFUSAL, 0.30)),
    Case("roleplay_fragments_25", ROLEPLAY, fragments(lambda d: _gpteacher("roleplay"), 0.25), "not_ready", {},
         "GPTeacher Roleplay with 25% of the answers cut to 2-6 words",
         caught_by=("fragmentary_responses",)),
    Case("roleplay_scrambled_15", ROLEPLAY, scrambled(lambda d: _gpteacher("roleplay"), 0.15), "ready_with_warnings",
         {"scrambled_text": "warn"}, "GPTeacher Roleplay with 15% of the answers word-shuffled"),
    Case("codegen_runon_30", CODEGEN, run_on(lambda d: _gpteacher("codegen"), 0.30), "not_ready", {},
         "GPTeacher Codegen with 30% of the answers running on into '### Instruction: ... ### Response:'",
         caught_by=("format_artifacts",)),
    Case("aqua_other_answer_20", AQUA, other_answers(lambda d: _aqua(), 0.20), "not_ready", {},
         "AQuA-RAT where 20% of the rows repeat a problem with another problem's rationale",
         caught_by=("conflicting_responses",)),
    Case("alpaca_eval_chosen_and_rejected", AEVAL, alpaca_eval_chosen_and_rejected, "not_ready", {},
         "AlpacaEval judged pairs with both the preferred and the other answer taken as SFT",
         caught_by=("conflicting_responses",)),
    Case("alpaca_eval_second_answer_15", AEVAL, alpaca_eval_second_answer(0.15), "ready_with_warnings",
         {"prompt_leakage": "warn", "eval_power": "warn"},
         "AlpacaEval reference answers plus 15% of the instructions again with a second model's answer: prompts "
         "of the evaluation are trained on; 207 records also make a test split too small to compare models",
         tolerated={"conflicting_responses": "two models' answers to one instruction differ without contradicting"}),
    Case("sgd_swapped_roles_30", SGD, swapped_roles(_sgd, 0.30), "not_ready", {},
         "Schema-Guided Dialogue with user and system swapped in 30% of the dialogues",
         caught_by=("swapped_roles",)),
    Case("ag_news_length_shortcut", AG, length_shortcut(_ag_news), "ready_with_warnings", {"label_shortcuts": "warn"},
         "AG News where each topic keeps only texts of one length band: length alone names the topic",
         tolerated={**SMALL_SET, "label_noise": "AG News's own category errors (see ag_news)",
                    "min_per_label": "the band of the shortest texts keeps under 100 Business leads"}),
    Case("snips7_style_shortcut", SNIPS, style_shortcut(_snips, 7), "ready_with_warnings",
         {"label_shortcuts": "warn"},
         "SNIPS, one CSV per intent, each in its own casing/punctuation: the style names the intent",
         tolerated={"eval_power": "run with the default split: a 210-example test split"}),
    Case("snips7_flipped_20", SNIPS, flipped_labels(_snips, 0.20, *B20_SPLIT), "not_ready", {},
         "SNIPS with 20% of the labels flipped at random",
         caught_by=("label_noise",)),
    Case("ag_news_leaked_tag", AG, label_prefix(_ag_news, "{label}: ", *B20_SPLIT), "ready_with_warnings",
         {"label_leakage": "warn"}, "AG News with every text opening with its topic ('Sports: ...')",
         tolerated={"label_noise": "AG News's own category errors (see ag_news)"}),
]
SPENT_CASES = [dataclasses.replace(c, half="spent") for c in SPENT_CASES]


def _load(name: str, half: str) -> list[Case]:
    """The cases of a sibling module (which reuses this module's builders); its sources join SLICE_SOURCE and
    SOURCE_HALF in ``half``."""
    sys.modules.setdefault("readiness_cases", sys.modules[__name__])  # as a script: one copy of this module, not two
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    SLICE_SOURCE.update(module.SLICE_SOURCE)
    SOURCE_HALF.update(dict.fromkeys(module.SLICE_SOURCE.values(), half))
    return module.CASES


# the first held-out half (readiness_heldout.py) was measured blind once (11/25) and read: it is spent now
SPENT_CASES += _load("readiness_heldout", "spent")
HELD_OUT_CASES = _load("readiness_heldout2", "held_out")
CASES += TUNE_CASES + SPENT_CASES + HELD_OUT_CASES

MUST_STAY_RIGHT = ("banking77_full", "sms_spam", "alpaca_en", "alpaca_200", "tiny_4_per_label", "tiny_sms_8",
                   "tiny_chat_5", "flipped_05", "flipped_10", "flipped_20", "flipped_40", "collapsed_85",
                   "collapsed_30", "leaked_labels", "placeholders_identity", "placeholders_sft_demo", "imbalanced_sms",
                   "near_twins", "csv_shift", "language_detection")
"""The cases that were right before the corpus grew: the slow test keeps them right."""


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
    or fail: a warning the case does not name is a false alarm. A trap with ``caught_by`` must be caught by one
    of them; one with ``removable`` is also right as ``ready_with_warnings`` when the clean stage quarantined
    its defective rows (then the splits hold none of them).
    """
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    counts = report["counts"]
    rejected = counts.get("rejected") or {}
    injected = case.removable[1] * counts["input"] if case.removable else 0.0
    removed = bool(case.removable) and sum(rejected.get(r, 0) for r in case.removable[0]) >= 0.8 * injected
    problems = [f"{name}: {statuses.get(name, 'missing')} (want {want})" for name, want in case.checks.items()
                if statuses.get(name) != want]
    if case.caught_by:
        reasons = [b[len("reject:"):] for b in case.caught_by if b.startswith("reject:")]
        quarantined = sum(rejected.get(r, 0) for r in reasons)
        flagged = [b for b in case.caught_by if not b.startswith("reject:") and statuses.get(b) in ("warn", "fail")]
        if not flagged and not (injected and quarantined >= 0.5 * injected):
            found = [f"{b} {statuses.get(b, 'missing')}" for b in case.caught_by if not b.startswith("reject:")]
            if reasons:
                found.append(f"{quarantined} rows rejected as {'/'.join(reasons)} of ~{injected:.0f} injected")
            problems.append(f"not caught: {', '.join(found)}")
    allowed = set(case.tolerated) | ({"reject_rate", "reject_reasons", *case.caught_by} if removed else set())
    untolerated = {n: s for n, s in statuses.items() if not (n in allowed and s == "warn")}
    effective = ("not_ready" if "fail" in untolerated.values() else
                 "ready_with_warnings" if "warn" in untolerated.values() else "ready")
    right = {case.verdict} | ({"ready_with_warnings"} if removed else set())
    if effective not in right and not (removed and report["verdict"] in right):
        aside = f" ({effective} with the tolerated warnings set aside)" if effective != report["verdict"] else ""
        problems.insert(0, f"verdict {report['verdict']}{aside} (want {' or '.join(sorted(right))})")
    if case.verdict != "not_ready" or (removed and report["verdict"] != "not_ready"):
        unexpected = [f"{n} {s}" for n, s in untolerated.items()
                      if s in ("warn", "fail") and n not in case.checks and n not in case.caught_by]
        if unexpected:
            problems.append("unexpected: " + ", ".join(unexpected))
    for extra in case.extra:
        problems += extra(report)
    return problems


def _source_path(data: Path, source: str) -> Path:
    """A case's source: a slice in tests/data ('readiness/...') or a file of the shared data dir."""
    return SLICES.parent / source if source.startswith(SLICE_DIRS) else data / source


def run_case(case: Case, data: Path, work: Path, keep: Path | None) -> Outcome:
    missing = [s for s in case.sources if not _source_path(data, s).exists()]
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


def agreement(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Per half: cases that ran and cases right."""
    return {half: {"ran": sum(o.right is not None for o in outcomes if o.case.half == half),
                   "right": sum(bool(o.right) for o in outcomes if o.case.half == half)}
            for half in HALVES if any(o.case.half == half for o in outcomes)}


def table(outcomes: list[Outcome]) -> str:
    rows = [("case", "half", "expected", "got", "time", "right")]
    for o in outcomes:
        right = "-" if o.right is None else ("yes" if o.right else "NO")
        tolerated = [n for n in o.case.tolerated if o.got == "ready_with_warnings" and o.case.verdict == "ready"]
        got = o.got + (f" ({', '.join(tolerated)} tolerated)" if tolerated and o.right else "")
        rows.append((o.case.name, o.case.half, o.case.verdict, got, f"{o.seconds:.1f}s", right))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        lines += [f"  {o.case.name}: {p}" for p in o.problems]
    for half, n in agreement(outcomes).items():
        share = f" ({100 * n['right'] / n['ran']:.0f}%)" if n["ran"] else ""
        lines.append(f"{half}: {n['right']}/{n['ran']} right{share}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FTPREP_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--keep", type=Path, help="keep each case's output directory under this one")
    parser.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    parser.add_argument("--judge", type=Path, help="judge the reports kept by an earlier --keep run, without running")
    parser.add_argument("--half", choices=HALVES, help="run the cases of one half only")
    parser.add_argument("--list", action="store_true", help="print the chosen case names, run nothing")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else None
    unknown = sorted(set(names or ()) - {c.name for c in CASES})
    if unknown:
        parser.error(f"no case named {', '.join(unknown)}")
    chosen = [c for c in CASES if (names is None or c.name in names) and (args.half is None or c.half == args.half)]
    if args.list:
        print("\n".join(c.name for c in chosen))
        return 0
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
        args.json.write_text(json.dumps({
            "agreement": agreement(outcomes),
            "cases": [{"case": o.case.name, "half": o.case.half, "source": o.case.origin, "expected": o.case.verdict,
                       "got": o.got, "seconds": round(o.seconds, 1), "right": o.right, "problems": o.problems}
                      for o in outcomes]}, indent=2))
    return 0 if all(o.right is not False for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
