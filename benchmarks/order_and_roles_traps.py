"""Calibration of ``scrambled_text`` and ``swapped_roles`` on real sets and on traps of several granularities.

``python benchmarks/order_and_roles_traps.py FILE...`` prints, for each real file, the share of records each
detector flags on the untouched data (the false-positive side) and on seeded traps built from it (the recall side):

- completions: 15% of the answers (of 10+ words) with their words shuffled across the whole answer (lines run into
  one), line by line, sentence by sentence, or 30% / 60% of their words shuffled among themselves;
- chats: 10% and 30% of the chats with the roles exchanged on every turn (a trailing user turn dropped, as an export
  that mapped the speakers the wrong way round leaves them; chats of 3+ messages) or with the user's and the
  assistant's words exchanged on every turn.

``--flagged`` prints the flagged rows of the real files to read.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from benchmarks.content_traps import load


def _whole(text: str, rng: random.Random) -> str:
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def _by(parts: list[str], rng: random.Random, sep: str) -> str:
    return sep.join(_whole(part, rng) for part in parts)


def _partial(share: float):
    def shuffle(text: str, rng: random.Random) -> str:
        words = text.split()
        at = sorted(rng.sample(range(len(words)), max(2, int(share * len(words)))))
        moved = [words[i] for i in at]
        rng.shuffle(moved)
        for i, word in zip(at, moved):
            words[i] = word
        return " ".join(words)
    return shuffle


SCRAMBLES = {
    "whole": _whole,
    "line": lambda t, rng: _by(t.split("\n"), rng, "\n"),
    "sentence": lambda t, rng: _by(re.split(r"(?<=[.!?])\s+", t), rng, " "),
    "words30": _partial(0.3),
    "words60": _partial(0.6),
}
_EXCHANGE = {"user": "assistant", "assistant": "user"}


def _roles(chat: list[dict]) -> list[dict]:
    out = [{**m, "role": _EXCHANGE.get(m["role"], m["role"])} for m in chat]
    while out and out[-1]["role"] == "user":
        out.pop()
    return out


def _contents(chat: list[dict]) -> list[dict]:
    out = [dict(m) for m in chat]
    for a, b in zip(out, out[1:]):
        if a["role"] == "user" and b["role"] == "assistant":
            a["content"], b["content"] = b["content"], a["content"]
    return out


def _answer(row: dict) -> str:
    if "completion" in row:
        return row["completion"]
    return next((m["content"] for m in reversed(row["messages"]) if m["role"] == "assistant"), "")


def scrambled_shares(rows: list[dict], seed: int = 7, flagged: bool = False) -> dict[str, float]:
    from pipeline.readiness.fluency import fluency

    answers = [_answer(r) or "" for r in rows][:2000]
    ids = [str(i) for i in range(len(answers))]
    real = fluency([[a] for a in answers], ids)
    if flagged:
        for e in real["examples"]:
            print("   ", e["why"], "|", e["response"])
    shares = {"real": real["share"]}
    for name, scramble in SCRAMBLES.items():
        rng = random.Random(seed)
        long = [i for i, a in enumerate(answers) if len(a.split()) >= 10]
        picked = set(rng.sample(long, min(len(long), int(0.15 * len(answers)))))
        damaged = [[scramble(a, rng) if i in picked else a] for i, a in enumerate(answers)]
        shares[name] = fluency(damaged, ids)["share"]
    return shares


def swapped_shares(rows: list[dict], seed: int = 7, flagged: bool = False) -> dict[str, float]:
    from benchmarks.content_traps import measure

    chats = [[{"role": m["role"], "content": m.get("content") or ""} for m in r["messages"]] for r in rows]
    real = measure([{"messages": c} for c in chats])["swapped_roles"]
    if flagged:
        for e in real["examples"]:
            print("   ", e["why"], "|", e["prompt"], ">>", e["response"])
    shares = {"real": real["share"]}
    for share in (0.1, 0.3):
        for name, exchange in (("roles", _roles), ("contents", _contents)):
            rng = random.Random(seed)
            eligible = [i for i, c in enumerate(chats) if len(c) >= 3 or exchange is _contents]
            picked = set(rng.sample(eligible, min(len(eligible), int(share * len(chats)))))
            damaged = [{"messages": exchange(c) if i in picked else c} for i, c in enumerate(chats)]
            shares[f"{name}{int(share * 100)}"] = measure(damaged)["swapped_roles"]["share"]
    return shares


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--flagged", action="store_true", help="print the flagged rows of the real files")
    args = parser.parse_args(argv)
    for path in args.files:
        rows = load(path)
        name = Path(path).name.split(".")[0]
        print(name, "scrambled_text", " ".join(f"{k} {v:.1%}" for k, v in scrambled_shares(rows, flagged=args.flagged).items()))
        if "messages" in rows[0]:
            print(name, "swapped_roles", " ".join(f"{k} {v:.1%}" for k, v in swapped_shares(rows, flagged=args.flagged).items()))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
