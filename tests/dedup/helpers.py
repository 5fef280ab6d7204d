"""Builders shared by the dedup tests: canonical datasets from plain rows, slices of real data, independent Jaccard."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from datasets import Dataset

from pipeline.core.records import RECORD_FIELDS, Task, exact_key, features_for

DATA = Path(__file__).resolve().parent.parent / "data"


def make_dataset(task: Task, rows: list[dict], ids: list[str] | None = None) -> Dataset:
    """Canonical records of one task from rows holding only the task fields."""
    n = len(rows)
    ids = ids or [f"r{i}" for i in range(n)]
    fields = {name: [row[name] for row in rows] for name in features_for(task) if name in rows[0]}
    text = [json.dumps(row, sort_keys=True) for row in rows]
    columns = {
        "id": ids,
        "source_file": ["mem"] * n,
        "source_row": list(range(1, n + 1)),
        "raw": text,
        "extra": ["{}"] * n,
        "cluster": [exact_key(t) for t in text],
        **fields,
    }
    columns.update({name: [None] * n for name in RECORD_FIELDS[task] if name not in columns})  # chat: tools, ...
    return Dataset.from_dict(columns, features=features_for(task))


def sms_rows() -> list[dict]:
    """The SMS spam slice as classification rows."""
    lines = (DATA / "sms_spam_2000.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [{"label": label, "text": text} for label, text in (line.split("\t", 1) for line in lines)]


def banking_rows() -> list[dict]:
    with open(DATA / "banking77_slice.csv", newline="", encoding="utf-8") as fh:
        return [{"text": r["text"], "label": r["category"]} for r in csv.DictReader(fh)]


def alpaca_rows() -> list[dict]:
    records = json.loads((DATA / "alpaca_en_demo_slice.json").read_text(encoding="utf-8"))
    return [{"prompt": f"{r['instruction']}\n{r['input']}".strip(), "completion": r["output"]} for r in records]


def compared_form(text: str) -> str:
    """The documented comparison form, written out character by character (independent of pipeline code):
    casefold; punctuation, symbols and control characters become spaces, format characters vanish; spaces collapse."""
    out = []
    for char in text.casefold():
        category = unicodedata.category(char)
        if char != "_" and category[0] in "PS" or category == "Cc":
            out.append(" ")
        elif category != "Cf":
            out.append(char)
    return " ".join("".join(out).split())


def char_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard of character n-gram sets of the texts in :func:`compared_form` (independent of pipeline code)."""
    grams = []
    for text in (a, b):
        t = compared_form(text)
        grams.append({t[i : i + n] for i in range(max(1, len(t) - n + 1))})
    union = grams[0] | grams[1]
    return len(grams[0] & grams[1]) / len(union) if union else 1.0


def word_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard of word n-gram sets (independent of pipeline code)."""
    grams = []
    for text in (a, b):
        words = text.split()
        grams.append({tuple(words[i : i + n]) for i in range(len(words) - n + 1)})
    return len(grams[0] & grams[1]) / len(grams[0] | grams[1])


def base_words(count: int = 200) -> list[str]:
    """Distinct made-up words, so that every word n-gram of a text built from them is unique."""
    return [f"tok{i:03d}x" for i in range(count)]


def edited(words: list[str], positions: list[int], tag: str = "new") -> list[str]:
    """A copy of ``words`` with the words at ``positions`` replaced by new ones."""
    out = list(words)
    for p in positions:
        out[p] = f"{tag}{p}y"
    return out


def near_pairs(texts: list[str], threshold: float = 0.8, n: int = 5) -> list[tuple[int, int, float]]:
    """Every pair of texts whose char n-gram Jaccard (of :func:`compared_form`) reaches ``threshold``, by brute force.

    Only pairs whose set sizes are within the threshold ratio are compared: J(A, B) <= min/max of the sizes, so
    the others cannot reach it. That keeps the check exhaustive and still fast enough for a few thousand texts.
    """
    grams = []
    for text in texts:
        t = compared_form(text)
        grams.append(frozenset(t[i : i + n] for i in range(max(1, len(t) - n + 1))))
    order = sorted(range(len(texts)), key=lambda i: len(grams[i]))
    found = []
    for pos, i in enumerate(order):
        for j in order[pos + 1 :]:
            if len(grams[i]) < threshold * len(grams[j]):
                break
            inter = len(grams[i] & grams[j])
            similarity = inter / (len(grams[i]) + len(grams[j]) - inter)
            if similarity >= threshold:
                found.append((min(i, j), max(i, j), similarity))
    return found
