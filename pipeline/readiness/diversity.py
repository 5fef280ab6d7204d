"""Diversity of generative data (completion and chat): would more data like this add anything new?

Four measures, each cheap and computed on a seeded sample of at most ``max_examples`` records:

- near-duplicate cluster share: records that share their ``cluster`` with an earlier record (the cluster column
  is exact content at ingest and near-duplicate groups after dedup);
- distinct-n: distinct word n-grams / all word n-grams of the responses (Li et al. 2016, "A Diversity-Promoting
  Objective Function for Neural Conversation Models"): low values mean the model would learn to repeat itself;
- repeated prompt templates: prompts sharing their first (or last) ``template_words`` words with many others;
- Good-Turing novelty: the share of word n-grams (and of clusters) seen exactly once, which estimates the
  probability that the next example brings an n-gram (a cluster) not seen yet (Good 1953).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from datasets import Dataset

from pipeline.chat.schema import message_text
from pipeline.core.records import Task, column, task_of

NGRAM = 3
TEMPLATE_WORDS = 5
TOP_TEMPLATES = 5


def prompts_and_responses(ds: Dataset) -> tuple[list[str], list[str]]:
    """The prompt side (prompt, or the first user turn) and the response side (completion, or assistant turns)."""
    if task_of(ds) is Task.COMPLETION:
        return column(ds, "prompt"), column(ds, "completion")
    prompts, responses = [], []
    for messages in column(ds, "messages"):
        prompts.append(next((m["content"] for m in messages if m["role"] == "user"), ""))
        responses.append("\n".join(message_text(m) for m in messages if m["role"] == "assistant"))
    return prompts, responses


def ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    words = text.casefold().split()
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def distinct_ratio(texts: Iterable[str], n: int) -> float:
    """Distinct word n-grams / all word n-grams (distinct-n); 0 when there are no n-grams."""
    counts = Counter(g for text in texts for g in ngrams(text, n))
    total = sum(counts.values())
    return round(len(counts) / total, 4) if total else 0.0


def good_turing_novelty(counts: Counter) -> float:
    """Share of observations whose item was seen exactly once: Good-Turing's estimate of P(next item is new)."""
    total = sum(counts.values())
    return round(sum(1 for c in counts.values() if c == 1) / total, 4) if total else 0.0


def cluster_share(clusters: Sequence[str]) -> float:
    """Share of records that repeat the cluster of an earlier record (0 when every record is its own cluster)."""
    return round(1 - len(set(clusters)) / len(clusters), 4) if clusters else 0.0


def cluster_sizes(clusters: Sequence[str]) -> dict[str, int]:
    """How many clusters have each size, as ``{size: clusters}`` with string keys (JSON-friendly)."""
    by_size = Counter(Counter(clusters).values())
    return {str(size): n for size, n in sorted(by_size.items())}


def repeated_templates(prompts: Sequence[str], words: int, min_count: int) -> dict:
    """Prompts whose first / last ``words`` words are shared by at least ``min_count`` prompts.

    Returns the share of prompts that follow any such prefix or suffix, the share following the largest one
    (``largest_share``: one template; "Write a python function to" and "Write a function to find" are two
    openings of MBPP's 974 different problems, 84% together, 31% the largest) and the most common ones.
    """
    result = {}
    for side, cut in (("prefix", slice(None, words)), ("suffix", slice(-words, None))):
        keys = [" ".join(p.split()[cut]) if len(p.split()) >= words else None for p in prompts]
        counts = Counter(k for k in keys if k)
        common = {k: n for k, n in counts.items() if n >= min_count}
        share = sum(1 for k in keys if k in common) / len(prompts) if prompts else 0.0
        top = sorted(common.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TEMPLATES]
        largest = top[0][1] / len(prompts) if top else 0.0
        result[side] = {"share": round(share, 4), "largest_share": round(largest, 4),
                        "top": [{"template": k, "count": n} for k, n in top]}
    return result


def diversity(ds: Dataset, *, seed: int, max_examples: int = 12_000) -> dict:
    """The ``diversity`` section of the report for a completion or chat dataset."""
    sampled_from = len(ds)
    if len(ds) > max_examples:
        ds = ds.select(np.sort(np.random.default_rng(seed).choice(len(ds), max_examples, replace=False)))
    prompts, responses = prompts_and_responses(ds)
    clusters = column(ds, "cluster")
    # A template is a pattern shared by at least 1% of prompts (and at least 3): below that it is coincidence.
    min_count = max(3, len(prompts) // 100)
    return {
        "examined": len(ds),
        "sampled_from": sampled_from,
        "near_duplicate_cluster_share": cluster_share(clusters),
        "cluster_sizes": cluster_sizes(clusters),
        "distinct_1": distinct_ratio(responses, 1),
        "distinct_2": distinct_ratio(responses, 2),
        "templates": repeated_templates(prompts, TEMPLATE_WORDS, min_count),
        "novelty_ngrams": good_turing_novelty(Counter(g for t in responses for g in ngrams(t, NGRAM))),
        "novelty_clusters": good_turing_novelty(Counter(clusters)),
        "ngram": NGRAM,
    }
