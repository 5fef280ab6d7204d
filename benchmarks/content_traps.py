"""Seeded traps for the content checks, built from real completion and chat data, and the calibration table.

Each trap damages a share of a real set the way broken fine-tuning data is broken: answers cut at a random word,
word order scrambled, answers that run on into another templated example, AI-disclaimer refusals (half short, half
padded with the answer), user/assistant roles swapped, questions repeated with another question's answer, open
instructions answered with a few words. ``python benchmarks/content_traps.py FILE...`` prints each content detector's
share on each real file (the false-positive side) and on each trap built from it (the recall side);
``--write DIR`` also writes the traps as JSONL for ``ftprep run``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

FIGURES = ("truncated_responses", "refusals", "fragmentary_responses", "format_artifacts", "swapped_roles",
           "scrambled_text", "conflicting_responses", "prompt_leakage")


def _cut(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) < 6:
        return text
    return " ".join(words[: rng.randint(max(2, len(words) // 3), len(words) - 2)]).rstrip()


def _scramble(text: str, rng: random.Random) -> str:
    lines = []
    for line in text.split("\n"):
        words = line.split()
        rng.shuffle(words)
        lines.append(" ".join(words))
    return "\n".join(lines)


_REFUSALS = ("As an AI language model, I cannot help with that request.",
             "I'm sorry, but as an AI language model I am unable to provide an answer to this.",
             "As an AI, I do not have personal opinions, so I cannot answer that.")


def _refuse(text: str, rng: random.Random) -> str:
    opening = rng.choice(_REFUSALS)
    return opening if rng.random() < 0.5 else f"{opening} However, here is some general information.\n\n{text}"


def damage(rows: list[dict], trap: str, seed: int = 7) -> list[dict]:
    """``rows`` (``prompt``/``completion`` or ``messages``) with the trap applied to a seeded share."""
    rng = random.Random(seed)
    rows = [json.loads(json.dumps(r)) for r in rows]
    share = {"truncate": 0.25, "scramble": 0.15, "runon": 0.3, "refuse": 0.3, "swap": 0.3, "conflict": 0.2,
             "fragment": 0.3, "leak": 0.2}[trap]
    picked = sorted(rng.sample(range(len(rows)), int(share * len(rows))))
    if trap in ("conflict", "leak"):
        extra = []
        for i in picked:
            other = rows[rng.randrange(len(rows))] if trap == "conflict" else rows[i]
            extra.append(_with_answer(rows[i], _answer(other) if trap == "conflict" else _answer(rows[i]) + " (revised)"))
        return rows + extra
    for i in picked:
        row = rows[i]
        if trap == "swap":
            msgs = row["messages"]
            for a, b in zip(msgs, msgs[1:]):
                if a["role"] == "user" and b["role"] == "assistant":
                    a["content"], b["content"] = b["content"], a["content"]
            continue
        answer = _answer(row)
        if trap == "truncate":
            answer = _cut(answer, rng)
        elif trap == "scramble":
            answer = _scramble(answer, rng)
        elif trap == "refuse":
            answer = _refuse(answer, rng)
        elif trap == "fragment":
            answer = " ".join(answer.split()[: rng.randint(2, 6)])
        elif trap == "runon":
            other = rows[rng.randrange(len(rows))]
            answer += f"\n\n### Instruction:\n{_prompt(other)}\n\n### Response:\n{_answer(other)}"
        rows[i] = _with_answer(row, answer)
    return rows


def _answer(row: dict) -> str:
    if "completion" in row:
        return row["completion"]
    return next(m["content"] for m in reversed(row["messages"]) if m["role"] == "assistant")


def _prompt(row: dict) -> str:
    if "prompt" in row:
        return row["prompt"]
    return next(m["content"] for m in row["messages"] if m["role"] == "user")


def _with_answer(row: dict, answer: str) -> dict:
    row = json.loads(json.dumps(row))
    if "completion" in row:
        row["completion"] = answer
    else:
        last = max(i for i, m in enumerate(row["messages"]) if m["role"] == "assistant")
        row["messages"][last]["content"] = answer
    return row


def load(path: str) -> list[dict]:
    """A real set as ``prompt``/``completion`` rows (Alpaca) or ``messages`` rows (chat JSONL, ShareGPT)."""
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text) if path.endswith(".json") else [json.loads(l) for l in text.splitlines() if l.strip()]
    rows = []
    for r in data:
        if "question" in r and "answer" in r:  # GSM8K
            rows.append({"prompt": r["question"], "completion": r["answer"]})
        elif "chosen" in r:  # Anthropic HH-RLHF: the chosen conversation
            rows.append({"messages": hh_messages(r["chosen"])})
        elif "instruction" in r:
            rows.append({"prompt": r["instruction"] + ("\n" + r["input"] if r.get("input") else ""), "completion": r["output"]})
        elif "conversations" in r:
            roles = {"human": "user", "gpt": "assistant", "function_call": "assistant", "observation": "tool"}
            rows.append({"messages": [{"role": roles.get(m["from"], m["from"]), "content": m["value"]} for m in r["conversations"]],
                         **({"tools": r["tools"]} if r.get("tools") else {})})
        elif "messages" in r:
            msgs = [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str)
                     else "".join(p.get("value") or p.get("text") or "" for p in m["content"])} for m in r["messages"]]
            rows.append({"messages": msgs})
    return rows


def hh_messages(text: str) -> list[dict]:
    """An HH-RLHF transcript ("\n\nHuman: ...\n\nAssistant: ...") as chat messages."""
    turns = re.split(r"\n\n(Human|Assistant): ", "\n\n" + text.strip())
    return [{"role": "user" if who == "Human" else "assistant", "content": said.strip()}
            for who, said in zip(turns[1::2], turns[2::2])]


def chosen_and_rejected(path: str) -> list[dict]:
    """A preference set's chosen and rejected conversations, both taken as SFT chats."""
    rows = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    return [{"messages": hh_messages(r[side])} for r in rows for side in ("chosen", "rejected")]


