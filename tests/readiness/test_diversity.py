"""Diversity measures of completion and chat data."""

from __future__ import annotations

import json
from collections import Counter

from datasets import Dataset

from pipeline.readiness.diversity import cluster_share, distinct_ratio, diversity, good_turing_novelty, repeated_templates
from pipeline.core.records import Task, features_for
from tests.conftest import DATA


def _completion(prompts: list[str], completions: list[str], clusters: list[str] | None = None) -> Dataset:
    n = len(prompts)
    return Dataset.from_dict(
        {"id": [str(i) for i in range(n)], "source_file": ["f"] * n, "source_row": list(range(1, n + 1)),
         "raw": ["{}"] * n, "extra": [None] * n, "cluster": clusters or [str(i) for i in range(n)],
         "prompt": prompts, "completion": completions},
        features=features_for(Task.COMPLETION),
    )


def test_distinct_ratio_counts_repeated_ngrams():
    """'a b a b' has bigrams ab, ba, ab: two distinct of three."""
    assert distinct_ratio(["a b a b"], 2) == round(2 / 3, 4)
    assert distinct_ratio(["one"], 2) == 0.0


def test_good_turing_novelty_is_share_seen_once():
    """Items seen once over all observations: {x:1, y:1, z:2} -> 2/4."""
    assert good_turing_novelty(Counter({"x": 1, "y": 1, "z": 2})) == 0.5


def test_cluster_share_counts_records_repeating_a_cluster():
    """Clusters a, a, a, b: two of four records repeat an earlier cluster."""
    assert cluster_share(["a", "a", "a", "b"]) == 0.5


def test_templates_find_shared_prefixes_and_suffixes():
    """Prompts built from one frame are flagged as templated; free-form prompts are not."""
    framed = [f"Translate the following sentence into French: sentence {i} and please answer very briefly now" for i in range(10)]
    free = [f"word{i} other{i} more{i} text{i} here{i} and{i}" for i in range(10)]
    found = repeated_templates(framed + free, words=5, min_count=3)
    assert found["prefix"]["share"] == 0.5
    assert found["prefix"]["top"][0] == {"template": "Translate the following sentence into", "count": 10}
    assert found["suffix"]["share"] == 0.5
    assert found["prefix"]["largest_share"] == 0.5  # one frame


def test_one_template_is_told_from_common_openings():
    """MBPP's problems open with 'Write a python function to' (31%) or 'Write a function to find' (25%) and a few
    other openings, 84% together: no single template holds most prompts, and the check passes on it."""
    prompts = [json.loads(line)["text"] for line in (DATA / "heldout" / "mbpp_974.jsonl").read_text(
        encoding="utf-8").splitlines()]
    found = repeated_templates(prompts, words=5, min_count=len(prompts) // 100)
    assert found["prefix"]["share"] > 0.8 and found["prefix"]["largest_share"] < 0.35


def test_diversity_of_repetitive_data_is_low():
    """The same answer to one templated prompt: low distinct-2, low novelty, high template share."""
    ds = _completion([f"Summarise this text for me please: item {i}" for i in range(50)], ["It is fine."] * 50,
                     clusters=["c"] * 25 + [str(i) for i in range(25)])
    section = diversity(ds, seed=0)
    assert section["distinct_2"] < 0.05
    assert section["novelty_ngrams"] == 0.0
    assert section["templates"]["prefix"]["share"] == 1.0
    assert section["near_duplicate_cluster_share"] == 0.48


def test_diversity_of_varied_chat_is_high():
    """Distinct user questions and answers give high distinct-2 and novelty; chat reads user/assistant turns."""
    messages = [[{"role": "system", "content": "Be kind."}, {"role": "user", "content": f"question {i} about topic{i}"},
                 {"role": "assistant", "content": f"answer{i} mentions fact{i} and detail{i} only"}] for i in range(30)]
    n = len(messages)
    ds = Dataset.from_dict(
        {"id": [str(i) for i in range(n)], "source_file": ["f"] * n, "source_row": list(range(1, n + 1)),
         "raw": ["{}"] * n, "extra": [None] * n, "cluster": [str(i) for i in range(n)], "messages": messages,
         "tools": [None] * n, "parallel_tool_calls": [None] * n},
        features=features_for(Task.CHAT),
    )
    section = diversity(ds, seed=0)
    assert section["distinct_2"] > 0.6
    assert section["novelty_ngrams"] > 0.5
    assert section["templates"]["prefix"]["share"] == 0.0


def test_diversity_samples_above_max_examples():
    """Above max_examples only a seeded sample is examined, the same one each time."""
    ds = _completion([f"p {i}" for i in range(100)], [f"c {i} {i % 7}" for i in range(100)])
    first, second = diversity(ds, seed=3, max_examples=40), diversity(ds, seed=3, max_examples=40)
    assert first == second
    assert (first["examined"], first["sampled_from"]) == (40, 100)
