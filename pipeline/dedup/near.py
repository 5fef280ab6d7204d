"""The near-duplicate pass, written once: shingle sets, MinHash signatures, LSH candidate pairs, exact Jaccard.

The dedup stage uses it to find near-duplicate clusters and near-twin pairs; the split-leakage measurement uses
it, with the same :class:`NearDuplicates` settings, to find both kinds of pairs across the final splits. An LSH
candidate is only a candidate: every pair is verified with the exact Jaccard of its shingle sets.

Two levels share one pass: pairs at or above ``threshold`` are near duplicates (removed), pairs in
``[group_threshold, threshold)`` are near twins (kept, but in one split). The banding is chosen so that a pair at
either level becomes a candidate with its recall (0.8 at 0.998 and 0.5 at 0.99 give 42 bands x 3 rows).

Banding for 0.5 makes many more candidates on short texts of one domain (banking77: 4,478 at 21x6, 230,631 at
42x3), most of them far below 0.5. So before the exact Jaccard, a candidate whose signatures agree on fewer than
``group_threshold - ESTIMATE_MARGIN`` of their positions is dropped: the agreement estimates the Jaccard with a
standard deviation of at most 0.044 (128 permutations), so a pair at the group threshold falls 0.2 below it with
probability ~3e-6 (4.5 sigma). On banking77 typo twins this drops 84% of the candidates and no pair at 0.5 or more.

Short texts a few typing edits apart are near twins too (the edit rule, :mod:`pipeline.dedup.edits`): their
Jaccard can be anywhere from 0 to 0.5, so they come from an exact candidate search of their own, not from LSH.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.parallel import map_ordered, slices
from pipeline.core.records import content_texts
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.edits import EditRule, EditTwins, find_edit_twins
from pipeline.dedup.minhash import MinHasher, UnionFind, choose_bands, lsh_pairs
from pipeline.dedup.shingling import ShingleSets, Shingling, choose_shingle_mode

_MODE_SAMPLE = 2000  # records the shingle mode is chosen on: the median length of 2,000 is stable enough
ESTIMATE_MARGIN = 0.2
_CHUNK = 50_000  # candidate pairs per signature comparison: 2 x 50k x 128 x 4 bytes = 51 MB


@dataclass(frozen=True)
class NearDuplicates:
    """The near-duplicate settings of a run as one object: dedup publishes them, split leakage reuses them.

    Args:
        shingling: how texts are cut into shingles (mode, n-gram size, accents), chosen once per run.
        threshold: the Jaccard at or above which two records are near duplicates (removed).
        group_threshold: the Jaccard at or above which two records are near twins (kept in one split).
        num_perm, hash_seed: the MinHash signature length and the permutations' seed (a hash parameter).
        bands, rows: the LSH banding that proposes candidate pairs.
        edits: the edit-twin rule (``max_chars`` 0 when it is off, as it is when grouping is).
        edit_budget: the most candidate pairs the edit pass verifies.
    """

    shingling: Shingling
    threshold: float
    group_threshold: float
    num_perm: int
    hash_seed: int
    bands: int
    rows: int
    edits: EditRule = EditRule(0, 0, 1.0)
    edit_budget: int = 0

    @classmethod
    def of(cls, cfg: DedupConfig, shingling: Shingling) -> NearDuplicates:
        """The settings of ``[dedup]``: explicit banding, or the one reaching ``lsh_recall`` at the threshold and
        ``group_recall`` at the group threshold."""
        if cfg.bands:
            bands, rows = cfg.bands, cfg.rows
        else:
            bands, rows = choose_bands(cfg.num_perm, cfg.threshold, cfg.lsh_recall, (cfg.group_threshold, cfg.group_recall))
        grouping = cfg.group_threshold < cfg.threshold
        edits = EditRule(cfg.edit_max_chars if grouping else 0, cfg.edit_max_edits, cfg.edit_similarity)
        return cls(shingling, cfg.threshold, cfg.group_threshold, cfg.num_perm, cfg.hash_seed, bands, rows, edits,
                   cfg.edit_max_candidates)

    def hasher(self) -> MinHasher:
        return MinHasher(self.num_perm, self.hash_seed)

    def candidate_pairs(self, signatures: Sequence[np.ndarray], take: np.ndarray | None = None) -> np.ndarray:
        """Unique candidate pairs ``(i, j)``, i < j, over signature blocks laid end to end (positions run on).

        ``take``: the signature rows of positions 0..len(take)-1 (rows may repeat), instead of every row in order;
        the same pairs as over ``concatenate(signatures)[take]``, which is never built.
        """
        return lsh_pairs(list(signatures), self.bands, self.rows, take=take)

    def likely_pairs(self, signatures: Sequence[np.ndarray], pairs: np.ndarray, take: np.ndarray | None = None,
                     num_proc: int = 1) -> np.ndarray:
        """The candidates whose signatures agree on at least ``group_threshold - ESTIMATE_MARGIN`` of their
        positions (blocks laid end to end, as for :meth:`candidate_pairs`; nothing is concatenated), ``_CHUNK``
        pairs a job on ``num_proc`` forked workers."""
        floor = self.group_threshold - ESTIMATE_MARGIN
        if not len(pairs) or floor <= 0:
            return pairs
        starts = np.cumsum([0, *(len(block) for block in signatures)])

        def agree(bounds: tuple[int, int]) -> np.ndarray:
            chunk = pairs[bounds[0] : bounds[1]] if take is None else take[pairs[bounds[0] : bounds[1]]]
            left, right = _gather(signatures, starts, chunk[:, 0]), _gather(signatures, starts, chunk[:, 1])
            return np.count_nonzero(left == right, axis=1) / left.shape[1] >= floor

        jobs = slices(len(pairs), _CHUNK)
        return pairs[np.concatenate(list(map_ordered(agree, jobs, num_proc=num_proc if len(jobs) > 1 else 1)))]

    def clusters(self, texts: list[str]) -> np.ndarray:
        """The root (smallest member) of each text's near-duplicate cluster: verified pairs joined transitively."""
        sets = self.shingling.sets(texts)
        signatures = self.hasher().signatures(sets)
        pairs = self.likely_pairs([signatures], self.candidate_pairs([signatures]))
        return self.verify(sets, pairs).clusters.roots()

    def similar_pairs(self, sets: ShingleSets, pairs: np.ndarray) -> list[tuple[int, int, float]]:
        """The candidate pairs whose exact Jaccard reaches the group threshold (the lower level), with it."""
        found = []
        for i, j in pairs.tolist():
            similarity = sets.jaccard(i, j)
            if similarity >= self.group_threshold:
                found.append((i, j, similarity))
        return found

    def verify(self, sets: ShingleSets, pairs: np.ndarray, num_proc: int = 1) -> Verified:
        """Exact Jaccard of every candidate (on ``num_proc`` forked workers), sorted into the two levels."""
        return self.join(len(sets), pairs, pair_jaccards(sets, pairs, num_proc))

    def join(self, n: int, pairs: np.ndarray, scores: np.ndarray) -> Verified:
        """Pairs of units 0..n-1 with their Jaccard, joined in order: at ``threshold`` into one cluster, from
        ``group_threshold`` kept as near-twin edges unless already in one cluster (clusters are connected
        components). A NaN score skips the pair unchecked (the Ray engine's pairs whose signatures disagree).

        The same as going through every pair in order, but only the pairs that can matter go through the Python
        loop: those at the group threshold or above, and those whose units end up in one cluster (whether they were
        already joined when their turn came decides ``checked``). Every other pair is checked and changes nothing.
        """
        scored = ~np.isnan(scores)
        final = UnionFind(n)
        for i, j in pairs[scored & (scores >= self.threshold)].tolist():
            final.union(i, j)
        roots = final.roots()
        in_turn = scored & ((scores >= self.group_threshold) | (roots[pairs[:, 0]] == roots[pairs[:, 1]]))
        checked = int(np.count_nonzero(scored & ~in_turn))
        clusters = UnionFind(n)
        edges: list[tuple[int, int]] = []
        similarities: list[float] = []
        for (i, j), score in zip(pairs[in_turn].tolist(), scores[in_turn].tolist()):
            if clusters.find(i) == clusters.find(j):
                continue
            checked += 1
            if score >= self.threshold:
                clusters.union(i, j)
            elif score >= self.group_threshold:
                edges.append((i, j))
                similarities.append(score)
        return Verified(clusters, np.array(edges, dtype=np.int64).reshape(-1, 2), np.array(similarities), checked)

    def edit_twins(self, prepared: list[str], groups: np.ndarray) -> EditTwins:
        """Pairs of ``prepared`` texts (each one the edit rule applies to) in one group that it accepts."""
        return find_edit_twins(prepared, groups, self.edits, self.edit_budget)

    def as_report(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "group_threshold": self.group_threshold, "shingle": self.shingling.mode,
                "ngram": self.shingling.n, "edit_rule": self.edit_report()}

    def edit_report(self) -> dict[str, Any] | None:
        """The edit rule as report parameters (None when it is off)."""
        rule = self.edits
        if not rule.enabled:
            return None
        return {"max_chars": rule.max_chars, "max_edits": rule.max_edits, "min_similarity": rule.min_similarity,
                "rule": rule.describe()}


