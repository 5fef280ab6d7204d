"""The near-duplicate pass, written once: shingle sets, MinHash signatures, LSH candidate pairs, exact Jaccard.

The dedup stage uses it to find near-duplicate clusters; the split-leakage measurement uses it, with the same
:class:`NearDuplicates` settings, to find near-duplicate pairs across the final splits. An LSH candidate is only
a candidate: every pair is verified against the threshold with the exact Jaccard of its shingle sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.records import content_texts
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import MinHasher, choose_bands, lsh_pairs, verified_clusters
from pipeline.dedup.shingling import ShingleSets, Shingling, choose_shingle_mode

_MODE_SAMPLE = 2000  # records the shingle mode is chosen on: the median length of 2,000 is stable enough


@dataclass(frozen=True)
class NearDuplicates:
    """The near-duplicate settings of a run as one object: dedup publishes them, split leakage reuses them.

    Args:
        shingling: how texts are cut into shingles (mode and n-gram size), chosen once per run.
        threshold: the Jaccard at or above which two records are near duplicates.
        num_perm, hash_seed: the MinHash signature length and the permutations' seed (a hash parameter).
        bands, rows: the LSH banding that proposes candidate pairs.
    """

    shingling: Shingling
    threshold: float
    num_perm: int
    hash_seed: int
    bands: int
    rows: int

    @classmethod
    def of(cls, cfg: DedupConfig, shingling: Shingling) -> NearDuplicates:
        """The settings of ``[dedup]``: explicit banding, or the one that reaches ``lsh_recall`` at the threshold."""
        bands, rows = (cfg.bands, cfg.rows) if cfg.bands else choose_bands(cfg.num_perm, cfg.threshold, cfg.lsh_recall)
        return cls(shingling, cfg.threshold, cfg.num_perm, cfg.hash_seed, bands, rows)

    def hasher(self) -> MinHasher:
        return MinHasher(self.num_perm, self.hash_seed)

    def candidate_pairs(self, signatures: list[np.ndarray]) -> np.ndarray:
        """Unique candidate pairs ``(i, j)``, i < j, over signature blocks laid end to end (positions run on)."""
        return lsh_pairs(signatures, self.bands, self.rows)

    def clusters(self, texts: list[str]) -> np.ndarray:
        """The root (smallest member) of each text's near-duplicate cluster: verified pairs joined transitively."""
        sets = self.shingling.sets(texts)
        pairs = self.candidate_pairs([self.hasher().signatures(sets)])
        return verified_clusters(sets, pairs, self.threshold)[0].roots()

    def similar_pairs(self, sets: ShingleSets, pairs: np.ndarray) -> list[tuple[int, int, float]]:
        """The candidate pairs whose exact Jaccard reaches the threshold, with it."""
        found = []
        for i, j in pairs.tolist():
            similarity = sets.jaccard(i, j)
            if similarity >= self.threshold:
                found.append((i, j, similarity))
        return found

    def as_report(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "shingle": self.shingling.mode, "ngram": self.shingling.n}


def choose_shingling(ds: Dataset, cfg: DedupConfig) -> Shingling:
    """The dataset's shingling: by config, or for ``auto`` by the length of a sample of its records."""
    mode = cfg.shingle
    if mode == "auto":
        step = max(1, len(ds) // _MODE_SAMPLE)
        mode = choose_shingle_mode(content_texts(ds.select(range(0, len(ds), step))), cfg.auto_min_words)
    return Shingling(mode, cfg.word_ngram if mode == "word" else cfg.char_ngram, accents=not cfg.strip_accents)