def measure(rows: list[dict], seed: int = 42) -> dict:
    """The content section of ``rows`` (random 80/10/10 splits), as the measure stage computes it."""
    from datasets import Dataset

    from pipeline.readiness.content import measure_content

    rows = list({json.dumps(r, sort_keys=True): r for r in rows}.values())  # dedup drops exact duplicates first
    rng = random.Random(seed)
    splits = rng.choices(["train", "val", "test"], [0.8, 0.1, 0.1], k=len(rows))
    columns = {"id": [f"r{i}" for i in range(len(rows))], "split": splits}
    if "completion" in rows[0]:
        columns.update(prompt=[r["prompt"] for r in rows], completion=[r["completion"] for r in rows])
    else:
        columns["messages"] = [[{"role": m["role"], "content": m["content"]} for m in r["messages"]] for r in rows]
        if any("tools" in r for r in rows):
            columns["tools"] = [r.get("tools") for r in rows]
    return measure_content(Dataset.from_dict(columns), seed=seed, max_examples=12_000)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--write", help="write every trap as DIR/NAME.TRAP.jsonl")
    parser.add_argument("--flagged", help="print the flagged rows of this figure on the real files")
    args = parser.parse_args(argv)
    print("| set | " + " | ".join(FIGURES) + " |")
    for path in args.files:
        rows = load(path)
        name = Path(path).name.split(".")[0]
        traps = ["truncate", "scramble", "runon", "refuse", "conflict", "fragment", "leak"]
        traps += ["swap"] if "messages" in rows[0] else []
        traps += ["chosen_rejected"] if "hh_" in path else []
        for trap in [None, *traps]:
            damaged = (chosen_and_rejected(path) if trap == "chosen_rejected" else damage(rows, trap)) if trap else rows
            section = measure(damaged)
            shares = [section.get(f, {}).get("share") for f in FIGURES]
            print(f"| {name}{'+' + trap if trap else ''} | " + " | ".join("-" if s is None else f"{s:.1%}" for s in shares) + " |")
            if trap is None and args.flagged:
                for e in section[args.flagged]["examples"]:
                    print("   ", json.dumps(e, ensure_ascii=False)[:400])
            if trap and args.write:
                out = Path(args.write) / f"{name}.{trap}.jsonl"
                out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in damaged), encoding="utf-8")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
