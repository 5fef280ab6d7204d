"""A realistic classification corpus of any size, written as JSON Lines, for ``benchmarks/run_bench.py``.

Every example has ~100 words (60-140) built from real public texts of the data folder (benchmarks/README.md): English instructions and
answers (LLaMA-Factory alpaca_en_demo), SMS messages with their HTML entities (UCI SMS Spam), banking questions
(banking77), Chinese answers (alpaca_zh_demo) and Wikipedia sentences in 16 languages (Language Detection). An
example joins texts of one source; its label is the source (``alpaca``, ``sms``, ``banking``, ``zh``, ``French``,
...), so about 75% of the rows are English. Seeded noise, per row:

- 5% exact duplicates of an earlier row (half of them with other case or spacing), 0.2% with another label;
- 10% near duplicates of an earlier row: one or two words replaced (word 5-gram Jaccard ~0.8-0.9);
- 3% mojibake (UTF-8 read as cp1252), 2% an e-mail address or a phone number;
- 0.3% malformed: a broken JSON line, a row without label, an empty text, a number as text.

The corpus is a pure function of ``(n, seed)``; the file is written once and reused (``corpus_path``).

    python benchmarks/scale_corpus.py --n 100000 --out corpus.jsonl [--data DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import deque
from pathlib import Path

from public_data import add_data_option, data_file, default_data

VERSION = 2  # bump when the corpus changes: cached files are named by it
_TARGET_WORDS = (60, 140)
_ZH_CHARS = (150, 350)
_NON_ENGLISH_SHARE = 0.25
_RECENT = 20_000  # rows an exact or near duplicate may copy
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")


def load_sources(data: Path | None = None) -> dict[str, list[str]]:
    """Real texts by label: English sources first, then Chinese, then one label per other language."""
    data = data_file(data or default_data(), "")
    alpaca_en = json.loads((data / "llamafactory_demo/alpaca_en_demo.json").read_text(encoding="utf-8"))
    alpaca_zh = json.loads((data / "llamafactory_demo/alpaca_zh_demo.json").read_text(encoding="utf-8"))
    with (data / "sms_spam/SMSSpamCollection").open(encoding="utf-8") as fh:
        sms = [line.split("\t", 1)[1].strip() for line in fh][1:]
    with (data / "banking77/train.csv").open(encoding="utf-8", newline="") as fh:
        banking = [row[0] for row in csv.reader(fh)][1:]
    sources = {
        "alpaca": [r["output"] for r in alpaca_en if r["output"]],
        "sms": sms,
        "banking": banking,
        "zh": [r["output"] for r in alpaca_zh if r["output"]],
    }
    with (data / "language_detection/Language Detection.csv").open(encoding="utf-8", errors="replace", newline="") as fh:
        for row in list(csv.reader(fh))[1:]:
            if len(row) >= 2 and 0 < len(row[1]) < 20 and row[1] != "English" and len(row[0]) > 20:
                sources.setdefault(row[1], []).append(row[0].strip())
    return sources


class CorpusWriter:
    """Builds the rows of one corpus, one at a time (see the module docstring)."""

    def __init__(self, seed: int, sources: dict[str, list[str]]) -> None:
        self.rng = random.Random(seed)
        self.sources = sources
        self.english = ["alpaca", "sms", "banking"]
        self.other = [k for k in sources if k not in self.english]
        self.recent: deque[tuple[str, str]] = deque(maxlen=_RECENT)
        self.words = [w for text in sources["alpaca"][:300] for w in text.split() if w.isalpha()]
        # sentences (Chinese: clauses), so that two examples of one source rarely share a long run of words
        self.pieces = {label: [p for text in texts for p in _SENTENCE.split(text) if p.strip()]
                       for label, texts in sources.items()}

    def base(self) -> tuple[str, str]:
        """A new example: sentences drawn at random from one source until it has its length."""
        rng = self.rng
        label = rng.choice(self.other if rng.random() < _NON_ENGLISH_SHARE else self.english)
        pieces = self.pieces[label]
        if label == "zh":
            target = rng.randint(*_ZH_CHARS)
            text = ""
            while len(text) < target:
                text += rng.choice(pieces)
            return text[:target], label
        target = rng.randint(*_TARGET_WORDS)
        words: list[str] = []
        while len(words) < target:
            words += rng.choice(pieces).split()
        return " ".join(words[:target]), label

    def near(self, text: str) -> str:
        words = text.split()
        if len(words) < 20:
            return text + " " + self.rng.choice(self.words)
        for _ in range(self.rng.randint(1, 2)):
            words[self.rng.randrange(len(words))] = self.rng.choice(self.words)
        return " ".join(words)

    def row(self, i: int) -> str:
        """Row ``i`` as one line of JSON Lines (without the newline); malformed rows are not valid JSON."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05 and self.recent:
            text, label = rng.choice(self.recent)
            if rng.random() < 0.5:
                text = text.upper() if rng.random() < 0.3 else "  " + text.replace(" ", "  ", 3)
            if rng.random() < 0.04:
                label = rng.choice(self.english)
        elif roll < 0.15 and self.recent:
            text, label = rng.choice(self.recent)
            text = self.near(text)
        else:
            text, label = self.base()
            self.recent.append((text, label))
        noise = rng.random()
        if noise < 0.03:
            text = text.encode("utf-8").decode("cp1252", errors="replace")
        elif noise < 0.04:
            text += f" Write to me at user{i}@mailbox.org"
        elif noise < 0.05:
            text += f" Call me on 07{rng.randrange(10**8, 10**9)}"
        bad = rng.random()
        if bad < 0.001:
            return '{"id": "r%d", "text": "%s' % (i, text[:40].replace('"', ""))  # a cut line
        row: dict[str, object] = {"id": f"r{i}", "text": text, "label": label}
        if bad < 0.0015:
            del row["label"]
        elif bad < 0.0025:
            row["text"] = ""
        elif bad < 0.003:
            row["text"] = 12345
        return json.dumps(row, ensure_ascii=False)


def write_corpus(path: Path, n: int, seed: int = 0, data: Path | None = None) -> Path:
    """Write ``n`` rows to ``path`` (JSON Lines), through a temporary file so a killed run leaves none."""
    writer = CorpusWriter(seed, load_sources(data))
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(writer.row(i) + "\n")
    tmp.rename(path)
    return path


def corpus_path(data_dir: Path, n: int, seed: int = 0, data: Path | None = None) -> Path:
    """The cached corpus of ``n`` rows (written when missing)."""
    path = data_dir / f"corpus-v{VERSION}-n{n}-s{seed}.jsonl"
    return path if path.exists() else write_corpus(path, n, seed, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    add_data_option(parser)
    args = parser.parse_args()
    write_corpus(args.out, args.n, args.seed, args.data)


if __name__ == "__main__":
    main()
