"""Dedup of preference pairs: repeated pairs go, pairs sharing a prompt stay and share a cluster."""

from __future__ import annotations

from pipeline.core.records import Task, column, partition, task_of
from pipeline.dedup.config import DedupConfig
from pipeline.preference.dedup import dedup_pairs
from tests.preference.helpers import assistant, hh_pairs, records


def test_pairs_of_one_prompt_are_kept_in_one_cluster_and_repeats_rejected():
    pairs = hh_pairs(60)
    base = pairs[0]
    pairs += [{**base, "rejected": assistant("A different rejected answer entirely.")},  # same prompt, new pair
              dict(base)]  # the same pair again
    ds = records(pairs)
    assert task_of(ds) is Task.PREFERENCE
    marked, section = dedup_pairs(ds, DedupConfig())
    kept, rejected = partition(marked, "dedup")
    assert len(kept) + len(rejected) == len(pairs)
    assert column(rejected, "reason") == ["duplicate_exact"] and column(rejected, "id") == [f"p{len(pairs) - 1}"]
    clusters = dict(zip(column(kept, "id"), column(kept, "cluster")))
    assert clusters["p0"] == clusters[f"p{len(pairs) - 2}"]
    assert section["exact"] == 1 and section["largest_cluster"] == 2 and section["grouped_by"] == "prompt"
    assert section["clusters"] == 1  # prompts in more than one pair: the base prompt only


def test_near_duplicate_prompts_share_a_cluster():
    """A real multi-turn prompt with one word changed joins the original's cluster (Jaccard >= 0.8)."""
    pairs = hh_pairs(60)
    long = max(range(len(pairs)), key=lambda i: len(pairs[i]["prompt"]))
    prompt = [dict(m) for m in pairs[long]["prompt"]]
    prompt[-1] = {**prompt[-1], "content": prompt[-1]["content"] + " please"}
    twin = {"prompt": prompt, "chosen": assistant("Some other answer."), "rejected": assistant("And another one.")}
    marked, section = dedup_pairs(records([*pairs, twin]), DedupConfig())
    clusters = column(marked, "cluster")
    assert clusters[-1] == clusters[long] and section["near_prompt_joins"] >= 1
    assert len(set(clusters)) == len(pairs)  # nothing else joined
