"""Text-pair layouts: recognised on real NLI and paraphrase rows, never on single texts; near duplicates kept."""

from __future__ import annotations

import json
from collections import defaultdict

from pipeline.core.records import Task
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.pairs import pair_layout
from pipeline.dedup.stage import dedup
from tests.conftest import CONTEXT
from tests.dedup.helpers import DATA, banking_rows, make_dataset, sms_rows


def _sick_rows() -> list[dict]:
    """The SICK slice as the readiness corpus feeds it: premise and hypothesis as two named lines."""
    lines = (DATA / "readiness" / "sick_3000.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    return [{"text": f"Premise: {r['sentence_A']}\nHypothesis: {r['sentence_B']}", "label": r["entailment_label"]}
            for r in rows]


def test_named_lines_and_separators_are_pair_layouts_single_texts_are_not():
    """SICK's two named lines and a [SEP] join are pairs; banking77 and SMS spam (some with line breaks) are not."""
    sick = [r["text"] for r in _sick_rows()]
    assert pair_layout(sick) == "Premise / Hypothesis"
    assert pair_layout([t.replace("\nHypothesis: ", " [SEP] ").removeprefix("Premise: ") for t in sick]) == "[SEP]"
    assert pair_layout([r["text"] for r in banking_rows()]) is None
    assert pair_layout([r["text"] for r in sms_rows()]) is None
    # under 90% of the records in one layout: not a pair task
    assert pair_layout(sick[:80] + [r["text"] for r in banking_rows()[:20]]) is None


def test_sick_minimal_pairs_are_kept_in_one_cluster():
    """Real SICK: one-word edits that flip the label were 250 conflicts and 180 near duplicates; now every pair
    is kept, and each minimal-pair cluster has one cluster value, so the split keeps it together."""
    rows = _sick_rows()
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    section = result.sections["duplicates"]
    assert len(result.rejected) == 0 and section["label_conflicts"] == 0
    pairs = section["minimal_pairs"]
    assert pairs["layout"] == "Premise / Hypothesis" and pairs["with_other_labels"] >= 50
    labels_by_cluster = defaultdict(set)
    for cluster, label in zip(result.kept["cluster"], result.kept["label"]):
        labels_by_cluster[cluster].add(label)
    assert sum(len(labels) > 1 for labels in labels_by_cluster.values()) == pairs["with_other_labels"]
    off = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(minimal_pairs=False), CONTEXT)
    assert len(off.rejected) >= 300  # the rule is what keeps them


def test_an_exact_pair_with_two_labels_is_still_a_conflict():
    """Minimal pairs spare near duplicates only: the same pair twice with two labels, or twice, is still handled."""
    rows = [{"text": f"Premise: A man is playing a {w}\nHypothesis: A man is playing a {w}", "label": "entailment"}
            for w in ("guitar", "flute", "piano", "drum", "harp", "cello", "violin", "trumpet", "banjo", "organ")]
    rows += [{"text": "Premise: A man is playing a guitar\nHypothesis: A man is not playing a guitar",
              "label": "contradiction"},
             {"text": "Premise: A man is playing a guitar\nHypothesis: A man is playing a guitar", "label": "neutral"},
             {"text": "Premise: A man is playing a flute\nHypothesis: A man is playing a flute", "label": "entailment"}]
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(), CONTEXT)
    reasons = dict(zip(result.rejected["id"], result.rejected["reason"]))
    assert reasons == {"r0": "label_conflict", "r11": "label_conflict", "r12": "duplicate_exact"}
    kept = dict(zip(result.kept["id"], result.kept["cluster"]))
    assert "r10" in kept  # the one-word contradiction of r0's premise is kept


def test_a_pair_is_judged_for_repetition_part_by_part():
    """Real SICK pairs whose hypothesis repeats the premise (0.41 of their words in repeated 5-grams over the join)
    are not low quality; junk repeated inside one part still is."""
    from pipeline.clean.config import CleanConfig
    from pipeline.clean.quality import _duplicate_ngrams

    cfg = CleanConfig()
    pair = ("Premise: Two children and an adult are standing next to a tree limb\n"
            "Hypothesis: Two children and an adult are not standing next to a tree limb")
    joined = pair.replace("\nHypothesis:", "").removeprefix("Premise: ")
    assert _duplicate_ngrams(joined, cfg) is not None and _duplicate_ngrams(pair, cfg) is None
    junk = "Premise: " + "buy cheap pills now " * 8 + "\nHypothesis: A man is playing a guitar"
    assert _duplicate_ngrams(junk, cfg) is not None
