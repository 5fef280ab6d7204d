"""Edit twins of short texts: the exact segment search against brute force on real text, the rule on both sides of
its bounds (real banking77, SMS and language_detection pairs), the budget, and what the dedup, split and split
leakage stages make of them."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from pipeline.core.records import Task
from pipeline.core.section import SectionError
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.edits import EditRule, find_edit_twins, segments
from pipeline.dedup.leakage import measure_split_leakage
from pipeline.dedup.normalise import comparable
from pipeline.dedup.stage import dedup
from pipeline.split.config import SplitConfig
from pipeline.split.stage import split
from tests.conftest import CONTEXT
from tests.dedup.helpers import DATA, char_jaccard, make_dataset

RULE = EditRule(80, 4, 0.8)


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance by the textbook dynamic program (the reference for rapidfuzz's)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _short(texts: list[str], labels: list[str], rule: EditRule) -> tuple[list[str], np.ndarray]:
    prepared = list(dict.fromkeys((comparable(t), label) for t, label in zip(texts, labels)))
    prepared = [(t, label) for t, label in prepared if rule.applies(t)]
    codes: dict[str, int] = {}
    return [t for t, _ in prepared], np.array([codes.setdefault(label, len(codes)) for _, label in prepared])


def _brute_force(texts: list[str], groups: np.ndarray, rule: EditRule) -> set[tuple[int, int]]:
    found = set()
    for group in np.unique(groups).tolist():
        members = np.flatnonzero(groups == group)
        distance = cdist([texts[k] for k in members], [texts[k] for k in members], scorer=OSA.distance,
                         score_cutoff=rule.max_edits, dtype=np.int64)
        for a, b in zip(*np.nonzero(np.triu(distance <= rule.max_edits, 1))):
            i, j = int(members[a]), int(members[b])
            if distance[a, b] <= rule.allowed(max(len(texts[i]), len(texts[j]))):
                found.add((min(i, j), max(i, j)))
    return found


def _twin_rows() -> list[dict[str, str]]:
    with open(DATA / "banking77_twins_5labels.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _edge_pairs() -> list[dict[str, str]]:
    with open(DATA / "edit_twin_pairs.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("rule", [RULE, EditRule(60, 6, 0.7), EditRule(120, 2, 0.9)])
def test_the_segment_search_finds_every_pair_brute_force_finds(rule):
    """Real banking77 typo twins (5 labels, then as one group): the pairs found are exactly the pairs an all-pairs
    search accepts, for three rules, with distances as the textbook dynamic program computes them."""
    rows = _twin_rows()
    texts = [r["text"] for r in rows]
    for labels in ([r["category"] for r in rows], ["one"] * len(rows)):
        prepared, groups = _short(texts, labels, rule)
        found = find_edit_twins(prepared, groups, rule, budget=10**9)
        truth = _brute_force(prepared, groups, rule)
        assert len(truth) > 100 and set(map(tuple, found.pairs.tolist())) == truth
        assert found.max_edits == rule.max_edits and found.candidates >= len(truth)
        for (i, j), edits in list(zip(found.pairs.tolist(), found.distance.tolist()))[:40]:
            assert edits == _osa(prepared[i], prepared[j])


def test_the_rule_on_both_sides_of_its_bounds():
    """Real pairs (tests/data/edit_twin_pairs.csv), same-label ones under Jaccard 0.5: pairs within 4 edits and
    similarity 0.8 are edit twins (4 edits in 20 characters is exactly 0.8); 0.75-0.76 similarity, 5 edits, or two
    labels are not."""
    pairs = _edge_pairs()
    assert len(pairs) == 10
    for pair in pairs:
        texts, labels = [pair["text_a"], pair["text_b"]], [pair["label_a"], pair["label_b"]]
        assert char_jaccard(*texts) < 0.5 or labels[0] != labels[1]  # 1 edit, two labels: a label conflict at J 0.88
        prepared, groups = _short(texts, labels, RULE)
        found = find_edit_twins(prepared, groups, RULE, budget=10**9)
        assert (len(found.pairs) == 1) == (pair["expect"] == "joined"), pair
    joined = {p["text_a"]: p for p in pairs if p["expect"] == "joined"}
    prepared, groups = _short(["My card was rejected", "My card was refused"], ["x", "x"], RULE)
    assert find_edit_twins(prepared, groups, RULE, 10**9).similarity.tolist() == [0.8]
    assert "Ok c ü then." in joined and "how is it going?" in joined


def test_a_budget_lowers_the_edits_and_says_so():
    """Real banking77 texts in one group: a budget below the 4-edit search's candidates runs it with fewer edits,
    and then finds exactly the pairs of that smaller rule."""
    rows = _twin_rows()
    prepared, groups = _short([r["text"] for r in rows], ["one"] * len(rows), RULE)
    full = find_edit_twins(prepared, groups, RULE, budget=10**9)
    small = find_edit_twins(prepared, groups, RULE, budget=full.candidates // 4)
    assert small.max_edits < RULE.max_edits and small.candidates < full.candidates
    reduced = dataclasses.replace(RULE, max_edits=small.max_edits)
    assert set(map(tuple, small.pairs.tolist())) == _brute_force(prepared, groups, reduced)


def test_segments_leave_one_character_gaps_and_cover_the_rest():
    for length in (5, 13, 40, 80):
        for k in range(1, (length - 1) // 2 + 1):
            starts, sizes = segments(length, k)
            assert len(starts) == k + 1 and sizes.min() >= 1 and starts[0] == 0
            assert (starts[1:] - (starts[:-1] + sizes[:-1]) == 1).all() and starts[-1] + sizes[-1] == length


def test_the_exact_search_needs_a_similarity_of_at_least_0_7():
    assert EditRule(400, 8, 0.7).exact() and not EditRule(400, 4, 0.6).exact()
    with pytest.raises(SectionError) as raised:
        DedupConfig(edit_similarity=0.6, edit_max_edits=0)
    assert "edit_similarity" in str(raised.value) and "edit_max_edits" in str(raised.value)


def test_typo_twins_under_jaccard_0_5_share_a_split_only_with_the_edit_rule():
    """Real banking77 typo twins (5 labels) through dedup and split: with the edit rule no twin pair spans two
    splits (edit twins are reported as such); without it (edit_max_chars = 0) 3-edit typos of short texts do."""
    rows = _twin_rows()
    ds = make_dataset(Task.CLASSIFICATION, [{"text": r["text"], "label": r["category"]} for r in rows])
    apart = {}
    for chars in (80, 0):
        deduped = dedup(ds, DedupConfig(edit_max_chars=chars), CONTEXT)
        where = dict(zip(*(split(deduped.kept, SplitConfig(), CONTEXT).kept[c] for c in ("text", "split"))))
        by_orig: dict[str, list[str]] = {}
        for r in rows:
            if r["text"] in where:
                by_orig.setdefault(r["orig_row"], []).append(r["text"])
        twins = [texts for texts in by_orig.values() if len(texts) == 2]
        assert len(twins) > 130
        apart[chars] = [(a, b) for a, b in twins if where[a] != where[b]]
        groups = deduped.sections["duplicates"]["groups"]
        if chars:
            assert groups["edit_pairs"] > 30 and groups["edit_rule"]["max_edits"] == 4
            assert deduped.sections["duplicates"]["parameters"]["edit_rule"]["min_similarity"] == 0.8
        else:
            assert "edit_rule" not in groups and deduped.sections["duplicates"]["parameters"]["edit_rule"] is None
    assert apart[80] == [] and len(apart[0]) > 5
    assert all(char_jaccard(a, b) < 0.5 for a, b in apart[0])


def test_split_leakage_counts_edit_twins_across_splits():
    """A real typo twin (Jaccard 0.38) in train and test is a near twin in train for the test record: by the edit
    rule, shown with its edits; with the rule off it is not counted."""
    pair = [{"text": "How do i activate my card", "label": "a"}, {"text": "How dqo i activatn my card", "label": "a"}]
    ds = make_dataset(Task.CLASSIFICATION, pair).add_column("split", ["train", "test"])
    ctx = dataclasses.replace(CONTEXT, sections={})
    twins = measure_split_leakage(ds, DedupConfig(), ctx).sections["duplicates"]["split_leakage"]["near_twins"]
    assert twins["pairs"] == 1 and twins["edit_pairs"] == 1 and twins["by_split"]["test"]["records"] == 1
    assert twins["examples"][0]["edits"] == 2
    off = measure_split_leakage(ds, DedupConfig(edit_max_chars=0), ctx).sections["duplicates"]["split_leakage"]
    assert off["near_twins"]["pairs"] == 0 and "edit_pairs" not in off["near_twins"] and off["edit_rule"] is None
