"""Response collapse (completion and chat): do the responses, on their own, repeat one or a few canned answers?

Whole-record measures miss it: a chat set whose assistant turns are 85% one canned refusal still has varied user
turns, so its records are all different, and distinct-n of the responses barely moves (0.62 -> 0.54 on Alpaca
with 85% canned answers: the canned ones are short). Here the unit is one response: a completion, or one
assistant turn (function calls included).

Responses are compared after :func:`response_key` (NFKC, casefolded, punctuation dropped, spaces collapsed, and
digits masked in responses of more than three words with a letter, so "ticket 1234" and "ticket 5678" are the same
answer but "42" and "17" are not, nor are the equations "( 76.0 - 25.0 ) = 51" and "( 3.0 + 4.0 ) = 7": an answer
made of numbers has its numbers for content), then grouped into near-identical clusters with the dedup stage's MinHash/LSH machinery at
the dedup default Jaccard 0.8 (every candidate pair verified). The figures:

- ``identical_share``: responses equal to an earlier one up to case and spacing;
- ``near_identical_share``: 1 - clusters / responses (what catches several canned variants at once);
- ``top_response_share``: the largest cluster's share of the responses, and ``top_response_records`` the share
  of records holding it;
- ``top``: the most repeated responses with their counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.chat.schema import message_text
from pipeline.core.markdown import table_cell
from pipeline.core.records import Task, column, task_of
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.near import NearDuplicates
from pipeline.dedup.shingling import Shingling, choose_shingle_mode
from pipeline.readiness.check import Check, Rule
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.wording import percent

_NOT_WORD = re.compile(r"[^\w\s]+")
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
NEAR_THRESHOLD = 0.8  # the dedup stage's default Jaccard threshold
MASK_DIGITS_ABOVE_WORDS = 3
MIN_RESPONSES = 10
SHORT_ANSWER_WORDS = 3
TOP = 5
EXAMPLE_CHARS = 80


def responses_of(ds: Dataset) -> tuple[list[str], list[int]]:
    """Every response and the record it belongs to: completions, or each assistant turn of each chat."""
    if task_of(ds) is Task.COMPLETION:
        completions = column(ds, "completion")
        return completions, list(range(len(completions)))
    texts, records = [], []
    for index, messages in enumerate(column(ds, "messages")):
        for message in messages:
            if message["role"] == "assistant":
                texts.append(message_text(message))  # a call is a response too
                records.append(index)
    return texts, records


def measure_response_collapse(ds: Dataset, *, seed: int, max_examples: int) -> dict[str, Any]:
    """The ``response_collapse`` section of a completion or chat dataset (a seeded sample above ``max_examples``)."""
    sampled_from = len(ds)
    if len(ds) > max_examples:
        ds = ds.select(np.sort(np.random.default_rng(seed).choice(len(ds), max_examples, replace=False)))
    texts, records = responses_of(ds)
    return {**response_collapse(texts, records), "sampled_from": sampled_from}


def response_key(text: str) -> str:
    """The form responses are compared in (see the module docstring)."""
    words = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()
    key = " ".join(words)
    lettered = sum(1 for word in words if _LETTER.search(word))
    return _DIGITS.sub("0", key) if lettered > MASK_DIGITS_ABOVE_WORDS else key


def near_clusters(keys: Sequence[str], threshold: float = NEAR_THRESHOLD) -> np.ndarray:
    """Cluster id (its first member's index) of every key; keys join when their shingle Jaccard >= ``threshold``
    (the dedup stage's near-duplicate pass with its default settings).

    Only distinct keys are shingled and hashed; equal keys share their cluster.
    """
    distinct = list(dict.fromkeys(keys))
    position = {key: i for i, key in enumerate(distinct)}
    roots = np.arange(len(distinct))
    if len(distinct) > 1:
        defaults = DedupConfig(threshold=threshold)
        mode = choose_shingle_mode(distinct, defaults.auto_min_words)
        shingling = Shingling(mode, defaults.word_ngram if mode == "word" else defaults.char_ngram)
        roots = NearDuplicates.of(defaults, shingling).clusters(distinct)
    first_member: dict[int, int] = {}
    return np.array([first_member.setdefault(int(roots[position[key]]), i) for i, key in enumerate(keys)], dtype=np.int64)


def response_collapse(responses: Sequence[str], record_of: Sequence[int] | None = None, *,
                      threshold: float = NEAR_THRESHOLD) -> dict[str, Any]:
    """The collapse figures of ``responses`` (empty ones left out); ``record_of`` maps each to its record."""
    if record_of is None:
        record_of = range(len(responses))
    kept = [(text, record) for text, record in zip(responses, record_of) if text and text.strip()]
    n, records = len(kept), len({record for _, record in kept})
    if not n:
        return {"responses": 0, "records": 0, "top": []}
    keys = [response_key(text) for text, _ in kept]
    clusters = near_clusters(keys, threshold)
    ordered = sorted(Counter(clusters.tolist()).items(), key=lambda kv: (-kv[1], kv[0]))
    members = {cid: np.flatnonzero(clusters == cid) for cid, _ in ordered[:TOP]}
    in_records = {cid: len({kept[i][1] for i in idx}) for cid, idx in members.items()}
    top_id, top_size = ordered[0]
    return {
        "responses": n,
        "records": records,
        "identical_share": round(1 - len({" ".join(t.casefold().split()) for t, _ in kept}) / n, 4),
        "near_identical_share": round(1 - len(ordered) / n, 4),
        "top_response_share": round(top_size / n, 4),
        "top_response_records": round(in_records[top_id] / records, 4),
        "threshold": threshold,
        "top": [{"response": _short(kept[cid][0], 200), "count": size, "records": in_records[cid],
                 "variants": len({keys[i] for i in members[cid]})} for cid, size in ordered[:TOP] if size > 1],
    }


def check_response_collapse(report: dict[str, Any], cfg: ReadinessConfig) -> Check:
    """Fail when one response (near-identically) makes up most of the responses, warn when it is a large share."""
    rule = Rule("response_collapse", {
        "top_response_share": {"warn_above": cfg.max_top_response_share, "fail_above": cfg.fail_top_response_share},
        "near_identical_share": {"warn_above": cfg.max_repeated_response_share,
                                 "fail_above": cfg.fail_repeated_response_share},
    }, says=f"warns when one response is over {percent(cfg.max_top_response_share)} of the responses or over "
            f"{percent(cfg.max_repeated_response_share)} repeat another; fails over "
            f"{percent(cfg.fail_top_response_share)} / {percent(cfg.fail_repeated_response_share)}")
    section = report.get("response_collapse")
    if report["task"] == "classification" or not section:
        return rule.skip("response collapse is measured for completion and chat data")
    n = section["responses"]
    if n < MIN_RESPONSES:
        return rule.skip(f"only {n} responses: too few to judge whether they repeat (needs {MIN_RESPONSES})")
    observed = {"top_response_share": section["top_response_share"], "near_identical_share": section["near_identical_share"]}
    status = max((Rule(key, limits).status(observed[key]) for key, limits in rule.threshold.items()),
                 key=("pass", "warn", "fail").index)
    shown = "; ".join(f"{t['count']}x {_short(t['response'], EXAMPLE_CHARS)!r}" for t in section["top"][:3])
    message = (f"the most repeated response is {observed['top_response_share']:.0%} of {n} responses "
               f"(in {section['top_response_records']:.0%} of records); {observed['near_identical_share']:.0%} repeat "
               f"another (near-)identically" + (f": {shown}" if shown else ""))
    if status != "pass" and section["top"] and all(len(t["response"].split()) <= SHORT_ANSWER_WORDS for t in section["top"][:2]):
        message += "; the answers look like class labels: if this is classification, run with --task classification"
    return rule.result(observed, message, "replace the repeated responses with answers written for their prompts "
                       "(or drop those records): the model would learn to give this answer whatever it is asked",
                       status=status)


def _short(text: str, limit: int) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def response_collapse_md(section: dict[str, Any]) -> list[str]:
    if not section.get("responses"):
        return []
    lines = ["## Response collapse", "",
             f"- Responses (completions or assistant turns): {section['responses']} in {section['records']} records"
             + (f" (a sample of {section['sampled_from']} records)" if section.get("sampled_from", 0) > section["records"] else ""),
             f"- Identical to another: {section['identical_share']:.1%}; near-identical (Jaccard >= {section['threshold']}): "
             f"{section['near_identical_share']:.1%}",
             f"- Most repeated response: {section['top_response_share']:.1%} of responses, in "
             f"{section['top_response_records']:.1%} of records"]
    if section["top"]:
        lines += ["", "| response | count | records | variants |", "|---|---|---|---|"]
        lines += [f"| {table_cell(_short(t['response'], EXAMPLE_CHARS))} | {t['count']} | {t['records']} | {t['variants']} |"
                  for t in section["top"]]
    return lines
