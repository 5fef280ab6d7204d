"""Near-twin groups: capped single linkage (strongest joins first, no group above its cap), and the dedup stage's
``group`` column on real banking77 typo twins."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest

from pipeline.core.records import Task
from pipeline.core.section import SectionError
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.grouping import capped_groups, near_twin_groups
from pipeline.dedup.shingling import Shingling
from pipeline.dedup.stage import dedup
from tests.conftest import CONTEXT
from tests.dedup.helpers import DATA, char_jaccard, make_dataset


def _pairs(*rows: tuple[int, int, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r[:2] for r in rows], dtype=np.int64), np.array([r[2] for r in rows])


def test_uncapped_linkage_is_the_transitive_closure():
    """With a large cap the chain 0-1-2-3 becomes one group rooted at its smallest unit."""
    pairs, sims = _pairs((0, 1, 0.7), (1, 2, 0.6), (2, 3, 0.55))
    groups = capped_groups(5, pairs, sims, np.full(5, 100), np.ones(5, np.int64))
    assert groups.root.tolist() == [0, 0, 0, 0, 4] and (groups.joined, groups.refused) == (3, 0)


def test_the_cap_refuses_the_weak_bridge_of_a_chain_not_the_strong_pairs():
    """Cap 2: the strong pairs 0-1 and 2-3 join whatever the input order; the weak bridge 1-2 is refused."""
    pairs, sims = _pairs((1, 2, 0.51), (0, 1, 0.75), (2, 3, 0.7))
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        groups = capped_groups(4, pairs[order], sims[order], np.full(4, 2), np.ones(4, np.int64))
        assert groups.root.tolist() == [0, 0, 2, 2] and (groups.joined, groups.refused) == (2, 1)


def test_weights_and_the_smallest_member_cap_bound_a_group():
    """A unit keeping 3 records cannot join one of 1 under a cap of 3; a group's cap is its members' smallest."""
    pairs, sims = _pairs((0, 1, 0.7))
    assert capped_groups(2, pairs, sims, np.full(2, 3), np.array([3, 1])).refused == 1
    pairs, sims = _pairs((0, 1, 0.9), (1, 2, 0.8))
    assert capped_groups(3, pairs, sims, np.array([10, 2, 10]), np.ones(3, np.int64)).root.tolist() == [0, 0, 2]


def test_only_same_label_pairs_of_kept_units_are_grouped():
    """A pair across labels, or with a unit that kept nothing (a dropped label conflict), joins no group; the cap
    is 10% of the label's kept records, at least 3."""
    edges, sims = _pairs((0, 1, 0.7), (1, 2, 0.7), (3, 4, 0.6))
    labels = ["a", "a", "b", "a", "a"]
    grouped = near_twin_groups(edges, sims, np.arange(5), np.array([1, 1, 1, 1, 0]), labels, 0.1)
    assert grouped.root.tolist() == [0, 0, -1, -1, -1]
    assert grouped.stats["pairs"] == 1 and grouped.stats["largest"] == 2 and grouped.stats["largest_label"] == "a"
    chain, sims = _pairs((0, 1, 0.7), (1, 2, 0.65), (2, 3, 0.6), (3, 4, 0.55))
    capped = near_twin_groups(chain, sims, np.arange(5), np.ones(5, np.int64), ["a"] * 5, 0.1)
    assert capped.root.tolist() == [0, 0, 0, 3, 3] and capped.stats["refused"] == 1


def _twin_rows() -> list[dict]:
    with open(DATA / "banking77_twins_5labels.csv", newline="", encoding="utf-8") as fh:
        return [{"text": r["text"], "label": r["category"], "orig": r["orig_row"]} for r in csv.DictReader(fh)]


def test_typo_twins_between_the_thresholds_are_kept_and_grouped():
    """Real banking77 typo twins: pairs >= 0.8 are removed, twins in [0.5, 0.8) are both kept and share a group
    (but for joins the cap refused), and no group exceeds 10% of its label's kept records."""
    rows = _twin_rows()
    result = dedup(make_dataset(Task.CLASSIFICATION, [{"text": r["text"], "label": r["label"]} for r in rows]),
                   DedupConfig(), CONTEXT)
    kept = {text: group for text, group in zip(result.kept["text"], result.kept["group"])}
    by_orig: dict[str, list[str]] = {}
    for r in rows:
        by_orig.setdefault(r["orig"], []).append(r["text"])
    between = [texts for texts in by_orig.values() if len(texts) == 2 and 0.5 <= char_jaccard(*texts) < 0.8]
    assert len(between) > 80
    between = [texts for texts in between if all(t in kept for t in texts)]  # a few are near duplicates of a third
    assert len(between) > 70
    apart = sum(kept[a] is None or kept[a] != kept[b] for a, b in between)
    stats = result.sections["duplicates"]["groups"]
    assert apart <= stats["refused"] and apart <= len(between) // 20
    labels = Counter(result.kept["label"])
    sizes = Counter((g, label) for g, label in zip(result.kept["group"], result.kept["label"]) if g is not None)
    assert max(n / labels[label] for (_, label), n in sizes.items()) <= 0.1
    assert stats["largest"] == max(sizes.values()) and stats["threshold"] == 0.5


def test_group_threshold_at_the_threshold_turns_grouping_off():
    """group_threshold = threshold: no pair is a near twin, every record's group is empty."""
    rows = [{"text": r["text"], "label": r["label"]} for r in _twin_rows()]
    result = dedup(make_dataset(Task.CLASSIFICATION, rows), DedupConfig(group_threshold=0.8), CONTEXT)
    assert set(result.kept["group"]) == {None} and result.sections["duplicates"]["groups"]["groups"] == 0
    assert result.sections["duplicates"]["parameters"]["rows"] == 6  # banding back to 21 x 6


def test_label_shift_lists_the_labels_dedup_moves():
    """Real SMS spam (2,000 rows): dedup removes 12% of the spam but 5% of the ham, so spam's share drops by 7% of
    itself: listed at label_shift 0.05, not at the default 0.15 (ham rises by 1%: never listed)."""
    from tests.dedup.helpers import sms_rows

    ds = make_dataset(Task.CLASSIFICATION, sms_rows())
    shift = dedup(ds, DedupConfig(label_shift=0.05), CONTEXT).sections["duplicates"]["label_shift"]
    assert [s["label"] for s in shift] == ["spam"]
    assert 0.9 * shift[0]["before"] < shift[0]["after"] < 0.95 * shift[0]["before"] and shift[0]["removed"] > 30
    assert dedup(ds, DedupConfig(), CONTEXT).sections["duplicates"]["label_shift"] == []


def test_group_settings_are_checked():
    """group_threshold above the threshold, a share of 0 or a recall of 1 are config problems, named by key."""
    assert DedupConfig().problems() == []
    with pytest.raises(SectionError) as raised:
        DedupConfig(group_threshold=0.9, group_max_share=0.0, group_recall=1.0, label_shift=0)
    for key in ("group_threshold", "group_max_share", "group_recall", "label_shift"):
        assert f"[dedup] {key}" in str(raised.value) or key in str(raised.value)
