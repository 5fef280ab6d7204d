"""The ``preference`` report section: what the pairs teach besides the preference itself.

Measured on the kept, split pairs (figures only; :mod:`pipeline.readiness.preference` judges them):

- ``lengths``: characters of the chosen and of the rejected answers (distributions), and how often the chosen
  answer is the longer one: ``chosen_longer_share`` of the pairs whose sides differ in length, with its 95%
  interval, and the effect, ``median_length_ratio`` (chosen / rejected characters);
- ``identical``: pairs whose sides say the same (case and whitespace folded) and near-identical pairs (a
  character similarity of ``[readiness] preference_near_identical`` or more, :class:`difflib.SequenceMatcher`);
- ``contradictions``: pairs with a mirror pair for the same prompt (A over B and B over A);
- ``repeated_prompts``: prompt groups (the dedup stage's clusters: exact and near-duplicate prompts) holding more
  than ``[readiness] preference_max_pairs_per_prompt`` pairs, and their share of all pairs;
- ``refusals``: pairs where one side refuses (declines in its first 200 characters: :data:`REFUSAL`) and the
  other does not, by side.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.lengths import distribution
from pipeline.core.records import column, content_texts, fold
from pipeline.preference.text import answer
from pipeline.readiness.config import ReadinessConfig

EXAMPLES = 5
_COMPARED_CHARS = 2_000  # near-identical sides are compared on their first 2,000 folded characters

# A refusal declines in the answer's opening: "I can't help with", "I'm not comfortable", "I'd rather not", "that's
# not something I". An apology alone is not one ("I'm sorry to hear that", "Sorry, I don't understand"), nor is
# not knowing ("I'm sorry, I don't know that") or hedging ("I'm not sure I can answer that").
_VERBS = (r"help|assist|provide|answer|do|give|share|tell|engage|comply|support|advise|offer|recommend|encourage|"
          r"condone|participate|discuss|talk|write|make|go|continue")
REFUSAL = re.compile(
    rf"\bi (?:can ?not|can'?t|won'?t|will not|must decline to|refuse to|(?:do not|don'?t) (?:want|feel comfortable) to)"
    rf" (?:\w+ ){{0,2}}?(?:{_VERBS})\b(?! (?:\w+ )?(?:if|whether|for sure)\b)"
    r"|\bi(?:'m| am) (?:not (?:able|allowed|going|willing|comfortable|equipped|prepared|permitted)|unable"
    r"|uncomfortable)\b"
    r"|\bi (?:feel|would feel) uncomfortable\b|\bi(?:'d| would) (?:rather|prefer) not\b"
    r"|\bi (?:do not|don'?t) think (?:i should|i can help|that'?s a good idea|it'?s a good idea|that would be "
    r"(?:right|appropriate|a good idea)|it would be (?:right|appropriate|a good idea))"
    r"|\b(?:that|this|it)(?:'s| is) not (?:something i|appropriate|okay|ok)\b"
    r"|\b(?:that|this) (?:isn'?t|is not) (?:the (?:type|kind) of|something)\b",  # "As an AI, ..." alone does not decline
    re.IGNORECASE,
)
_OPENING_CHARS = 200


def refuses(text: str) -> bool:
    """Whether an answer opens with a refusal (its first 200 characters)."""
    return bool(REFUSAL.search(text.strip()[:_OPENING_CHARS].replace("\u2019", "'")))  # "can’t" is "can't"


def measure_preference(records: Dataset, splits: list[str], cfg: ReadinessConfig) -> dict[str, Any]:
    """The ``preference`` section of the split pairs (see the module docstring)."""
    ids = column(records, "id")
    prompts = content_texts(records)
    chosen = [answer(m) for m in column(records, "chosen")]
    rejected = [answer(m) for m in column(records, "rejected")]
    clusters = column(records, "cluster")
    return {
        "pairs": len(ids),
        "by_split": dict(sorted(Counter(splits).items())),
        "lengths": _lengths(chosen, rejected),
        "identical": _identical(ids, prompts, chosen, rejected, cfg.preference_near_identical),
        "contradictions": _contradictions(ids, clusters, prompts, chosen, rejected),
        "repeated_prompts": _repeated(ids, clusters, prompts, cfg.preference_max_pairs_per_prompt),
        "refusals": _refusals(ids, prompts, chosen, rejected),
    }


def _lengths(chosen: list[str], rejected: list[str]) -> dict[str, Any]:
    lc = np.array([len(t) for t in chosen], dtype=np.int64)
    lr = np.array([len(t) for t in rejected], dtype=np.int64)
    longer, shorter = int((lc > lr).sum()), int((lc < lr).sum())
    differ = longer + shorter
    share = longer / differ if differ else 0.0
    half = 1.96 * math.sqrt(share * (1 - share) / differ) if differ else 0.0
    ratios = (lc + 1) / (lr + 1)
    return {
        "chosen": distribution(lc),
        "rejected": distribution(lr),
        "chosen_longer": longer,
        "rejected_longer": shorter,
        "equal": int(len(lc) - differ),
        "chosen_longer_share": round(share, 4),
        "chosen_longer_ci95": [round(max(0.0, share - half), 4), round(min(1.0, share + half), 4)],
        "median_length_ratio": round(float(np.median(ratios)), 3) if len(ratios) else 1.0,
    }


def similarity(a: str, b: str) -> float:
    """Character similarity of two folded answers (1.0: the same)."""
    a, b = fold(a)[:_COMPARED_CHARS], fold(b)[:_COMPARED_CHARS]
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _identical(ids: list[str], prompts: list[str], chosen: list[str], rejected: list[str], near: float) -> dict[str, Any]:
    exact, close, examples = 0, 0, []
    for i, (c, r) in enumerate(zip(chosen, rejected)):
        fc, fr = fold(c), fold(r)
        if fc == fr:
            exact += 1
        elif min(len(fc), len(fr)) >= near * max(len(fc), len(fr)) and similarity(c, r) >= near:
            close += 1
        else:
            continue
        if len(examples) < EXAMPLES:
            examples.append({"id": ids[i], "prompt": prompts[i][-120:], "chosen": c[:120], "rejected": r[:120]})
    n = len(ids)
    return {"exact": exact, "near": close, "share": round((exact + close) / n, 4) if n else 0.0,
            "near_threshold": near, "examples": examples}


def _contradictions(ids: list[str], clusters: list[str], prompts: list[str], chosen: list[str], rejected: list[str]
                    ) -> dict[str, Any]:
    """Pairs of a prompt group whose mirror (chosen and rejected swapped) is also in the group."""
    seen: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, (cluster, c, r) in enumerate(zip(clusters, chosen, rejected)):
        seen[(cluster, fold(c), fold(r))].append(i)
    involved, groups, examples = 0, 0, []
    for (cluster, c, r), rows in seen.items():
        mirror = seen.get((cluster, r, c))
        if not mirror or c == r:
            continue
        involved += len(rows)
        if (c, r) < (r, c):
            groups += 1
            if len(examples) < EXAMPLES:
                i, j = rows[0], mirror[0]
                examples.append({"ids": [ids[i], ids[j]], "prompt": prompts[i][-120:], "a": chosen[i][:120],
                                 "b": rejected[i][:120]})
    n = len(ids)
    return {"pairs": involved, "groups": groups, "share": round(involved / n, 4) if n else 0.0, "examples": examples}


def _repeated(ids: list[str], clusters: list[str], prompts: list[str], most: int) -> dict[str, Any]:
    sizes = Counter(clusters)
    first: dict[str, int] = {}
    for i, cluster in enumerate(clusters):
        first.setdefault(cluster, i)
    over = {c: k for c, k in sizes.items() if k > most}
    pairs = sum(over.values())
    top = sorted(over.items(), key=lambda item: (-item[1], item[0]))[:EXAMPLES]
    n = len(ids)
    return {
        "prompts": len(sizes),
        "pairs_per_prompt": round(n / len(sizes), 2) if sizes else 0.0,
        "largest": max(sizes.values(), default=0),
        "max_pairs_per_prompt": most,
        "over_prompts": len(over),
        "over_pairs": pairs,
        "over_share": round(pairs / n, 4) if n else 0.0,
        "examples": [{"pairs": k, "id": ids[first[c]], "prompt": prompts[first[c]][-120:]} for c, k in top],
    }


def _refusals(ids: list[str], prompts: list[str], chosen: list[str], rejected: list[str]) -> dict[str, Any]:
    only: dict[str, list[int]] = {"chosen": [], "rejected": []}
    both = 0
    for i, (c, r) in enumerate(zip(chosen, rejected)):
        rc, rr = refuses(c), refuses(r)
        if rc and rr:
            both += 1
        elif rc or rr:
            only["chosen" if rc else "rejected"].append(i)
    n = len(ids)
    side = max(only, key=lambda k: (len(only[k]), k == "chosen"))
    return {
        "chosen_only": len(only["chosen"]),
        "rejected_only": len(only["rejected"]),
        "both": both,
        "chosen_only_share": round(len(only["chosen"]) / n, 4) if n else 0.0,
        "rejected_only_share": round(len(only["rejected"]) / n, 4) if n else 0.0,
        "side": side,
        "examples": [{"id": ids[i], "prompt": prompts[i][-120:], "chosen": chosen[i][:120], "rejected": rejected[i][:120]}
                     for i in only[side][:EXAMPLES]],
    }