@dataclass(frozen=True)
class Verified:
    """Near-duplicate clusters (union-find), near-twin pairs with their Jaccard, and how many pairs were verified."""

    clusters: UnionFind
    twins: np.ndarray  # (m, 2) int64, i < j
    similarity: np.ndarray  # (m,) float64
    checked: int


def pair_jaccards(sets: ShingleSets, pairs: np.ndarray, num_proc: int = 1) -> np.ndarray:
    """The exact Jaccard of every pair, ``_CHUNK`` pairs a job on ``num_proc`` forked workers (they inherit
    ``sets``). Pair by pair: a vectorised merge of the sets (tagged values, one stable sort) was no faster for
    word shingles (5.4 against 5.5 us a pair) and twice as slow for character shingles."""
    def score(bounds: tuple[int, int]) -> np.ndarray:
        return np.array([sets.jaccard(i, j) for i, j in pairs[bounds[0] : bounds[1]].tolist()], dtype=np.float64)

    jobs = slices(len(pairs), _CHUNK)
    parts = list(map_ordered(score, jobs, num_proc=num_proc if len(jobs) > 1 else 1))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def _gather(blocks: Sequence[np.ndarray], starts: np.ndarray, rows: np.ndarray) -> np.ndarray:
    if len(blocks) == 1:
        return blocks[0][rows]
    out = np.empty((len(rows), blocks[0].shape[1]), dtype=blocks[0].dtype)
    block_of = np.searchsorted(starts, rows, side="right") - 1
    for k, block in enumerate(blocks):
        mask = block_of == k
        if mask.any():
            out[mask] = block[rows[mask] - starts[k]]
    return out


def choose_shingling(ds: Dataset, cfg: DedupConfig) -> Shingling:
    """The dataset's shingling: by config, or for ``auto`` by the length of a sample of its records."""
    mode = cfg.shingle
    if mode == "auto":
        step = max(1, len(ds) // _MODE_SAMPLE)
        mode = choose_shingle_mode(content_texts(ds.select(range(0, len(ds), step))), cfg.auto_min_words)
    return Shingling(mode, cfg.word_ngram if mode == "word" else cfg.char_ngram, accents=not cfg.strip_accents)
