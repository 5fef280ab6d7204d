"""The preference checks on the real hh-rlhf slice and on traps planted in it (seeded), with each check's precision.

    PYTHONPATH=$PWD python benchmarks/bench_preference.py [--data tests/data/preference/hh_harmless_450.jsonl]

Each variant is the real slice (Anthropic hh-rlhf harmless-base, chosen/rejected transcripts) with one kind of
problem planted, every planted pair marked in a ``trap`` column (it reaches the outputs under ``meta``):

- ``identical``: 20 pairs get a rejected side equal to the chosen one, 20 a rejected side that is the chosen one
  with one word dropped or its final punctuation changed (near-identical);
- ``length``: the pairs where the chosen answer is the longer one, plus a fifth as many others (a curator who
  kept "the more complete answer");
- ``contradictions``: 25 pairs get a mirror pair (the same prompt, the sides swapped);
- ``repeated``: one prompt answered in 40 pairs (its chosen side against 40 other rejected answers);
- ``refusals``: the pairs where only the chosen side refuses, plus three times as many others.

For each it runs ``ftprep run`` and prints the check's status and figure, and the precision of the pairs the
measure flags (flagged and planted / flagged; the real pairs it flags were read by hand: docs/readiness.md).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline.config import load_config
from pipeline.preference.measure import refuses, similarity
from pipeline.preference.read import read_pair
from pipeline.preference.text import answer
from pipeline.runner import run_pipeline

SEED = 7
CHECKS = {"real": None, "identical": "preference_identical_pairs", "length": "preference_length_bias",
          "contradictions": "preference_contradictions", "repeated": "preference_repeated_prompts",
          "refusals": "preference_refusal_asymmetry"}


def _transcript(prompt: list[dict[str, Any]], side: list[dict[str, Any]]) -> str:
    names = {"user": "Human", "assistant": "Assistant"}
    return "".join(f"\n\n{names.get(m['role'], 'Human')}: {m['content']}" for m in [*prompt, *side])


def _pairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        try:
            out.append(read_pair(row, {"chosen": "chosen", "rejected": "rejected"}))
        except Exception:  # noqa: BLE001 - the slice's one empty side; ftprep rejects it too
            continue
    return out


def _row(pair: dict[str, Any], trap: str | None, chosen: str | None = None, rejected: str | None = None,
         prompt: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    prompt = prompt or pair["prompt"]
    c = [{"role": "assistant", "content": chosen}] if chosen is not None else pair["chosen"]
    r = [{"role": "assistant", "content": rejected}] if rejected is not None else pair["rejected"]
    return {"chosen": _transcript(prompt, c), "rejected": _transcript(prompt, r), "trap": trap}


def variants(rows: list[dict[str, Any]], seed: int = SEED) -> dict[str, list[dict[str, Any]]]:
    """The real slice and each planted variant, as hh-rlhf rows (``chosen``, ``rejected``, ``trap``)."""
    rng = random.Random(seed)
    pairs = _pairs(rows)
    real = [_row(p, None) for p in pairs]
    out: dict[str, list[dict[str, Any]]] = {"real": real}
    picked = rng.sample(range(len(pairs)), 40)
    identical = list(real)
    for k, i in enumerate(picked):
        c = answer(pairs[i]["chosen"])
        if k < 20:
            r = c
        else:
            words = c.split()
            r = " ".join(words[:-1]) if len(words) > 12 else c.rstrip(".!?") + ("!" if not c.endswith("!") else ".")
        identical[i] = _row(pairs[i], "identical", chosen=c, rejected=r)
    out["identical"] = identical
    longer = [i for i, p in enumerate(pairs) if len(answer(p["chosen"])) > len(answer(p["rejected"]))]
    others = [i for i in range(len(pairs)) if i not in set(longer)]
    keep = sorted(longer + rng.sample(others, len(longer) // 5))
    out["length"] = [_row(pairs[i], "length" if i in set(longer) else None) for i in keep]
    mirrored = rng.sample(range(len(pairs)), 25)
    contradicted = list(real)
    for i in mirrored:
        contradicted[i] = {**real[i], "trap": "contradiction"}  # the original is half of the contradiction
    out["contradictions"] = contradicted + [_row(pairs[i], "contradiction", chosen=answer(pairs[i]["rejected"]),
                                         rejected=answer(pairs[i]["chosen"])) for i in mirrored]
    base = rng.choice(range(len(pairs)))
    donors = rng.sample([i for i in range(len(pairs)) if i != base], 40)
    out["repeated"] = real + [_row(pairs[base], "repeated", chosen=answer(pairs[base]["chosen"]),
                                   rejected=answer(pairs[d]["rejected"])) for d in donors]
    refusing = [i for i, p in enumerate(pairs) if refuses(answer(p["chosen"])) and not refuses(answer(p["rejected"]))]
    rest = rng.sample([i for i in range(len(pairs)) if i not in set(refusing)], 3 * len(refusing))
    out["refusals"] = [_row(pairs[i], "refusal" if i in set(refusing) else None) for i in sorted(refusing + rest)]
    return out


def flagged(kind: str, records: list[dict[str, Any]]) -> list[bool]:
    """Which output records the measure behind a variant's check flags (the same rules as the check)."""
    chosen = [answer(r["chosen"]) for r in records]
    rejected = [answer(r["rejected"]) for r in records]
    if kind == "identical":
        return [similarity(c, r) >= 0.9 for c, r in zip(chosen, rejected)]
    if kind == "length":
        return [len(c) > len(r) for c, r in zip(chosen, rejected)]
    if kind == "contradictions":
        seen = {(json.dumps(r["prompt"]), c, j) for r, c, j in zip(records, chosen, rejected)}
        return [(json.dumps(r["prompt"]), j, c) in seen for r, c, j in zip(records, chosen, rejected)]
    if kind == "repeated":
        counts: dict[str, int] = {}
        for r in records:
            counts[json.dumps(r["prompt"])] = counts.get(json.dumps(r["prompt"]), 0) + 1
        return [counts[json.dumps(r["prompt"])] > 16 for r in records]
    if kind == "refusals":
        return [refuses(c) and not refuses(j) for c, j in zip(chosen, rejected)]
    return [False] * len(records)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="tests/data/preference/hh_harmless_450.jsonl")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    print("| variant | pairs in | kept | check | status | observed | flagged | planted among flagged | precision |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, data in variants(rows).items():
            path = Path(tmp) / f"{kind}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
            result = run_pipeline([str(path)], load_config(None), Path(tmp) / f"out_{kind}", overwrite=True)
            report = result.report
            records = [json.loads(line) for split in ("train", "val", "test")
                       for line in (Path(tmp) / f"out_{kind}" / f"{split}.jsonl").read_text().splitlines()]
            marks = flagged(kind, records)
            planted = sum(1 for r, m in zip(records, marks) if m and r["meta"].get("trap"))
            n = sum(marks)
            name = CHECKS[kind]
            check = next((c for c in report["checks"] if c["name"] == name), None) if name else None
            status = check["status"] if check else "-"
            observed = check["observed"] if check else "-"
            precision = f"{planted / n:.2f}" if n and name else "-"
            print(f"| {kind} | {len(data)} | {report['counts']['kept']} | {name or '-'} | {status} | {observed} | "
                  f"{n} | {planted} | {precision} |")
            if kind == "real":
                print("| real: " + ", ".join(f"{c['name']} {c['status']} ({c['observed']})" for c in report["checks"]
                                             if c["name"].startswith("preference_")) + " |||||||||", file=sys.stderr)


if __name__ == "__main__":
    main()
