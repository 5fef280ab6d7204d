"""Split leakage: near-duplicate pairs whose two records ended up in different splits (the ``split_leakage`` check).

Re-measured on the final splits from scratch (new signatures, LSH candidates, exact Jaccard of every candidate),
so the check does not trust the dedup stage's own bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from datasets import Dataset

from pipeline.core.records import column, content_texts, rejections_to_dataset
from pipeline.core.stage import RunContext, StageResult
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import MinHasher, band_keys, bucket_pairs, choose_bands
from pipeline.dedup.shingling import Shingling, choose_shingle_mode
from pipeline.split.stage import split_parts

EXAMPLES_SHOWN = 5


def measure_split_leakage(records: Dataset, cfg: DedupConfig, ctx: RunContext) -> StageResult:
    """The split-leakage stage: re-measure near-duplicate pairs across the final splits, whether dedup ran or not,
    into ``duplicates.split_leakage`` for the ``split_leakage`` check; records pass through unchanged."""
    params = (ctx.sections.get("duplicates") or {}).get("parameters", {})
    shingling = Shingling(params["shingle"], params["ngram"]) if "shingle" in params else None
    leakage = measure_leakage(split_parts(records), threshold=cfg.threshold, num_perm=cfg.num_perm, shingling=shingling)
    return StageResult(kept=records, rejected=rejections_to_dataset([]), sections={"duplicates": {"split_leakage": leakage}})


def measure_leakage(
    splits: dict[str, Dataset],
    threshold: float = 0.8,
    num_perm: int = 128,
    shingling: Shingling | None = None,
    auto_min_words: int = 30,
) -> dict[str, Any]:
    """Count record pairs in different splits whose shingle Jaccard reaches ``threshold``."""
    ids, split_of, texts = _collect(splits)
    if not texts:
        return {"pairs": 0, "records": 0, "threshold": threshold, "by_splits": {}, "examples": []}
    if shingling is None:
        mode = choose_shingle_mode(texts, auto_min_words)
        shingling = Shingling(mode, 5)
    sets = shingling.sets(texts)
    bands, rows = choose_bands(num_perm, threshold, 0.998)
    pairs = bucket_pairs(band_keys(MinHasher(num_perm).signatures(sets), bands, rows))
    pairs = pairs[split_of[pairs[:, 0]] != split_of[pairs[:, 1]]] if len(pairs) else pairs
    names = list(splits)
    leaks = []
    for i, j in pairs.tolist():
        similarity = sets.jaccard(i, j)
        if similarity >= threshold:
            leaks.append((i, j, similarity))
    by_splits = Counter("/".join(sorted((names[split_of[i]], names[split_of[j]]))) for i, j, _ in leaks)
    examples = [
        {"ids": [ids[i], ids[j]], "splits": [names[split_of[i]], names[split_of[j]]], "similarity": round(s, 4)}
        for i, j, s in leaks[:EXAMPLES_SHOWN]
    ]
    return {
        "pairs": len(leaks),
        "records": len(texts),
        "threshold": threshold,
        "shingle": shingling.mode,
        "ngram": shingling.n,
        "by_splits": dict(sorted(by_splits.items())),
        "examples": examples,
    }


def _collect(splits: dict[str, Dataset]) -> tuple[list[str], np.ndarray, list[str]]:
    ids: list[str] = []
    split_of: list[int] = []
    texts: list[str] = []
    for position, ds in enumerate(splits.values()):
        if not len(ds):
            continue
        ids += column(ds, "id")
        split_of += [position] * len(ds)
        texts += content_texts(ds)
    return ids, np.array(split_of, dtype=np.int64), texts
