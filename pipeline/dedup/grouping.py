"""Near-twin groups: records similar enough to leak are kept in one split, not removed.

Dedup *removes* pairs at ``threshold`` (0.8); grouping *keeps together* pairs at ``group_threshold`` (0.5): the
split stage puts every group in a single split (``group`` column). A plain transitive closure at 0.5 chains on
short texts (A~B, B~C, C~D... on banking77 it made a group of 45 records, 48% of its label) and a group larger
than an evaluation split's share of its label cannot be placed without breaking the ratios. So groups are built
by *capped single linkage*: verified pairs are joined strongest first (Jaccard descending, ties by position), and
a join that would make a group larger than its cap is refused and counted. True twins (J 0.6-0.8) join before the
weak bridges (J ~0.5) that chains run through, and every refused pair is one the split may separate, which the
``split_leakage`` measure then shows.

A group's cap is ``max(3, group_max_share x kept records of its label)`` (of all kept records without labels):
with the default 0.1, a group never needs more than a default val or test share of its label. For classification
only pairs with the same label are grouped: a near twin with another label is a different example (the pairs at
0.5-0.6 with two labels read on banking77 and language_detection were all different requests or languages), and
cross-label links would chain one label into another.

Units are dedup clusters (positions of their leader), weighted by the records they keep (usually 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.dedup.minhash import UnionFind

# A group may always hold 3 records (a pair plus one more copy), whatever the label's size: with a floor of 2, on
# 1,500 banking77 rows (~20 a label, so 10% is 2) typo twins already paired with a rewording were refused (31
# refused joins, 2 twin pairs >= 0.5 across splits); with 3, 10 refused and none across, ratios as close.
MIN_CAP = 3


@dataclass(frozen=True)
class Groups:
    """The group (its smallest unit) of every unit, and what the cap did."""

    root: np.ndarray  # int64, per unit
    joined: int  # pairs that merged two groups
    refused: int  # pairs whose merge the cap refused (their two units may land in different splits)

    def sizes(self, weights: np.ndarray) -> np.ndarray:
        """Records per group, indexed by its root (0 for other units)."""
        return np.bincount(self.root, weights=weights, minlength=len(self.root)).astype(np.int64)


def capped_groups(n: int, pairs: np.ndarray, similarity: np.ndarray, caps: np.ndarray, weights: np.ndarray) -> Groups:
    """Single linkage over ``pairs`` of units 0..n-1, strongest first, never making a group heavier than its cap.

    A group's cap is the smallest cap of its members; ``weights`` are the records each unit counts for.
    """
    cap = np.asarray(caps, dtype=np.int64).copy()
    size = np.asarray(weights, dtype=np.int64).copy()
    sets = UnionFind(n)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], -similarity)) if len(pairs) else np.zeros(0, np.int64)
    joined = refused = 0
    for i, j in pairs[order].tolist():
        ri, rj = sets.find(i), sets.find(j)
        if ri == rj:
            continue
        if size[ri] + size[rj] > min(cap[ri], cap[rj]):
            refused += 1
            continue
        sets.union(ri, rj)  # the smaller root stays root: it carries the merged size and cap
        low, high = min(ri, rj), max(ri, rj)
        size[low] += size[high]
        cap[low] = min(cap[low], cap[high])
        joined += 1
    return Groups(sets.roots(), joined, refused)


@dataclass(frozen=True)
class TwinGroups:
    """Near-twin groups over dedup units: each unit's group root (-1: in no group) and the report figures."""

    root: np.ndarray
    stats: dict[str, Any]


def near_twin_groups(
    edges: np.ndarray,
    similarity: np.ndarray,
    unit_of: np.ndarray,
    weights: np.ndarray,
    unit_labels: list[str] | None,
    max_share: float,
    edit_only: np.ndarray | None = None,
) -> TwinGroups:
    """Groups of units joined by near-twin ``edges`` (pairs of positions mapped to units by ``unit_of``).

    Args:
        edges, similarity: verified near-twin pairs and their joining strength (the Jaccard of a pair in
            ``[group_threshold, threshold)``, the edit similarity of an edit twin), strongest joined first.
        unit_of: the unit (dedup cluster, as the position of its root) of every position.
        weights: kept records per unit (0: nothing kept, e.g. rejected as a label conflict: never grouped).
        unit_labels: the label of every unit (classification), else None.
        max_share: the cap, as a share of the label's kept records (of all kept records without labels).
        edit_only: which edges only the edit rule found (counted as ``edit_pairs``), if it ran.
    """
    n = len(weights)
    units = unit_of[edges] if len(edges) else np.zeros((0, 2), dtype=np.int64)
    live = (units[:, 0] != units[:, 1]) & (weights[units[:, 0]] > 0) & (weights[units[:, 1]] > 0)
    if unit_labels is not None:
        codes = _codes(unit_labels)
        live &= codes[units[:, 0]] == codes[units[:, 1]]
        base = np.bincount(codes, weights=weights)[codes] if n else np.zeros(0)
    else:
        base = np.full(n, weights.sum(), dtype=np.float64)
    units, similarity = np.sort(units[live], axis=1), similarity[live]
    edit_pairs = int(np.count_nonzero(edit_only[live])) if edit_only is not None else None
    caps = np.maximum(MIN_CAP, (max_share * base).astype(np.int64))
    groups = capped_groups(n, units, similarity, caps, weights)
    sizes = groups.sizes(weights)
    in_group = sizes[groups.root] > 1
    root = np.where(in_group, groups.root, -1)
    largest = int(sizes.max()) if n else 0
    kept = max(1, int(weights.sum()))
    stats: dict[str, Any] = {
        "max_share": max_share,
        "pairs": int(len(units)),
        "joined": groups.joined,
        "refused": groups.refused,
        "groups": int(np.count_nonzero(sizes > 1)),
        "records": int(sizes[sizes > 1].sum()),
        "largest": largest if largest > 1 else 0,
        "largest_share": round(largest / kept, 4) if largest > 1 else 0.0,
    }
    if edit_pairs is not None:
        stats["edit_pairs"] = edit_pairs
    if unit_labels is not None and largest > 1:
        top = int(np.argmax(sizes))
        stats["largest_label"] = unit_labels[top]
        stats["largest_label_share"] = round(largest / float(base[top]), 4)
    return TwinGroups(root, stats)


def _codes(labels: list[str]) -> np.ndarray:
    index: dict[str, int] = {}
    return np.fromiter((index.setdefault(label, len(index)) for label in labels), dtype=np.int64, count=len(labels))
